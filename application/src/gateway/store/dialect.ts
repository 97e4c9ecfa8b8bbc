/**
 * Where the two engines' SQL differs: a few column types and one JSON function. Everything
 * else in the schema and the queries is SQL that SQLite and PostgreSQL both accept.
 */
export interface Dialect {
  /** Column type for raw bytes (bundles, results, sealed secrets). */
  readonly bytesType: string;
  /** Column type for a 64-bit integer (times in milliseconds). */
  readonly int64Type: string;
  /** Column definition of an increasing integer key (the pump journal's order). */
  readonly serialKey: string;
  /** SQL for the number of elements of a JSON array kept in a TEXT column. */
  jsonArrayLength(column: string): string;
}

export const SQLITE: Dialect = {
  bytesType: 'BLOB',
  int64Type: 'INTEGER',
  serialKey: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  jsonArrayLength: (column) => `json_array_length(${column})`,
};

export const POSTGRES: Dialect = {
  bytesType: 'BYTEA',
  int64Type: 'BIGINT',
  serialKey: 'BIGSERIAL PRIMARY KEY',
  jsonArrayLength: (column) => `json_array_length(${column}::json)`,
};
