/** Privacy records of the seller store (docs/privacy.md). */
import type { SqlDriver } from './driver.js';
import { PRIVACY_SQL as SQL } from './privacy-queries.js';
import { readBytes, readInteger, readJsonNumberRows, readJsonStrings, readText } from './row.js';

/**
 * A free sample's secret key, made for one buyer request (its bundle is not kept): the
 * caller's newest, the only one its sample results are decrypted under.
 */
export interface StoredSampleKey {
  channel: string;
  datasetId: string;
  /** The account that asked for it. */
  requestedBy: string;
  /** Names the key in the budget table (the SHA-256 of the sample bundle). */
  keyId: string;
  sealedSecretKey: Uint8Array;
  createdAt: number;
}

export interface StoredSampleFile {
  channel: string;
  datasetId: string;
  columns: string[];
  rows: number[][];
}

/** The computation a buyer named for a trade's result, with its parameters as sent. */
export interface StoredTradeComputation {
  channel: string;
  tradeId: string;
  computationId: string;
  paramsJson: string;
}

export interface PrivacyStore {
  /**
   * Counts `values` released under the key `keyLabel`, only if the key's total stays within
   * `max`: the new total, or undefined (nothing counted) when it would exceed it.
   */
  spendKeyBudget(keyLabel: string, values: number, max: number): Promise<number | undefined>;
  /** Values released so far under the key (0 for a key never used). */
  keyBudgetSpent(keyLabel: string): Promise<number>;
  putSampleKey(key: StoredSampleKey): Promise<void>;
  getSampleKey(
    channel: string,
    datasetId: string,
    requestedBy: string,
  ): Promise<StoredSampleKey | undefined>;
  /** The seller's dummy sample file (sampleKind seller-file), checked against the schema. */
  putSampleFile(file: StoredSampleFile): Promise<void>;
  getSampleFile(channel: string, datasetId: string): Promise<StoredSampleFile | undefined>;
  /** A seller-registered computation script of a dataset (its listing names the code's hash). */
  putScript(
    channel: string,
    datasetId: string,
    script: { id: string; code: string },
  ): Promise<void>;
  listScripts(channel: string, datasetId: string): Promise<{ id: string; code: string }[]>;
  /** Stores the trade's named computation once; false when one is already stored. */
  insertTradeComputation(computation: StoredTradeComputation): Promise<boolean>;
  getTradeComputation(
    channel: string,
    tradeId: string,
  ): Promise<StoredTradeComputation | undefined>;
}

/** The privacy records over a driver (mixed into SqlSellerStore). */
export function privacyStore(driver: SqlDriver): PrivacyStore {
  return {
    async spendKeyBudget(keyLabel, values, max) {
      if (!Number.isInteger(values) || values < 0) throw new Error('values must be a count');
      await driver.run(SQL.openBudget, [keyLabel]);
      const row = await driver.get(SQL.spendBudget, [values, keyLabel, values, max]);
      return row ? readInteger(row, 'released') : undefined;
    },
    async keyBudgetSpent(keyLabel) {
      const row = await driver.get(SQL.getBudget, [keyLabel]);
      return row ? readInteger(row, 'released') : 0;
    },
    async putSampleKey(key) {
      await driver.run(SQL.putSampleKey, [
        key.channel,
        key.datasetId,
        key.requestedBy,
        key.keyId,
        key.sealedSecretKey,
        key.createdAt,
      ]);
    },
    async getSampleKey(channel, datasetId, requestedBy) {
      const row = await driver.get(SQL.getSampleKey, [channel, datasetId, requestedBy]);
      return (
        row && {
          channel,
          datasetId,
          requestedBy,
          keyId: readText(row, 'key_id'),
          sealedSecretKey: readBytes(row, 'sealed_secret_key'),
          createdAt: readInteger(row, 'created_at'),
        }
      );
    },
    async putSampleFile(file) {
      await driver.run(SQL.putSampleFile, [
        file.channel,
        file.datasetId,
        JSON.stringify(file.columns),
        JSON.stringify(file.rows),
      ]);
    },
    async getSampleFile(channel, datasetId) {
      const row = await driver.get(SQL.getSampleFile, [channel, datasetId]);
      return (
        row && {
          channel,
          datasetId,
          columns: readJsonStrings(row, 'columns'),
          rows: readJsonNumberRows(row, 'rows'),
        }
      );
    },
    async putScript(channel, datasetId, script) {
      await driver.run(SQL.putScript, [channel, datasetId, script.id, script.code]);
    },
    async listScripts(channel, datasetId) {
      const rows = await driver.all(SQL.listScripts, [channel, datasetId]);
      return rows.map((row) => ({
        id: readText(row, 'computation_id'),
        code: readText(row, 'code'),
      }));
    },
    async insertTradeComputation(c) {
      const row = await driver.get(SQL.insertTradeComputation, [
        c.channel,
        c.tradeId,
        c.computationId,
        c.paramsJson,
      ]);
      return row !== undefined;
    },
    async getTradeComputation(channel, tradeId) {
      const row = await driver.get(SQL.getTradeComputation, [channel, tradeId]);
      return (
        row && {
          channel,
          tradeId,
          computationId: readText(row, 'computation_id'),
          paramsJson: readText(row, 'params_json'),
        }
      );
    },
  };
}
