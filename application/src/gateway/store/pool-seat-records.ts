/**
 * The seats this app's users hold in pools (docs/pools.md): the dataset each contributes and
 * the seat's X25519 mask key pair, its private half sealed (never in the clear on disk).
 */
import type { SqlDriver } from './driver.js';
import { readBytes, readInteger, readText } from './row.js';

export interface StoredPoolSeat {
  channel: string;
  poolId: string;
  user: string;
  datasetId: string;
  /** Raw 32-byte X25519 public key, base64 (what JoinPool registers). */
  maskPublicKey: string;
  sealedMaskPrivateKey: Uint8Array;
  createdAt: number;
}

export interface PoolSeatStore {
  /** Stores (or replaces, on a re-join) one user's seat in a pool. */
  putPoolSeat(seat: StoredPoolSeat): Promise<void>;
  getPoolSeat(channel: string, poolId: string, user: string): Promise<StoredPoolSeat | undefined>;
  /** Every seat of this app, for the pool pump. */
  listPoolSeats(): Promise<StoredPoolSeat[]>;
  deletePoolSeat(channel: string, poolId: string, user: string): Promise<void>;
}

const COLUMNS =
  'channel, pool_id, user_name, dataset_id, mask_public_key, sealed_mask_private_key, created_at';

const SQL = {
  delete: 'DELETE FROM pool_seats WHERE channel = ? AND pool_id = ? AND user_name = ?',
  insert: `INSERT INTO pool_seats (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  get: `SELECT ${COLUMNS} FROM pool_seats WHERE channel = ? AND pool_id = ? AND user_name = ?`,
  list: `SELECT ${COLUMNS} FROM pool_seats ORDER BY channel, pool_id, user_name`,
};

function seatOf(row: Readonly<Record<string, unknown>>): StoredPoolSeat {
  return {
    channel: readText(row, 'channel'),
    poolId: readText(row, 'pool_id'),
    user: readText(row, 'user_name'),
    datasetId: readText(row, 'dataset_id'),
    maskPublicKey: readText(row, 'mask_public_key'),
    sealedMaskPrivateKey: readBytes(row, 'sealed_mask_private_key'),
    createdAt: readInteger(row, 'created_at'),
  };
}

/** The pool seat records over a driver (mixed into SqlSellerStore). */
export function poolSeatStore(driver: SqlDriver): PoolSeatStore {
  return {
    async putPoolSeat(seat) {
      const key = [seat.channel, seat.poolId, seat.user];
      await driver.transaction([
        { sql: SQL.delete, params: key },
        {
          sql: SQL.insert,
          params: [
            ...key,
            seat.datasetId,
            seat.maskPublicKey,
            seat.sealedMaskPrivateKey,
            seat.createdAt,
          ],
        },
      ]);
    },
    async getPoolSeat(channel, poolId, user) {
      const row = await driver.get(SQL.get, [channel, poolId, user]);
      return row ? seatOf(row) : undefined;
    },
    async listPoolSeats() {
      return (await driver.all(SQL.list, [])).map(seatOf);
    },
    async deletePoolSeat(channel, poolId, user) {
      await driver.run(SQL.delete, [channel, poolId, user]);
    },
  };
}
