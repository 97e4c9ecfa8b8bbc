import type { Dialect } from './dialect.js';

/** An insert that replaces the row with the same key (an upsert both engines accept). */
function upsert(table: string, key: readonly string[], values: readonly string[]): string {
  const columns = [...key, ...values];
  return (
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
    `ON CONFLICT (${key.join(', ')}) DO UPDATE SET ` +
    values.map((column) => `${column} = excluded.${column}`).join(', ')
  );
}

/** The store's queries, written once for both engines (see driver.ts for the rules). */
export const SQL = {
  putDataset: upsert('datasets', ['channel', 'dataset_id'], ['columns', 'rows', 'owner']),
  /** Inserts only when absent; returns the key of a row it inserted (none if it was there). */
  insertDataset:
    'INSERT INTO datasets (channel, dataset_id, columns, rows, owner) VALUES (?, ?, ?, ?, ?) ' +
    'ON CONFLICT (channel, dataset_id) DO NOTHING RETURNING dataset_id',
  getDataset: 'SELECT columns, rows, owner FROM datasets WHERE channel = ? AND dataset_id = ?',
  deleteDataset: 'DELETE FROM datasets WHERE channel = ? AND dataset_id = ?',
  putTradeKey: upsert('trade_keys', ['channel', 'trade_id'], ['sealed_secret_key']),
  getTradeKey: 'SELECT sealed_secret_key FROM trade_keys WHERE channel = ? AND trade_id = ?',
  putBundle: upsert('bundles', ['channel', 'trade_id'], ['bytes', 'sha256']),
  getBundle: 'SELECT bytes, sha256 FROM bundles WHERE channel = ? AND trade_id = ?',
  putResult: upsert('results', ['channel', 'trade_id'], ['bytes', 'sha256']),
  getResult: 'SELECT bytes, sha256 FROM results WHERE channel = ? AND trade_id = ?',
  putSample: upsert('samples', ['channel', 'dataset_id'], ['bytes', 'sha256', 'sealed_secret_key']),
  getSample:
    'SELECT bytes, sha256, sealed_secret_key FROM samples WHERE channel = ? AND dataset_id = ?',
  deleteSample: 'DELETE FROM samples WHERE channel = ? AND dataset_id = ?',
  putBuyerKey: upsert(
    'buyer_keys',
    ['channel', 'trade_id'],
    ['public_key_pem', 'sealed_private_key'],
  ),
  getBuyerKey:
    'SELECT public_key_pem, sealed_private_key FROM buyer_keys WHERE channel = ? AND trade_id = ?',
  logPump: 'INSERT INTO pump_log (channel, trade_id, action, detail, at) VALUES (?, ?, ?, ?, ?)',
  pumpLog: 'SELECT channel, trade_id, action, detail, at FROM pump_log WHERE channel = ?',
  insertResult:
    'INSERT INTO results (channel, trade_id, bytes, sha256) VALUES (?, ?, ?, ?) ' +
    'ON CONFLICT (channel, trade_id) DO NOTHING RETURNING trade_id',
  forgetExpiredNonces: 'DELETE FROM request_nonces WHERE valid_until < ?',
  rememberNonce:
    'INSERT INTO request_nonces (account_id, nonce, valid_until) VALUES (?, ?, ?) ' +
    'ON CONFLICT (account_id, nonce) DO NOTHING RETURNING nonce',
  getCheckpoint: 'SELECT block_number, transaction_id FROM checkpoints WHERE name = ?',
  putCheckpoint: upsert('checkpoints', ['name'], ['block_number', 'transaction_id']),
} as const;

/** A channel's datasets with their row counts (counted by the engine's JSON function). */
export function listDatasetsQuery(dialect: Dialect): string {
  return `SELECT dataset_id, columns, ${dialect.jsonArrayLength('rows')} AS row_count
    FROM datasets WHERE channel = ? ORDER BY dataset_id`;
}
