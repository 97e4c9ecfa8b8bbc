import { PostgresDriver } from './postgres-driver.js';
import type { SellerStore } from './records.js';
export type {
  StoredSampleFile,
  StoredSampleKey,
  StoredTradeComputation,
} from './privacy-records.js';
export type { StoredPoolSeat } from './pool-seat-records.js';
import { SqlSellerStore } from './sql-seller-store.js';
import { SqliteDriver } from './sqlite-driver.js';

export type { AppUser, Custody, UserRole } from './app-users.js';
export type {
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

/** The embedded store (SQLite, the default): a file path, or `:memory:`. */
export class SqliteSellerStore extends SqlSellerStore {
  constructor(location: string | SqliteDriver) {
    super(typeof location === 'string' ? new SqliteDriver(location) : location);
  }

  /** Opens the file and waits until its tables exist: a file that cannot open rejects here. */
  static async open(path: string): Promise<SqliteSellerStore> {
    const driver = new SqliteDriver(path);
    try {
      await driver.ready;
    } catch (error) {
      await driver.close();
      throw error;
    }
    return new SqliteSellerStore(driver);
  }
}

/** The store in PostgreSQL: the same tables and queries, over a connection pool. */
export class PostgresSellerStore extends SqlSellerStore {
  private constructor(driver: PostgresDriver) {
    super(driver);
  }

  static async open(url: string): Promise<PostgresSellerStore> {
    return new PostgresSellerStore(await PostgresDriver.open(url));
  }
}

/** True for a PostgreSQL connection URL (`postgres://` or `postgresql://`). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Opens the store: PostgreSQL for a `postgres://` / `postgresql://` URL, else a SQLite file. */
export async function openSellerStore(location: string): Promise<SellerStore> {
  return isPostgresUrl(location)
    ? PostgresSellerStore.open(location)
    : SqliteSellerStore.open(location);
}
