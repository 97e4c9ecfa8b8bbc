/** The store's privacy queries (key budgets, per-request sample keys, named computations). */
export const PRIVACY_SQL = {
  openBudget:
    'INSERT INTO key_budgets (key_label, released) VALUES (?, 0) ON CONFLICT (key_label) DO NOTHING',
  /** Spends only if the total stays within the maximum; returns the new total when it did. */
  spendBudget:
    'UPDATE key_budgets SET released = released + ? WHERE key_label = ? AND released + ? <= ? ' +
    'RETURNING released',
  getBudget: 'SELECT released FROM key_budgets WHERE key_label = ?',
  /** A caller's newest sample key replaces its previous one for the dataset. */
  putSampleKey:
    'INSERT INTO sample_keys (channel, dataset_id, requested_by, key_id, sealed_secret_key, created_at) ' +
    'VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, dataset_id, requested_by) DO UPDATE SET ' +
    'key_id = excluded.key_id, sealed_secret_key = excluded.sealed_secret_key, created_at = excluded.created_at',
  getSampleKey:
    'SELECT key_id, sealed_secret_key, created_at FROM sample_keys ' +
    'WHERE channel = ? AND dataset_id = ? AND requested_by = ?',
  putSampleFile:
    'INSERT INTO sample_files (channel, dataset_id, columns, rows) VALUES (?, ?, ?, ?) ' +
    'ON CONFLICT (channel, dataset_id) DO UPDATE SET columns = excluded.columns, rows = excluded.rows',
  getSampleFile: 'SELECT columns, rows FROM sample_files WHERE channel = ? AND dataset_id = ?',
  putScript:
    'INSERT INTO computation_scripts (channel, dataset_id, computation_id, code) VALUES (?, ?, ?, ?) ' +
    'ON CONFLICT (channel, dataset_id, computation_id) DO UPDATE SET code = excluded.code',
  listScripts:
    'SELECT computation_id, code FROM computation_scripts WHERE channel = ? AND dataset_id = ? ' +
    'ORDER BY computation_id',
  insertTradeComputation:
    'INSERT INTO trade_computations (channel, trade_id, computation_id, params_json) VALUES (?, ?, ?, ?) ' +
    'ON CONFLICT (channel, trade_id) DO NOTHING RETURNING trade_id',
  getTradeComputation:
    'SELECT computation_id, params_json FROM trade_computations WHERE channel = ? AND trade_id = ?',
} as const;
