/**
 * The one CSV reader: text with a header line into a table of numbers. Parsing (quotes, quoted
 * commas and newlines, BOM, CRLF) is csv-parse's; this module adds column selection, the
 * missing-value rule and limits. Errors are `CsvError`s; callers map them to their own world
 * (the gateway to a 400, the bench and demo to a failed run).
 */
import { CsvError as ParseError, parse } from 'csv-parse/sync';
import { standardize } from './standardize.js';

/** Input that cannot become a numeric table; `row` (1 = first data row) and `column` when known. */
export class CsvError extends Error {
  constructor(
    message: string,
    readonly row?: number,
    readonly column?: string,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

export interface NumericTable {
  columns: string[];
  rows: number[][];
  /** Rows left out because a selected cell was empty, NA or not a number. */
  droppedRows: number;
}

export interface CsvOptions {
  /** Columns to keep, in this order (default: all). */
  columns?: string[];
  /** Rescale each column to mean 0, standard deviation 1. */
  standardize?: boolean;
  /** Most rows accepted. */
  maxRows?: number;
}

/** A cell that is not a usable number: why, for the error message when no row survives. */
interface BadCell {
  row: number;
  column: string;
  text: string;
}

/** Empty, NA, NaN and null cells are missing values (case-insensitive). */
const MISSING = /^(na|nan|null)$/i;

/** A line of nothing but spaces: skipped like an empty line (a line of commas is a row). */
const isBlank = (record: string[]) => record.length === 1 && record[0] === '';

function records(text: string): string[][] {
  try {
    const all = parse(text, { bom: true, trim: true, relax_column_count: true });
    return all.filter((record) => !isBlank(record));
  } catch (error) {
    if (error instanceof ParseError) throw new CsvError(`the CSV cannot be read: ${error.message}`);
    throw error;
  }
}

/** Positions of the selected columns in the header; refuses unknown and repeated names. */
function columnIndexes(header: string[], columns: string[]): number[] {
  if (columns.length === 0) throw new CsvError('no columns selected');
  const indexes = columns.map((name) => {
    const index = header.indexOf(name);
    if (index < 0) {
      throw new CsvError(
        `column '${name}' is not in the CSV header (${header.join(', ')})`,
        undefined,
        name,
      );
    }
    return index;
  });
  if (new Set(columns).size !== columns.length) throw new CsvError('column names must be unique');
  return indexes;
}

/** The selected cells of one record as numbers, or the first cell that is not one. */
function numericRow(
  record: string[],
  indexes: number[],
  columns: string[],
  row: number,
): number[] | BadCell {
  const values: number[] = [];
  for (const [k, index] of indexes.entries()) {
    const text = record[index] ?? '';
    const value = text === '' || MISSING.test(text) ? NaN : Number(text);
    if (!Number.isFinite(value)) return { row, column: columns[k] ?? String(index), text };
    values.push(value);
  }
  return values;
}

function noRowsError(firstBad: BadCell | undefined): CsvError {
  if (!firstBad) return new CsvError('the CSV has no complete numeric rows (only a header)');
  const shown = firstBad.text === '' ? 'empty' : `'${firstBad.text}'`;
  return new CsvError(
    `the CSV has no complete numeric rows (e.g. row ${firstBad.row}, column '${firstBad.column}': ${shown})`,
    firstBad.row,
    firstBad.column,
  );
}

/**
 * Reads a CSV with a header line into a numeric table. Rows with an empty/NA/non-numeric cell
 * in a selected column are dropped (counted in droppedRows). Throws `CsvError` for input that
 * leaves no table: empty text, unknown columns, no complete row, more than `maxRows` rows.
 */
export function readNumericCsv(text: string, options: CsvOptions = {}): NumericTable {
  const [header, ...body] = records(text);
  if (!header) throw new CsvError('the CSV is empty (expected a header line)');
  const columns = options.columns ?? header;
  const indexes = columnIndexes(header, columns);
  const rows: number[][] = [];
  let firstBad: BadCell | undefined;
  for (const [i, record] of body.entries()) {
    const row = numericRow(record, indexes, columns, i + 1);
    if (Array.isArray(row)) rows.push(row);
    else firstBad ??= row;
  }
  if (rows.length === 0) throw noRowsError(firstBad);
  if (options.maxRows !== undefined && rows.length > options.maxRows) {
    throw new CsvError(`the CSV has ${rows.length} rows; at most ${options.maxRows} are accepted`);
  }
  const droppedRows = body.length - rows.length;
  return { columns, rows: options.standardize ? standardize(rows) : rows, droppedRows };
}
