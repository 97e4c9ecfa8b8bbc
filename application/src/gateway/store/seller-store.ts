import { DatabaseSync } from 'node:sqlite';

/** A dataset as the seller keeps it: the rows never leave this store unencrypted. */
export interface StoredDataset {
  channel: string;
  datasetId: string;
  columns: string[];
  rows: number[][];
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
  /** The trade's CKKS secret key, encrypted under the store passphrase. */
  sealedSecretKey: Uint8Array;
}

export interface StoredResult {
  channel: string;
  tradeId: string;
  bytes: Uint8Array;
  sha256: string;
}

/**
 * The seller's embedded store (SQLite through node:sqlite, no native addon). Every write is a
 * single statement or an explicit transaction, so a crash never leaves half a record.
 */
export class SellerStore {
  private readonly db: DatabaseSync;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      CREATE TABLE IF NOT EXISTS datasets (
        channel TEXT NOT NULL, dataset_id TEXT NOT NULL,
        columns TEXT NOT NULL, rows TEXT NOT NULL,
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
      CREATE TABLE IF NOT EXISTS checkpoints (
        name TEXT PRIMARY KEY, block_number TEXT NOT NULL, transaction_id TEXT);
    `);
  }

  close(): void {
    this.db.close();
  }

  putDataset(dataset: StoredDataset): void {
    this.db
      .prepare(
        `INSERT INTO datasets (channel, dataset_id, columns, rows) VALUES (?, ?, ?, ?)
         ON CONFLICT (channel, dataset_id) DO UPDATE SET columns = excluded.columns, rows = excluded.rows`,
      )
      .run(dataset.channel, dataset.datasetId, JSON.stringify(dataset.columns), JSON.stringify(dataset.rows));
  }

  getDataset(channel: string, datasetId: string): StoredDataset | undefined {
    const row = this.db
      .prepare('SELECT columns, rows FROM datasets WHERE channel = ? AND dataset_id = ?')
      .get(channel, datasetId) as { columns: string; rows: string } | undefined;
    if (!row) return undefined;
    return { channel, datasetId, columns: JSON.parse(row.columns), rows: JSON.parse(row.rows) };
  }

  deleteDataset(channel: string, datasetId: string): void {
    this.db.prepare('DELETE FROM datasets WHERE channel = ? AND dataset_id = ?').run(channel, datasetId);
  }

  /** Stores a trade's sealed key and its bundle together: both or neither. */
  putTradeMaterial(key: StoredTradeKey, bundle: StoredBundle): void {
    this.transaction(() => {
      this.db
        .prepare('INSERT OR REPLACE INTO trade_keys (channel, trade_id, sealed_secret_key) VALUES (?, ?, ?)')
        .run(key.channel, key.tradeId, key.sealedSecretKey);
      this.db
        .prepare('INSERT OR REPLACE INTO bundles (channel, trade_id, bytes, sha256) VALUES (?, ?, ?, ?)')
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
      .prepare('INSERT OR REPLACE INTO results (channel, trade_id, bytes, sha256) VALUES (?, ?, ?, ?)')
      .run(result.channel, result.tradeId, result.bytes, result.sha256);
  }

  getResult(channel: string, tradeId: string): StoredResult | undefined {
    const row = this.db
      .prepare('SELECT bytes, sha256 FROM results WHERE channel = ? AND trade_id = ?')
      .get(channel, tradeId) as { bytes: Uint8Array; sha256: string } | undefined;
    return row && { channel, tradeId, bytes: row.bytes, sha256: row.sha256 };
  }

  /** Event-pump checkpoint: the next block to read, and the last transaction handled in it. */
  getCheckpoint(name: string): { blockNumber: bigint; transactionId?: string } | undefined {
    const row = this.db
      .prepare('SELECT block_number, transaction_id FROM checkpoints WHERE name = ?')
      .get(name) as { block_number: string; transaction_id: string | null } | undefined;
    if (!row) return undefined;
    return { blockNumber: BigInt(row.block_number), transactionId: row.transaction_id ?? undefined };
  }

  putCheckpoint(name: string, blockNumber: bigint, transactionId?: string): void {
    this.db
      .prepare('INSERT OR REPLACE INTO checkpoints (name, block_number, transaction_id) VALUES (?, ?, ?)')
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
