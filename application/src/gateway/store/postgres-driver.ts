import pg from 'pg';
import { POSTGRES } from './dialect.js';
import type { SqlDriver, SqlParam, SqlRow, SqlStatement } from './driver.js';
import { schemaStatements } from './schema.js';

/** Serialises schema creation between apps opening the same database at once. */
const SCHEMA_LOCK = 0x64617461; // 'data'

/**
 * PostgreSQL over a small connection pool (the `pg` client). Calls run concurrently on the
 * pool; a transaction holds one client from BEGIN to COMMIT.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = POSTGRES;
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  /** Connects and creates the tables if missing. The database itself must exist. */
  static async open(url: string): Promise<PostgresDriver> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => undefined); // an idle client lost: the pool replaces it
    const driver = new PostgresDriver(pool);
    try {
      await driver.transaction([
        { sql: 'SELECT pg_advisory_xact_lock(?)', params: [SCHEMA_LOCK] },
        ...schemaStatements(POSTGRES).map((sql) => ({ sql, params: [] })),
      ]);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return driver;
  }

  async run(sql: string, params: readonly SqlParam[]): Promise<void> {
    await this.pool.query(numberPlaceholders(sql), toPgParams(params));
  }

  async get(sql: string, params: readonly SqlParam[]): Promise<SqlRow | undefined> {
    return (await this.all(sql, params))[0];
  }

  async all(sql: string, params: readonly SqlParam[]): Promise<SqlRow[]> {
    const result = await this.pool.query<SqlRow>(numberPlaceholders(sql), toPgParams(params));
    return result.rows;
  }

  async transaction(statements: readonly SqlStatement[]): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        for (const { sql, params } of statements) {
          await client.query(numberPlaceholders(sql), toPgParams(params));
        }
        await client.query('COMMIT');
      } catch (error) {
        // A client that cannot roll back is discarded rather than returned to the pool.
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed');
        });
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** `?` placeholders, in order, as PostgreSQL's `$1`, `$2`, … */
function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${String(++n)}`);
}

/** pg sends a Buffer as BYTEA; any other byte view is wrapped (no copy) to be one. */
function toPgParams(params: readonly SqlParam[]): unknown[] {
  return params.map((value) =>
    value instanceof Uint8Array && !Buffer.isBuffer(value)
      ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      : value,
  );
}
