/** Loads the thesis's Framingham data: selected columns, rows with "NA" dropped, first n rows. */
import { readFile } from 'node:fs/promises';
import { CsvError, readNumericCsv } from '../src/data/csv.js';
import { columnStats, standardizeWith } from '../src/data/standardize.js';

export const FEATURES = [
  'male',
  'age',
  'cigsPerDay',
  'prevalentStroke',
  'prevalentHyp',
  'totChol',
  'sysBP',
  'heartRate',
  'glucose',
] as const;
export const TARGET = 'TenYearCHD';

export interface Dataset {
  columns: string[];
  /** Raw values: features then target. */
  raw: number[][];
  /** Features standardized (mean 0, std 1 over these rows), target unchanged. */
  standardized: number[][];
  /** Rows after the first n (complete rows only), standardized with the same statistics. */
  holdout: number[][];
  means: number[];
  stds: number[];
}

export async function loadFramingham(path: string, n = 1000): Promise<Dataset> {
  const columns = [...FEATURES, TARGET];
  let complete: number[][];
  try {
    complete = readNumericCsv(await readFile(path, 'utf8'), { columns }).rows;
  } catch (error) {
    if (error instanceof CsvError) throw new Error(`${path}: ${error.message}`);
    throw error;
  }
  if (complete.length < n) throw new Error(`only ${complete.length} complete rows in ${path}`);
  const raw = complete.slice(0, n);
  // Statistics of the features over the first n rows only; the target stays 0/1.
  const stats = columnStats(raw.map((r) => r.slice(0, FEATURES.length)));
  return {
    columns,
    raw,
    standardized: standardizeWith(raw, stats),
    holdout: standardizeWith(complete.slice(n), stats),
    means: stats.means,
    stds: stats.sds,
  };
}
