/** Loads the thesis's Framingham data: selected columns, rows with "NA" dropped, first n rows. */
import { readFile } from 'node:fs/promises';

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
  const text = await readFile(path, 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  const columns = [...FEATURES, TARGET];
  const idx = columns.map((c) => {
    const i = header.indexOf(c);
    if (i < 0) throw new Error(`column ${c} missing from ${path}`);
    return i;
  });
  const complete: number[][] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const row = idx.map((i) => (cells[i] ?? '').trim());
    if (row.some((v) => v === 'NA' || v === '')) continue;
    const nums = row.map(Number);
    if (nums.some((v) => !Number.isFinite(v))) continue;
    complete.push(nums);
  }
  if (complete.length < n) throw new Error(`only ${complete.length} complete rows in ${path}`);
  const raw = complete.slice(0, n);
  const d = FEATURES.length;
  const means = Array.from(
    { length: d },
    (_, j) => raw.reduce((s, r) => s + (r[j] as number), 0) / n,
  );
  const stds = Array.from({ length: d }, (_, j) =>
    Math.sqrt(raw.reduce((s, r) => s + ((r[j] as number) - (means[j] as number)) ** 2, 0) / n),
  );
  const standardize = (r: number[]) =>
    r.map((v, j) => (j < d ? (v - (means[j] as number)) / (stds[j] as number) : v));
  return {
    columns,
    raw,
    standardized: raw.map(standardize),
    holdout: complete.slice(n).map(standardize),
    means,
    stds,
  };
}
