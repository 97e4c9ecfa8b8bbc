import { badRequest } from './http/errors.js';

/** Splits one CSV line (RFC 4180 quotes, comma separator). */
function splitLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
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

/**
 * Parses a CSV with a header line into a numeric table. Rows with an empty/NA/non-numeric cell
 * in a selected column are dropped (counted in droppedRows). Throws 400s for bad input.
 */
export function parseNumericCsv(text: string, options: CsvOptions = {}): NumericTable {
  const lines = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
  const headerLine = lines.shift();
  if (!headerLine) throw badRequest('the CSV is empty (expected a header line)');
  const header = splitLine(headerLine);
  const columns = options.columns ?? header;
  if (columns.length === 0) throw badRequest('no columns selected');
  const indexes = columns.map((name) => {
    const index = header.indexOf(name);
    if (index < 0) throw badRequest(`column '${name}' is not in the CSV header`);
    return index;
  });
  if (new Set(columns).size !== columns.length) throw badRequest('column names must be unique');
  const rows: number[][] = [];
  let droppedRows = 0;
  for (const line of lines) {
    const cells = splitLine(line);
    const row = indexes.map((i) => {
      const cell = cells[i] ?? '';
      return cell === '' || /^(na|nan|null)$/i.test(cell) ? NaN : Number(cell);
    });
    if (row.some((v) => !Number.isFinite(v))) droppedRows++;
    else rows.push(row);
  }
  if (rows.length === 0) throw badRequest('the CSV has no complete numeric rows');
  if (options.maxRows !== undefined && rows.length > options.maxRows) {
    throw badRequest(`the CSV has ${rows.length} rows; at most ${options.maxRows} are accepted`);
  }
  return { columns, rows: options.standardize ? standardize(rows) : rows, droppedRows };
}

export function standardize(rows: number[][]): number[][] {
  const width = rows[0]?.length ?? 0;
  const means = Array.from({ length: width }, (_, j) => mean(rows.map((r) => r[j] ?? 0)));
  const sds = means.map((m, j) => {
    const v = mean(rows.map((r) => ((r[j] ?? 0) - m) ** 2));
    return Math.sqrt(v) || 1;
  });
  return rows.map((r) => r.map((x, j) => (x - (means[j] ?? 0)) / (sds[j] ?? 1)));
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / (values.length || 1);
