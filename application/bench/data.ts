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

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Synthetic rows with Framingham's columns and value ranges (for the bench when the real file is
 * absent): timings depend only on the shape; accuracy figures are then about these rows.
 */
export function syntheticFramingham(n = 1000, holdout = 300): Dataset {
  const r = random(2026);
  const row = (): number[] => {
    const male = r() < 0.45 ? 1 : 0;
    const age = Math.round(32 + 38 * r());
    const cigs = r() < 0.5 ? 0 : Math.round(60 * r() ** 2);
    const stroke = r() < 0.01 ? 1 : 0;
    const hyp = r() < 0.3 ? 1 : 0;
    const chol = Math.round(110 + 490 * r() ** 1.5);
    const sys = Math.round(85 + 210 * r() ** 1.5);
    const hr = Math.round(45 + 95 * r());
    const glucose = Math.round(40 + 354 * r() ** 4);
    const risk = -6 + 0.5 * male + 0.07 * age + 0.02 * cigs + 0.015 * (sys - 130);
    const chd = r() < 1 / (1 + Math.exp(-risk)) ? 1 : 0;
    return [male, age, cigs, stroke, hyp, chol, sys, hr, glucose, chd];
  };
  const rows = Array.from({ length: n + holdout }, row);
  const raw = rows.slice(0, n);
  const stats = columnStats(raw.map((x) => x.slice(0, FEATURES.length)));
  return {
    columns: [...FEATURES, TARGET],
    raw,
    standardized: standardizeWith(raw, stats),
    holdout: standardizeWith(rows.slice(n), stats),
    means: stats.means,
    stds: stats.sds,
  };
}
