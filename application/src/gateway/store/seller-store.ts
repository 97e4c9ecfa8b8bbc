import { DatabaseSync } from 'node:sqlite';

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

/**
 * The gateway app's embedded store (SQLite through node:sqlite, no native addon). Every write
 * is a single statement or an explicit transaction, so a crash never leaves half a record.
 * Secrets are stored sealed; the store never sees a plaintext key.
 */
export class SellerStore {
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

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  putDataset(dataset: StoredDataset): void {
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

  getDataset(channel: string, datasetId: string): StoredDataset | undefined {
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

  listDatasets(channel: string): { datasetId: string; columns: string[]; rowCount: number }[] {
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

  deleteDataset(channel: string, datasetId: string): void {
    this.db
      .prepare('DELETE FROM datasets WHERE channel = ? AND dataset_id = ?')
      .run(channel, datasetId);
  }

  /** Stores a trade's sealed key and its bundle together: both or neither. */
  putTradeMaterial(key: StoredTradeKey, bundle: StoredBundle): void {
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

  getTradeKey(channel: string, tradeId: string): StoredTradeKey | undefined {
    const row = this.db
      .prepare('SELECT sealed_secret_key FROM trade_keys WHERE channel = ? AND trade_id = ?')
      .get(channel, tradeId) as { sealed_secret_key: Uint8Array } | undefined;
    return row && { channel, tradeId, sealedSecretKey: row.sealed_secret_key };
  }

  getBundle(channel: string, tradeId: string): StoredBundle | undefined {
    const row = this.db
      .prepare('SELECT bytes, sha256 FROM bundles WHERE channel = ? AND trade_id = ?')
      .get(channel, tradeId) as { bytes: Uint8Array; sha256: string } | undefined;
    return row && { channel, tradeId, bytes: row.bytes, sha256: row.sha256 };
  }

  putResult(result: StoredResult): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO results (channel, trade_id, bytes, sha256) VALUES (?, ?, ?, ?)',
      )
      .run(result.channel, result.tradeId, result.bytes, result.sha256);
  }

  getResult(channel: string, tradeId: string): StoredResult | undefined {
    const row = this.db
      .prepare('SELECT bytes, sha256 FROM results WHERE channel = ? AND trade_id = ?')
      .get(channel, tradeId) as { bytes: Uint8Array; sha256: string } | undefined;
    return row && { channel, tradeId, bytes: row.bytes, sha256: row.sha256 };
  }

  putSample(sample: StoredSample): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO samples (channel, dataset_id, bytes, sha256, sealed_secret_key)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(sample.channel, sample.datasetId, sample.bytes, sample.sha256, sample.sealedSecretKey);
  }

  getSample(channel: string, datasetId: string): StoredSample | undefined {
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

  deleteSample(channel: string, datasetId: string): void {
    this.db
      .prepare('DELETE FROM samples WHERE channel = ? AND dataset_id = ?')
      .run(channel, datasetId);
  }

  putBuyerKey(key: StoredBuyerKey): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO buyer_keys (channel, trade_id, public_key_pem, sealed_private_key)
         VALUES (?, ?, ?, ?)`,
      )
      .run(key.channel, key.tradeId, key.publicKeyPem, key.sealedPrivateKey);
  }

  getBuyerKey(channel: string, tradeId: string): StoredBuyerKey | undefined {
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
  logPump(channel: string, tradeId: string, action: string, detail = ''): void {
    this.db
      .prepare(
        'INSERT INTO pump_log (channel, trade_id, action, detail, at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(channel, tradeId, action, detail, Date.now());
  }

  pumpLog(channel: string, tradeId?: string): PumpLogEntry[] {
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
  getCheckpoint(name: string): { blockNumber: bigint; transactionId?: string } | undefined {
    const row = this.db
      .prepare('SELECT block_number, transaction_id FROM checkpoints WHERE name = ?')
      .get(name) as { block_number: string; transaction_id: string | null } | undefined;
    if (!row) return undefined;
    return {
      blockNumber: BigInt(row.block_number),
      transactionId: row.transaction_id ?? undefined,
    };
  }

  putCheckpoint(name: string, blockNumber: bigint, transactionId?: string): void {
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
