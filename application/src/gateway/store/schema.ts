import type { Dialect } from './dialect.js';

/**
 * The store's tables, created on open when missing. The layout is the one both backends have
 * always had (stores written by earlier versions open unchanged): JSON and block numbers as
 * TEXT (checkpoints stay exact bigints), bytes and sealed secrets in the dialect's bytes type.
 */
export function schemaStatements(dialect: Dialect): string[] {
  const { bytesType: bytes, int64Type: int64, serialKey } = dialect;
  return [
    `CREATE TABLE IF NOT EXISTS datasets (
      channel TEXT NOT NULL, dataset_id TEXT NOT NULL,
      columns TEXT NOT NULL, rows TEXT NOT NULL, owner TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (channel, dataset_id))`,
    `CREATE TABLE IF NOT EXISTS trade_keys (
      channel TEXT NOT NULL, trade_id TEXT NOT NULL, sealed_secret_key ${bytes} NOT NULL,
      PRIMARY KEY (channel, trade_id))`,
    `CREATE TABLE IF NOT EXISTS bundles (
      channel TEXT NOT NULL, trade_id TEXT NOT NULL, bytes ${bytes} NOT NULL, sha256 TEXT NOT NULL,
      PRIMARY KEY (channel, trade_id))`,
    `CREATE TABLE IF NOT EXISTS results (
      channel TEXT NOT NULL, trade_id TEXT NOT NULL, bytes ${bytes} NOT NULL, sha256 TEXT NOT NULL,
      PRIMARY KEY (channel, trade_id))`,
    `CREATE TABLE IF NOT EXISTS samples (
      channel TEXT NOT NULL, dataset_id TEXT NOT NULL, bytes ${bytes} NOT NULL,
      sha256 TEXT NOT NULL, sealed_secret_key ${bytes} NOT NULL,
      PRIMARY KEY (channel, dataset_id))`,
    `CREATE TABLE IF NOT EXISTS buyer_keys (
      channel TEXT NOT NULL, trade_id TEXT NOT NULL, public_key_pem TEXT NOT NULL,
      sealed_private_key ${bytes} NOT NULL,
      PRIMARY KEY (channel, trade_id))`,
    `CREATE TABLE IF NOT EXISTS pump_log (
      id ${serialKey}, channel TEXT NOT NULL, trade_id TEXT NOT NULL,
      action TEXT NOT NULL, detail TEXT NOT NULL, at ${int64} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS checkpoints (
      name TEXT PRIMARY KEY, block_number TEXT NOT NULL, transaction_id TEXT)`,
    // Added after the first layout: nonces of accepted signed requests, until they expire.
    `CREATE TABLE IF NOT EXISTS request_nonces (
      account_id TEXT NOT NULL, nonce TEXT NOT NULL, valid_until ${int64} NOT NULL,
      PRIMARY KEY (account_id, nonce))`,
    // Added with user onboarding: users the org admin added at run time (app-users.ts).
    `CREATE TABLE IF NOT EXISTS app_users (
      name TEXT PRIMARY KEY, role TEXT NOT NULL, token_sha256 TEXT NOT NULL UNIQUE,
      custody TEXT NOT NULL, certificate_pem TEXT NOT NULL, sealed_private_key ${bytes},
      revoked_at ${int64}, created_at ${int64} NOT NULL)`,
    // Added for privacy (docs/privacy.md): values released per secret key, sample keys made
    // per buyer request, and the computation a buyer named for a trade's result.
    `CREATE TABLE IF NOT EXISTS key_budgets (
      key_label TEXT PRIMARY KEY, released ${int64} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS sample_keys (
      channel TEXT NOT NULL, dataset_id TEXT NOT NULL, requested_by TEXT NOT NULL,
      key_id TEXT NOT NULL, sealed_secret_key ${bytes} NOT NULL, created_at ${int64} NOT NULL,
      PRIMARY KEY (channel, dataset_id, requested_by))`,
    `CREATE TABLE IF NOT EXISTS sample_files (
      channel TEXT NOT NULL, dataset_id TEXT NOT NULL, columns TEXT NOT NULL, rows TEXT NOT NULL,
      PRIMARY KEY (channel, dataset_id))`,
    `CREATE TABLE IF NOT EXISTS computation_scripts (
      channel TEXT NOT NULL, dataset_id TEXT NOT NULL, computation_id TEXT NOT NULL,
      code TEXT NOT NULL,
      PRIMARY KEY (channel, dataset_id, computation_id))`,
    `CREATE TABLE IF NOT EXISTS trade_computations (
      channel TEXT NOT NULL, trade_id TEXT NOT NULL, computation_id TEXT NOT NULL,
      params_json TEXT NOT NULL,
      PRIMARY KEY (channel, trade_id))`,
    // Added with pools (docs/pools.md): this app's users' seats, mask private keys sealed.
    `CREATE TABLE IF NOT EXISTS pool_seats (
      channel TEXT NOT NULL, pool_id TEXT NOT NULL, user_name TEXT NOT NULL,
      dataset_id TEXT NOT NULL, mask_public_key TEXT NOT NULL,
      sealed_mask_private_key ${bytes} NOT NULL, created_at ${int64} NOT NULL,
      PRIMARY KEY (channel, pool_id, user_name))`,
  ];
}
