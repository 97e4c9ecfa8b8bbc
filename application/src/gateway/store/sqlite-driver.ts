import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { SQLITE } from './dialect.js';
import type { SqlDriver, SqlParam, SqlRow, SqlStatement } from './driver.js';
import { schemaStatements } from './schema.js';

/**
 * SQLite through node:sqlite (embedded, no native addon): WAL, `synchronous = FULL`. The client
 * is synchronous, so every call, a transaction included, runs to its end before the promise it
 * returns settles and no other call can interleave with it.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = SQLITE;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();

  /** Opens (or creates) the database file (`:memory:` for a private in-memory one). */
  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      PRAGMA busy_timeout = 5000;
    `);
    this.runTransaction(schemaStatements(SQLITE).map((sql) => ({ sql, params: [] })));
  }

  run(sql: string, params: readonly SqlParam[]): Promise<void> {
    return settle(() => {
      this.statement(sql).run(...params);
    });
  }

  get(sql: string, params: readonly SqlParam[]): Promise<SqlRow | undefined> {
    return settle(() => this.statement(sql).get(...params));
  }

  all(sql: string, params: readonly SqlParam[]): Promise<SqlRow[]> {
    return settle(() => this.statement(sql).all(...params));
  }

  transaction(statements: readonly SqlStatement[]): Promise<void> {
    return settle(() => {
      this.runTransaction(statements);
    });
  }

  close(): Promise<void> {
    return settle(() => {
      if (this.db.isOpen) this.db.close();
      this.statements.clear();
    });
  }

  /** BEGIN IMMEDIATE takes the write lock first, so the transaction cannot fail half-way on it. */
  private runTransaction(statements: readonly SqlStatement[]): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const { sql, params } of statements) this.statement(sql).run(...params);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Prepared once per SQL text: the store runs a handful of distinct queries. */
  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** The result of a synchronous call as a promise: a throw becomes a rejection. */
function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(work());
  });
}
