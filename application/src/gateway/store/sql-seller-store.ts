import {
  allAppUsers,
  appUserByName,
  appUserByToken,
  insertAppUser,
  revokeAppUser,
  type AppUser,
} from './app-users.js';
import type { SqlDriver, SqlParam, SqlStatement } from './driver.js';
import { poolSeatStore, type PoolSeatStore } from './pool-seat-records.js';
import { privacyStore, type PrivacyStore } from './privacy-records.js';
import { listDatasetsQuery, SQL } from './queries.js';
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

/**
 * The seller store over any `SqlDriver`: the mapping between records and rows, once. Block
 * numbers are kept as decimal text so they stay exact bigints; JSON columns as text.
 */
export class SqlSellerStore implements SellerStore {
  private readonly listDatasetsSql: string;
  private readonly privacy: PrivacyStore;
  private readonly seats: PoolSeatStore;

  constructor(private readonly driver: SqlDriver) {
    this.listDatasetsSql = listDatasetsQuery(driver.dialect);
    this.privacy = privacyStore(driver);
    this.seats = poolSeatStore(driver);
  }

  // Pool seats (pool-seat-records.ts): this app's users' seats and sealed mask keys.
  putPoolSeat: PoolSeatStore['putPoolSeat'] = (...a) => this.seats.putPoolSeat(...a);
  getPoolSeat: PoolSeatStore['getPoolSeat'] = (...a) => this.seats.getPoolSeat(...a);
  listPoolSeats: PoolSeatStore['listPoolSeats'] = () => this.seats.listPoolSeats();
  deletePoolSeat: PoolSeatStore['deletePoolSeat'] = (...a) => this.seats.deletePoolSeat(...a);

  // Privacy records (privacy-records.ts): key budgets, sample keys, named computations.
  spendKeyBudget: PrivacyStore['spendKeyBudget'] = (...a) => this.privacy.spendKeyBudget(...a);
  keyBudgetSpent: PrivacyStore['keyBudgetSpent'] = (...a) => this.privacy.keyBudgetSpent(...a);
  putSampleKey: PrivacyStore['putSampleKey'] = (...a) => this.privacy.putSampleKey(...a);
  getSampleKey: PrivacyStore['getSampleKey'] = (...a) => this.privacy.getSampleKey(...a);
  putSampleFile: PrivacyStore['putSampleFile'] = (...a) => this.privacy.putSampleFile(...a);
  getSampleFile: PrivacyStore['getSampleFile'] = (...a) => this.privacy.getSampleFile(...a);
  putScript: PrivacyStore['putScript'] = (...a) => this.privacy.putScript(...a);
  listScripts: PrivacyStore['listScripts'] = (...a) => this.privacy.listScripts(...a);
  insertTradeComputation: PrivacyStore['insertTradeComputation'] = (...a) =>
    this.privacy.insertTradeComputation(...a);
  getTradeComputation: PrivacyStore['getTradeComputation'] = (...a) =>
    this.privacy.getTradeComputation(...a);

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

  async insertDataset(dataset: StoredDataset): Promise<boolean> {
    const inserted = await this.driver.get(SQL.insertDataset, [
      dataset.channel,
      dataset.datasetId,
      JSON.stringify(dataset.columns),
      JSON.stringify(dataset.rows),
      dataset.owner ?? '',
    ]);
    return inserted !== undefined;
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

  async insertResult(result: StoredResult): Promise<boolean> {
    const inserted = await this.driver.get(SQL.insertResult, [
      result.channel,
      result.tradeId,
      result.bytes,
      result.sha256,
    ]);
    return inserted !== undefined;
  }

  async rememberNonce(accountId: string, nonce: string, validUntil: number): Promise<boolean> {
    await this.driver.run(SQL.forgetExpiredNonces, [Date.now()]);
    const inserted = await this.driver.get(SQL.rememberNonce, [accountId, nonce, validUntil]);
    return inserted !== undefined;
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

  // ---- users added at run time ----

  insertAppUser(user: AppUser): Promise<boolean> {
    return insertAppUser(this.driver, user);
  }

  getAppUser(name: string): Promise<AppUser | undefined> {
    return appUserByName(this.driver, name);
  }

  appUserByToken(tokenSha256: string): Promise<AppUser | undefined> {
    return appUserByToken(this.driver, tokenSha256);
  }

  listAppUsers(): Promise<AppUser[]> {
    return allAppUsers(this.driver);
  }

  revokeAppUser(name: string, at: number): Promise<void> {
    return revokeAppUser(this.driver, name, at);
  }
}
