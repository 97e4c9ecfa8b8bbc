import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';

/** A dataset as the seller keeps it: the rows never leave this store unencrypted. */
export interface StoredDataset {
  channel: string;
  datasetId: string;
  columns: string[];
  rows: number[][];
  /** The org user who listed it: the pump acts as this user for its trades. */
  owner?: string;
}

export interface StoredBundle {
  channel: string;
  tradeId: string;
  bytes: Uint8Array;
  sha256: string;
}

export interface StoredTradeKey {
  channel: string;
  tradeId: string;
  /** The trade's CKKS secret key, sealed (see crypto/sealing.ts). */
  sealedSecretKey: Uint8Array;
}

/** An encrypted result a buyer uploaded for a trade (checked against the ledger's hash). */
export interface StoredResult {
  channel: string;
  tradeId: string;
  bytes: Uint8Array;
  sha256: string;
}

/** A dataset's free test sample: a small bundle under its own keys. */
export interface StoredSample {
  channel: string;
  datasetId: string;
  bytes: Uint8Array;
  sha256: string;
  sealedSecretKey: Uint8Array;
}

/** A buyer's X25519 result key for one trade; the private half sealed. */
export interface StoredBuyerKey {
  channel: string;
  tradeId: string;
  publicKeyPem: string;
  sealedPrivateKey: Uint8Array;
}

export interface PumpLogEntry {
  channel: string;
  tradeId: string;
  action: string;
  detail: string;
  at: number;
}

export type DatasetSummary = { datasetId: string; columns: string[]; rowCount: number };
export type Checkpoint = { blockNumber: bigint; transactionId?: string };

/**
 * The seller's store: SQLite (embedded, default) or PostgreSQL (`openSellerStore` with a
 * `postgres://` URL). Every write is a single statement or a transaction, so a crash never
 * leaves half a record. Secrets are stored sealed; the store never sees a plaintext key.
 */
export interface SellerStore {
  close(): Promise<void>;
  putDataset(dataset: StoredDataset): Promise<void>;
  getDataset(channel: string, datasetId: string): Promise<StoredDataset | undefined>;
  listDatasets(channel: string): Promise<DatasetSummary[]>;
  deleteDataset(channel: string, datasetId: string): Promise<void>;
  /** Stores a trade's sealed key and its bundle together: both or neither. */
  putTradeMaterial(key: StoredTradeKey, bundle: StoredBundle): Promise<void>;
  getTradeKey(channel: string, tradeId: string): Promise<StoredTradeKey | undefined>;
  getBundle(channel: string, tradeId: string): Promise<StoredBundle | undefined>;
  putResult(result: StoredResult): Promise<void>;
  getResult(channel: string, tradeId: string): Promise<StoredResult | undefined>;
  putSample(sample: StoredSample): Promise<void>;
  getSample(channel: string, datasetId: string): Promise<StoredSample | undefined>;
  deleteSample(channel: string, datasetId: string): Promise<void>;
  putBuyerKey(key: StoredBuyerKey): Promise<void>;
  getBuyerKey(channel: string, tradeId: string): Promise<StoredBuyerKey | undefined>;
  /** Appends to the event pump's journal of what it did (for audits and tests). */
  logPump(channel: string, tradeId: string, action: string, detail?: string): Promise<void>;
  pumpLog(channel: string, tradeId?: string): Promise<PumpLogEntry[]>;
  /** Event-pump checkpoint: the next block to read, and the last transaction handled in it. */
  getCheckpoint(name: string): Promise<Checkpoint | undefined>;
  putCheckpoint(name: string, blockNumber: bigint, transactionId?: string): Promise<void>;
}

/** True for a PostgreSQL connection URL (`postgres://` or `postgresql://`). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Opens the store: PostgreSQL for a `postgres://` / `postgresql://` URL, else a SQLite file. */
export async function openSellerStore(location: string): Promise<SellerStore> {
  return isPostgresUrl(location)
    ? PostgresSellerStore.open(location)
    : Promise.resolve(new SqliteSellerStore(location));
}

/**
 * The embedded store (SQLite through node:sqlite, no native addon). node:sqlite is synchronous;
 * the methods are async only to share the interface with PostgreSQL.
 */
export class SqliteSellerStore implements SellerStore {
  private readonly db: DatabaseSync;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS datasets (
        channel TEXT NOT NULL, dataset_id TEXT NOT NULL,
        columns TEXT NOT NULL, rows TEXT NOT NULL, owner TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (channel, dataset_id));
      CREATE TABLE IF NOT EXISTS trade_keys (
        channel TEXT NOT NULL, trade_id TEXT NOT NULL, sealed_secret_key BLOB NOT NULL,
        PRIMARY KEY (channel, trade_id));
      CREATE TABLE IF NOT EXISTS bundles (
        channel TEXT NOT NULL, trade_id TEXT NOT NULL, bytes BLOB NOT NULL, sha256 TEXT NOT NULL,
        PRIMARY KEY (channel, trade_id));
      CREATE TABLE IF NOT EXISTS results (
        channel TEXT NOT NULL, trade_id TEXT NOT NULL, bytes BLOB NOT NULL, sha256 TEXT NOT NULL,
        PRIMARY KEY (channel, trade_id));
      CREATE TABLE IF NOT EXISTS samples (
        channel TEXT NOT NULL, dataset_id TEXT NOT NULL, bytes BLOB NOT NULL,
        sha256 TEXT NOT NULL, sealed_secret_key BLOB NOT NULL,
        PRIMARY KEY (channel, dataset_id));
      CREATE TABLE IF NOT EXISTS buyer_keys (
        channel TEXT NOT NULL, trade_id TEXT NOT NULL, public_key_pem TEXT NOT NULL,
        sealed_private_key BLOB NOT NULL,
        PRIMARY KEY (channel, trade_id));
      CREATE TABLE IF NOT EXISTS pump_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, trade_id TEXT NOT NULL,
        action TEXT NOT NULL, detail TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS checkpoints (
        name TEXT PRIMARY KEY, block_number TEXT NOT NULL, transaction_id TEXT);
    `);
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  async putDataset(dataset: StoredDataset): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO datasets (channel, dataset_id, columns, rows, owner) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (channel, dataset_id) DO UPDATE SET columns = excluded.columns,
           rows = excluded.rows, owner = excluded.owner`,
      )
      .run(
        dataset.channel,
        dataset.datasetId,
        JSON.stringify(dataset.columns),
        JSON.stringify(dataset.rows),
        dataset.owner ?? '',
      );
  }

  async getDataset(channel: string, datasetId: string): Promise<StoredDataset | undefined> {
    const row = this.db
      .prepare('SELECT columns, rows, owner FROM datasets WHERE channel = ? AND dataset_id = ?')
      .get(channel, datasetId) as { columns: string; rows: string; owner: string } | undefined;
    if (!row) return undefined;
    return {
      channel,
      datasetId,
      columns: JSON.parse(row.columns) as string[],
      rows: JSON.parse(row.rows) as number[][],
      owner: row.owner || undefined,
    };
  }

  async listDatasets(channel: string): Promise<DatasetSummary[]> {
    const rows = this.db
      .prepare(
        `SELECT dataset_id, columns, json_array_length(rows) AS n FROM datasets
         WHERE channel = ? ORDER BY dataset_id`,
      )
      .all(channel) as { dataset_id: string; columns: string; n: number }[];
    return rows.map((r) => ({
      datasetId: r.dataset_id,
      columns: JSON.parse(r.columns) as string[],
      rowCount: r.n,
    }));
  }

  async deleteDataset(channel: string, datasetId: string): Promise<void> {
    this.db
      .prepare('DELETE FROM datasets WHERE channel = ? AND dataset_id = ?')
      .run(channel, datasetId);
  }

  /** Stores a trade's sealed key and its bundle together: both or neither. */
  async putTradeMaterial(key: StoredTradeKey, bundle: StoredBundle): Promise<void> {
    this.transaction(() => {
      this.db
        .prepare(
          'INSERT OR REPLACE INTO trade_keys (channel, trade_id, sealed_secret_key) VALUES (?, ?, ?)',
        )
        .run(key.channel, key.tradeId, key.sealedSecretKey);
      this.db
        .prepare(
          'INSERT OR REPLACE INTO bundles (channel, trade_id, bytes, sha256) VALUES (?, ?, ?, ?)',
        )
        .run(bundle.channel, bundle.tradeId, bundle.bytes, bundle.sha256);
    });
  }

  async getTradeKey(channel: string, tradeId: string): Promise<StoredTradeKey | undefined> {
    const row = this.db
      .prepare('SELECT sealed_secret_key FROM trade_keys WHERE channel = ? AND trade_id = ?')
      .get(channel, tradeId) as { sealed_secret_key: Uint8Array } | undefined;
    return row && { channel, tradeId, sealedSecretKey: row.sealed_secret_key };
  }

  async getBundle(channel: string, tradeId: string): Promise<StoredBundle | undefined> {
    const row = this.db
      .prepare('SELECT bytes, sha256 FROM bundles WHERE channel = ? AND trade_id = ?')
      .get(channel, tradeId) as { bytes: Uint8Array; sha256: string } | undefined;
    return row && { channel, tradeId, bytes: row.bytes, sha256: row.sha256 };
  }

  async putResult(result: StoredResult): Promise<void> {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO results (channel, trade_id, bytes, sha256) VALUES (?, ?, ?, ?)',
      )
      .run(result.channel, result.tradeId, result.bytes, result.sha256);
  }

  async getResult(channel: string, tradeId: string): Promise<StoredResult | undefined> {
    const row = this.db
      .prepare('SELECT bytes, sha256 FROM results WHERE channel = ? AND trade_id = ?')
      .get(channel, tradeId) as { bytes: Uint8Array; sha256: string } | undefined;
    return row && { channel, tradeId, bytes: row.bytes, sha256: row.sha256 };
  }

  async putSample(sample: StoredSample): Promise<void> {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO samples (channel, dataset_id, bytes, sha256, sealed_secret_key)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(sample.channel, sample.datasetId, sample.bytes, sample.sha256, sample.sealedSecretKey);
  }

  async getSample(channel: string, datasetId: string): Promise<StoredSample | undefined> {
    const row = this.db
      .prepare(
        'SELECT bytes, sha256, sealed_secret_key FROM samples WHERE channel = ? AND dataset_id = ?',
      )
      .get(channel, datasetId) as
      { bytes: Uint8Array; sha256: string; sealed_secret_key: Uint8Array } | undefined;
    return (
      row && {
        channel,
        datasetId,
        bytes: row.bytes,
        sha256: row.sha256,
        sealedSecretKey: row.sealed_secret_key,
      }
    );
  }

  async deleteSample(channel: string, datasetId: string): Promise<void> {
    this.db
      .prepare('DELETE FROM samples WHERE channel = ? AND dataset_id = ?')
      .run(channel, datasetId);
  }

  async putBuyerKey(key: StoredBuyerKey): Promise<void> {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO buyer_keys (channel, trade_id, public_key_pem, sealed_private_key)
         VALUES (?, ?, ?, ?)`,
      )
      .run(key.channel, key.tradeId, key.publicKeyPem, key.sealedPrivateKey);
  }

  async getBuyerKey(channel: string, tradeId: string): Promise<StoredBuyerKey | undefined> {
    const row = this.db
      .prepare(
        'SELECT public_key_pem, sealed_private_key FROM buyer_keys WHERE channel = ? AND trade_id = ?',
      )
      .get(channel, tradeId) as
      { public_key_pem: string; sealed_private_key: Uint8Array } | undefined;
    return (
      row && {
        channel,
        tradeId,
        publicKeyPem: row.public_key_pem,
        sealedPrivateKey: row.sealed_private_key,
      }
    );
  }

  /** Appends to the event pump's journal of what it did (for audits and tests). */
  async logPump(channel: string, tradeId: string, action: string, detail = ''): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO pump_log (channel, trade_id, action, detail, at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(channel, tradeId, action, detail, Date.now());
  }

  async pumpLog(channel: string, tradeId?: string): Promise<PumpLogEntry[]> {
    const rows = (
      tradeId === undefined
        ? this.db.prepare('SELECT * FROM pump_log WHERE channel = ? ORDER BY id').all(channel)
        : this.db
            .prepare('SELECT * FROM pump_log WHERE channel = ? AND trade_id = ? ORDER BY id')
            .all(channel, tradeId)
    ) as { channel: string; trade_id: string; action: string; detail: string; at: number }[];
    return rows.map((r) => ({
      channel: r.channel,
      tradeId: r.trade_id,
      action: r.action,
      detail: r.detail,
      at: r.at,
    }));
  }

  /** Event-pump checkpoint: the next block to read, and the last transaction handled in it. */
  async getCheckpoint(name: string): Promise<Checkpoint | undefined> {
    const row = this.db
      .prepare('SELECT block_number, transaction_id FROM checkpoints WHERE name = ?')
      .get(name) as { block_number: string; transaction_id: string | null } | undefined;
    if (!row) return undefined;
    return {
      blockNumber: BigInt(row.block_number),
      transactionId: row.transaction_id ?? undefined,
    };
  }

  async putCheckpoint(name: string, blockNumber: bigint, transactionId?: string): Promise<void> {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO checkpoints (name, block_number, transaction_id) VALUES (?, ?, ?)',
      )
      .run(name, blockNumber.toString(), transactionId ?? null);
  }

  private transaction(work: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }
}

const POSTGRES_SCHEMA = `
  CREATE TABLE IF NOT EXISTS datasets (
    channel TEXT NOT NULL, dataset_id TEXT NOT NULL,
    columns TEXT NOT NULL, rows TEXT NOT NULL, owner TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (channel, dataset_id));
  CREATE TABLE IF NOT EXISTS trade_keys (
    channel TEXT NOT NULL, trade_id TEXT NOT NULL, sealed_secret_key BYTEA NOT NULL,
    PRIMARY KEY (channel, trade_id));
  CREATE TABLE IF NOT EXISTS bundles (
    channel TEXT NOT NULL, trade_id TEXT NOT NULL, bytes BYTEA NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY (channel, trade_id));
  CREATE TABLE IF NOT EXISTS results (
    channel TEXT NOT NULL, trade_id TEXT NOT NULL, bytes BYTEA NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY (channel, trade_id));
  CREATE TABLE IF NOT EXISTS samples (
    channel TEXT NOT NULL, dataset_id TEXT NOT NULL, bytes BYTEA NOT NULL,
    sha256 TEXT NOT NULL, sealed_secret_key BYTEA NOT NULL,
    PRIMARY KEY (channel, dataset_id));
  CREATE TABLE IF NOT EXISTS buyer_keys (
    channel TEXT NOT NULL, trade_id TEXT NOT NULL, public_key_pem TEXT NOT NULL,
    sealed_private_key BYTEA NOT NULL,
    PRIMARY KEY (channel, trade_id));
  CREATE TABLE IF NOT EXISTS pump_log (
    id BIGSERIAL PRIMARY KEY, channel TEXT NOT NULL, trade_id TEXT NOT NULL,
    action TEXT NOT NULL, detail TEXT NOT NULL, at BIGINT NOT NULL);
  CREATE TABLE IF NOT EXISTS checkpoints (
    name TEXT PRIMARY KEY, block_number TEXT NOT NULL, transaction_id TEXT);
`;

/** Serialises schema creation between apps opening the same database at once. */
const SCHEMA_LOCK = 0x64617461; // 'data'

const bytes = (value: Uint8Array) =>
  Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);

/**
 * The same store in PostgreSQL over a connection pool (the `pg` client). Block numbers are
 * kept as text (like SQLite) so they stay exact bigints; multi-row writes are transactions.
 */
export class PostgresSellerStore implements SellerStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string): Promise<PostgresSellerStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => undefined); // an idle client lost: the pool replaces it
    const store = new PostgresSellerStore(pool);
    try {
      await store.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await client.query(POSTGRES_SCHEMA);
      });
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async one<T>(sql: string, params: unknown[]): Promise<T | undefined> {
    const result = await this.pool.query(sql, params);
    return result.rows[0] as T | undefined;
  }

  private async run(sql: string, params: unknown[]): Promise<void> {
    await this.pool.query(sql, params);
  }

  async putDataset(dataset: StoredDataset): Promise<void> {
    await this.run(
      `INSERT INTO datasets (channel, dataset_id, columns, rows, owner) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (channel, dataset_id) DO UPDATE SET columns = excluded.columns,
         rows = excluded.rows, owner = excluded.owner`,
      [
        dataset.channel,
        dataset.datasetId,
        JSON.stringify(dataset.columns),
        JSON.stringify(dataset.rows),
        dataset.owner ?? '',
      ],
    );
  }

  async getDataset(channel: string, datasetId: string): Promise<StoredDataset | undefined> {
    const row = await this.one<{ columns: string; rows: string; owner: string }>(
      'SELECT columns, rows, owner FROM datasets WHERE channel = $1 AND dataset_id = $2',
      [channel, datasetId],
    );
    if (!row) return undefined;
    return {
      channel,
      datasetId,
      columns: JSON.parse(row.columns) as string[],
      rows: JSON.parse(row.rows) as number[][],
      owner: row.owner || undefined,
    };
  }

  async listDatasets(channel: string): Promise<DatasetSummary[]> {
    const { rows } = await this.pool.query<{ dataset_id: string; columns: string; n: number }>(
      `SELECT dataset_id, columns, json_array_length(rows::json) AS n FROM datasets
       WHERE channel = $1 ORDER BY dataset_id`,
      [channel],
    );
    return rows.map((r) => ({
      datasetId: r.dataset_id,
      columns: JSON.parse(r.columns) as string[],
      rowCount: Number(r.n),
    }));
  }

  async deleteDataset(channel: string, datasetId: string): Promise<void> {
    await this.run('DELETE FROM datasets WHERE channel = $1 AND dataset_id = $2', [
      channel,
      datasetId,
    ]);
  }

  async putTradeMaterial(key: StoredTradeKey, bundle: StoredBundle): Promise<void> {
    await this.transaction(async (client) => {
      await client.query(
        `INSERT INTO trade_keys (channel, trade_id, sealed_secret_key) VALUES ($1, $2, $3)
         ON CONFLICT (channel, trade_id) DO UPDATE SET sealed_secret_key = excluded.sealed_secret_key`,
        [key.channel, key.tradeId, bytes(key.sealedSecretKey)],
      );
      await client.query(
        `INSERT INTO bundles (channel, trade_id, bytes, sha256) VALUES ($1, $2, $3, $4)
         ON CONFLICT (channel, trade_id) DO UPDATE SET bytes = excluded.bytes,
           sha256 = excluded.sha256`,
        [bundle.channel, bundle.tradeId, bytes(bundle.bytes), bundle.sha256],
      );
    });
  }

  async getTradeKey(channel: string, tradeId: string): Promise<StoredTradeKey | undefined> {
    const row = await this.one<{ sealed_secret_key: Buffer }>(
      'SELECT sealed_secret_key FROM trade_keys WHERE channel = $1 AND trade_id = $2',
      [channel, tradeId],
    );
    return row && { channel, tradeId, sealedSecretKey: row.sealed_secret_key };
  }

  async getBundle(channel: string, tradeId: string): Promise<StoredBundle | undefined> {
    const row = await this.one<{ bytes: Buffer; sha256: string }>(
      'SELECT bytes, sha256 FROM bundles WHERE channel = $1 AND trade_id = $2',
      [channel, tradeId],
    );
    return row && { channel, tradeId, bytes: row.bytes, sha256: row.sha256 };
  }

  async putResult(result: StoredResult): Promise<void> {
    await this.run(
      `INSERT INTO results (channel, trade_id, bytes, sha256) VALUES ($1, $2, $3, $4)
       ON CONFLICT (channel, trade_id) DO UPDATE SET bytes = excluded.bytes,
         sha256 = excluded.sha256`,
      [result.channel, result.tradeId, bytes(result.bytes), result.sha256],
    );
  }

  async getResult(channel: string, tradeId: string): Promise<StoredResult | undefined> {
    const row = await this.one<{ bytes: Buffer; sha256: string }>(
      'SELECT bytes, sha256 FROM results WHERE channel = $1 AND trade_id = $2',
      [channel, tradeId],
    );
    return row && { channel, tradeId, bytes: row.bytes, sha256: row.sha256 };
  }

  async putSample(sample: StoredSample): Promise<void> {
    await this.run(
      `INSERT INTO samples (channel, dataset_id, bytes, sha256, sealed_secret_key)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (channel, dataset_id) DO UPDATE SET bytes = excluded.bytes,
         sha256 = excluded.sha256, sealed_secret_key = excluded.sealed_secret_key`,
      [
        sample.channel,
        sample.datasetId,
        bytes(sample.bytes),
        sample.sha256,
        bytes(sample.sealedSecretKey),
      ],
    );
  }

  async getSample(channel: string, datasetId: string): Promise<StoredSample | undefined> {
    const row = await this.one<{ bytes: Buffer; sha256: string; sealed_secret_key: Buffer }>(
      'SELECT bytes, sha256, sealed_secret_key FROM samples WHERE channel = $1 AND dataset_id = $2',
      [channel, datasetId],
    );
    return (
      row && {
        channel,
        datasetId,
        bytes: row.bytes,
        sha256: row.sha256,
        sealedSecretKey: row.sealed_secret_key,
      }
    );
  }

  async deleteSample(channel: string, datasetId: string): Promise<void> {
    await this.run('DELETE FROM samples WHERE channel = $1 AND dataset_id = $2', [
      channel,
      datasetId,
    ]);
  }

  async putBuyerKey(key: StoredBuyerKey): Promise<void> {
    await this.run(
      `INSERT INTO buyer_keys (channel, trade_id, public_key_pem, sealed_private_key)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (channel, trade_id) DO UPDATE SET public_key_pem = excluded.public_key_pem,
         sealed_private_key = excluded.sealed_private_key`,
      [key.channel, key.tradeId, key.publicKeyPem, bytes(key.sealedPrivateKey)],
    );
  }

  async getBuyerKey(channel: string, tradeId: string): Promise<StoredBuyerKey | undefined> {
    const row = await this.one<{ public_key_pem: string; sealed_private_key: Buffer }>(
      'SELECT public_key_pem, sealed_private_key FROM buyer_keys WHERE channel = $1 AND trade_id = $2',
      [channel, tradeId],
    );
    return (
      row && {
        channel,
        tradeId,
        publicKeyPem: row.public_key_pem,
        sealedPrivateKey: row.sealed_private_key,
      }
    );
  }

  async logPump(channel: string, tradeId: string, action: string, detail = ''): Promise<void> {
    await this.run(
      'INSERT INTO pump_log (channel, trade_id, action, detail, at) VALUES ($1, $2, $3, $4, $5)',
      [channel, tradeId, action, detail, Date.now()],
    );
  }

  async pumpLog(channel: string, tradeId?: string): Promise<PumpLogEntry[]> {
    const { rows } = await this.pool.query<{
      channel: string;
      trade_id: string;
      action: string;
      detail: string;
      at: string;
    }>(
      tradeId === undefined
        ? 'SELECT * FROM pump_log WHERE channel = $1 ORDER BY id'
        : 'SELECT * FROM pump_log WHERE channel = $1 AND trade_id = $2 ORDER BY id',
      tradeId === undefined ? [channel] : [channel, tradeId],
    );
    return rows.map((r) => ({
      channel: r.channel,
      tradeId: r.trade_id,
      action: r.action,
      detail: r.detail,
      at: Number(r.at),
    }));
  }

  async getCheckpoint(name: string): Promise<Checkpoint | undefined> {
    const row = await this.one<{ block_number: string; transaction_id: string | null }>(
      'SELECT block_number, transaction_id FROM checkpoints WHERE name = $1',
      [name],
    );
    if (!row) return undefined;
    return {
      blockNumber: BigInt(row.block_number),
      transactionId: row.transaction_id ?? undefined,
    };
  }

  async putCheckpoint(name: string, blockNumber: bigint, transactionId?: string): Promise<void> {
    await this.run(
      `INSERT INTO checkpoints (name, block_number, transaction_id) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET block_number = excluded.block_number,
         transaction_id = excluded.transaction_id`,
      [name, blockNumber.toString(), transactionId ?? null],
    );
  }

  private async transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      try {
        await work(client);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      client.release();
    }
  }
}
