import type { Dialect } from './dialect.js';

/** A value a query binds: text, a number, bytes or SQL NULL. */
export type SqlParam = string | number | Uint8Array | null;

/** A row as a driver returns it, column name to value; read it with the checks in row.ts. */
export type SqlRow = Readonly<Record<string, unknown>>;

/** One statement with its parameters. */
export interface SqlStatement {
  sql: string;
  params: readonly SqlParam[];
}

/**
 * The little a store needs from a database engine. Queries are written once, with `?`
 * placeholders (so no query may contain a literal `?`); each driver binds them its own way and
 * converts parameter types (bytes) for its client. Values come back as the client gives them
 * (PostgreSQL's BIGINT as text, for example): row.ts reads them either way.
 */
export interface SqlDriver {
  readonly dialect: Dialect;
  run(sql: string, params: readonly SqlParam[]): Promise<void>;
  get(sql: string, params: readonly SqlParam[]): Promise<SqlRow | undefined>;
  all(sql: string, params: readonly SqlParam[]): Promise<SqlRow[]>;
  /** Runs the statements in one transaction: all of them or, if one fails, none. */
  transaction(statements: readonly SqlStatement[]): Promise<void>;
  /** Closes the connection(s); closing twice is harmless. */
  close(): Promise<void>;
}
