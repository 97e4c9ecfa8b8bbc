import type { AppUser } from './app-users.js';
import type { PoolSeatStore } from './pool-seat-records.js';
import type { PrivacyStore } from './privacy-records.js';

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

export interface DatasetSummary {
  datasetId: string;
  columns: string[];
  rowCount: number;
}

export interface Checkpoint {
  blockNumber: bigint;
  transactionId?: string;
}

/**
 * The seller's store: SQLite (embedded, default) or PostgreSQL (`openSellerStore` with a
 * `postgres://` URL). Every write is a single statement or a transaction, so a crash never
 * leaves half a record. Secrets are stored sealed; the store never sees a plaintext key.
 */
export interface SellerStore extends PrivacyStore, PoolSeatStore {
  close(): Promise<void>;
  putDataset(dataset: StoredDataset): Promise<void>;
  /** Stores a dataset only if its id is free; false (nothing written) when it is taken. */
  insertDataset(dataset: StoredDataset): Promise<boolean>;
  getDataset(channel: string, datasetId: string): Promise<StoredDataset | undefined>;
  listDatasets(channel: string): Promise<DatasetSummary[]>;
  deleteDataset(channel: string, datasetId: string): Promise<void>;
  /** Stores a trade's sealed key and its bundle together: both or neither. */
  putTradeMaterial(key: StoredTradeKey, bundle: StoredBundle): Promise<void>;
  getTradeKey(channel: string, tradeId: string): Promise<StoredTradeKey | undefined>;
  getBundle(channel: string, tradeId: string): Promise<StoredBundle | undefined>;
  putResult(result: StoredResult): Promise<void>;
  /** Stores a trade's result only if it has none yet; false (nothing written) otherwise. */
  insertResult(result: StoredResult): Promise<boolean>;
  getResult(channel: string, tradeId: string): Promise<StoredResult | undefined>;
  putSample(sample: StoredSample): Promise<void>;
  getSample(channel: string, datasetId: string): Promise<StoredSample | undefined>;
  deleteSample(channel: string, datasetId: string): Promise<void>;
  putBuyerKey(key: StoredBuyerKey): Promise<void>;
  getBuyerKey(channel: string, tradeId: string): Promise<StoredBuyerKey | undefined>;
  /** Appends to the event pump's journal of what it did (for audits and tests). */
  logPump(channel: string, tradeId: string, action: string, detail?: string): Promise<void>;
  pumpLog(channel: string, tradeId?: string): Promise<PumpLogEntry[]>;
  /**
   * Remembers an accepted signed request's nonce until `validUntil` (epoch ms); false when
   * this account's nonce is already remembered (a replay). Expired nonces are dropped.
   */
  rememberNonce(accountId: string, nonce: string, validUntil: number): Promise<boolean>;
  /** Event-pump checkpoint: the next block to read, and the last transaction handled in it. */
  getCheckpoint(name: string): Promise<Checkpoint | undefined>;
  putCheckpoint(name: string, blockNumber: bigint, transactionId?: string): Promise<void>;
  // ---- users added at run time (app-users.ts) ----
  /** Adds a user when its name is free; false (nothing written) when it is taken. */
  insertAppUser(user: AppUser): Promise<boolean>;
  getAppUser(name: string): Promise<AppUser | undefined>;
  /** The user whose API token has this SHA-256 (hex), revoked or not. */
  appUserByToken(tokenSha256: string): Promise<AppUser | undefined>;
  listAppUsers(): Promise<AppUser[]>;
  /** Marks a user revoked (its first revocation time stays). */
  revokeAppUser(name: string, at: number): Promise<void>;
}
