import type { SqlRow } from './driver.js';

/** Checked reads of one column of a row, whatever the engine's client gave for it. */

function column(row: SqlRow, name: string): unknown {
  if (!(name in row)) throw new Error(`seller store: the row has no column ${name}`);
  return row[name];
}

function mismatch(name: string, value: unknown, expected: string): Error {
  const actual = value === null ? 'null' : typeof value;
  return new Error(`seller store: column ${name} holds ${actual}, expected ${expected}`);
}

export function readText(row: SqlRow, name: string): string {
  const value = column(row, name);
  if (typeof value !== 'string') throw mismatch(name, value, 'text');
  return value;
}

/** Text, or undefined for SQL NULL. */
export function readOptionalText(row: SqlRow, name: string): string | undefined {
  const value = column(row, name);
  return value === null ? undefined : readText(row, name);
}

export function readBytes(row: SqlRow, name: string): Uint8Array {
  const value = column(row, name);
  if (!(value instanceof Uint8Array)) throw mismatch(name, value, 'bytes');
  return value;
}

/** A safe integer: a number (SQLite), or a bigint or decimal text (PostgreSQL's BIGINT). */
export function readInteger(row: SqlRow, name: string): number {
  const value = column(row, name);
  const number =
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    (typeof value === 'string' && /^-?\d+$/.test(value))
      ? Number(value)
      : Number.NaN;
  if (!Number.isSafeInteger(number)) throw mismatch(name, value, 'an integer');
  return number;
}

/** A JSON array of strings kept as text (a dataset's column names). */
export function readJsonStrings(row: SqlRow, name: string): string[] {
  const value: unknown = JSON.parse(readText(row, name));
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw mismatch(name, value, 'a JSON array of strings');
  }
  return value;
}

/** A JSON array of number arrays kept as text (a dataset's rows). */
export function readJsonNumberRows(row: SqlRow, name: string): number[][] {
  const value: unknown = JSON.parse(readText(row, name));
  const isRow = (item: unknown): item is number[] =>
    Array.isArray(item) && item.every((cell) => typeof cell === 'number');
  if (!Array.isArray(value) || !value.every(isRow)) {
    throw mismatch(name, value, 'a JSON array of number arrays');
  }
  return value;
}
