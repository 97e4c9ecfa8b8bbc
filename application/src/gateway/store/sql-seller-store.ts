import type { SqlDriver, SqlParam, SqlStatement } from './driver.js';
import type {
  Checkpoint,
  DatasetSummary,
  PumpLogEntry,
  SellerStore,
  StoredBundle,
  StoredBuyerKey,
  StoredDataset,
  StoredResult,
  StoredSample,
  StoredTradeKey,
} from './records.js';
import {
  readBytes,
  readInteger,
  readJsonNumberRows,
  readJsonStrings,
  readOptionalText,
  readText,
} from './row.js';

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
const SQL = {
  putDataset: upsert('datasets', ['channel', 'dataset_id'], ['columns', 'rows', 'owner']),
  getDataset: 'SELECT columns, rows, owner FROM datasets WHERE channel = ? AND dataset_id = ?',
  listDatasets: (rowCount: string) =>
    `SELECT dataset_id, columns, ${rowCount} AS row_count FROM datasets
     WHERE channel = ? ORDER BY dataset_id`,
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
  getCheckpoint: 'SELECT block_number, transaction_id FROM checkpoints WHERE name = ?',
  putCheckpoint: upsert('checkpoints', ['name'], ['block_number', 'transaction_id']),
} as const;

/**
 * The seller store over any `SqlDriver`: the mapping between records and rows, once. Block
 * numbers are kept as decimal text so they stay exact bigints; JSON columns as text.
 */
export class SqlSellerStore implements SellerStore {
  private readonly listDatasetsSql: string;

  constructor(private readonly driver: SqlDriver) {
    this.listDatasetsSql = SQL.listDatasets(driver.dialect.jsonArrayLength('rows'));
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  async putDataset(dataset: StoredDataset): Promise<void> {
    await this.driver.run(SQL.putDataset, [
      dataset.channel,
      dataset.datasetId,
      JSON.stringify(dataset.columns),
      JSON.stringify(dataset.rows),
      dataset.owner ?? '',
    ]);
  }

  async getDataset(channel: string, datasetId: string): Promise<StoredDataset | undefined> {
    const row = await this.driver.get(SQL.getDataset, [channel, datasetId]);
    if (!row) return undefined;
    return {
      channel,
      datasetId,
      columns: readJsonStrings(row, 'columns'),
      rows: readJsonNumberRows(row, 'rows'),
      owner: readText(row, 'owner') || undefined,
    };
  }

  async listDatasets(channel: string): Promise<DatasetSummary[]> {
    const rows = await this.driver.all(this.listDatasetsSql, [channel]);
    return rows.map((row) => ({
      datasetId: readText(row, 'dataset_id'),
      columns: readJsonStrings(row, 'columns'),
      rowCount: readInteger(row, 'row_count'),
    }));
  }

  async deleteDataset(channel: string, datasetId: string): Promise<void> {
    await this.driver.run(SQL.deleteDataset, [channel, datasetId]);
  }

  async putTradeMaterial(key: StoredTradeKey, bundle: StoredBundle): Promise<void> {
    const statements: SqlStatement[] = [
      { sql: SQL.putTradeKey, params: [key.channel, key.tradeId, key.sealedSecretKey] },
      {
        sql: SQL.putBundle,
        params: [bundle.channel, bundle.tradeId, bundle.bytes, bundle.sha256],
      },
    ];
    await this.driver.transaction(statements);
  }

  async getTradeKey(channel: string, tradeId: string): Promise<StoredTradeKey | undefined> {
    const row = await this.driver.get(SQL.getTradeKey, [channel, tradeId]);
    return row && { channel, tradeId, sealedSecretKey: readBytes(row, 'sealed_secret_key') };
  }

  async getBundle(channel: string, tradeId: string): Promise<StoredBundle | undefined> {
    const row = await this.driver.get(SQL.getBundle, [channel, tradeId]);
    return (
      row && { channel, tradeId, bytes: readBytes(row, 'bytes'), sha256: readText(row, 'sha256') }
    );
  }

  async putResult(result: StoredResult): Promise<void> {
    await this.driver.run(SQL.putResult, [
      result.channel,
      result.tradeId,
      result.bytes,
      result.sha256,
    ]);
  }

  async getResult(channel: string, tradeId: string): Promise<StoredResult | undefined> {
    const row = await this.driver.get(SQL.getResult, [channel, tradeId]);
    return (
      row && { channel, tradeId, bytes: readBytes(row, 'bytes'), sha256: readText(row, 'sha256') }
    );
  }

  async putSample(sample: StoredSample): Promise<void> {
    await this.driver.run(SQL.putSample, [
      sample.channel,
      sample.datasetId,
      sample.bytes,
      sample.sha256,
      sample.sealedSecretKey,
    ]);
  }

  async getSample(channel: string, datasetId: string): Promise<StoredSample | undefined> {
    const row = await this.driver.get(SQL.getSample, [channel, datasetId]);
    return (
      row && {
        channel,
        datasetId,
        bytes: readBytes(row, 'bytes'),
        sha256: readText(row, 'sha256'),
        sealedSecretKey: readBytes(row, 'sealed_secret_key'),
      }
    );
  }

  async deleteSample(channel: string, datasetId: string): Promise<void> {
    await this.driver.run(SQL.deleteSample, [channel, datasetId]);
  }

  async putBuyerKey(key: StoredBuyerKey): Promise<void> {
    await this.driver.run(SQL.putBuyerKey, [
      key.channel,
      key.tradeId,
      key.publicKeyPem,
      key.sealedPrivateKey,
    ]);
  }

  async getBuyerKey(channel: string, tradeId: string): Promise<StoredBuyerKey | undefined> {
    const row = await this.driver.get(SQL.getBuyerKey, [channel, tradeId]);
    return (
      row && {
        channel,
        tradeId,
        publicKeyPem: readText(row, 'public_key_pem'),
        sealedPrivateKey: readBytes(row, 'sealed_private_key'),
      }
    );
  }

  async logPump(channel: string, tradeId: string, action: string, detail = ''): Promise<void> {
    await this.driver.run(SQL.logPump, [channel, tradeId, action, detail, Date.now()]);
  }

  async pumpLog(channel: string, tradeId?: string): Promise<PumpLogEntry[]> {
    const [sql, params]: [string, SqlParam[]] =
      tradeId === undefined
        ? [`${SQL.pumpLog} ORDER BY id`, [channel]]
        : [`${SQL.pumpLog} AND trade_id = ? ORDER BY id`, [channel, tradeId]];
    const rows = await this.driver.all(sql, params);
    return rows.map((row) => ({
      channel: readText(row, 'channel'),
      tradeId: readText(row, 'trade_id'),
      action: readText(row, 'action'),
      detail: readText(row, 'detail'),
      at: readInteger(row, 'at'),
    }));
  }

  async getCheckpoint(name: string): Promise<Checkpoint | undefined> {
    const row = await this.driver.get(SQL.getCheckpoint, [name]);
    if (!row) return undefined;
    return {
      blockNumber: BigInt(readText(row, 'block_number')),
      transactionId: readOptionalText(row, 'transaction_id'),
    };
  }

  async putCheckpoint(name: string, blockNumber: bigint, transactionId?: string): Promise<void> {
    await this.driver.run(SQL.putCheckpoint, [name, blockNumber.toString(), transactionId ?? null]);
  }
}
