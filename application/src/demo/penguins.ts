import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readNumericCsv } from '../data/csv.js';
import { columnStats, standardizeWith } from '../data/standardize.js';

/** The Palmer penguins data that ships with the vega-datasets npm package. */
interface Penguin {
  Species: string;
  Island: string;
  'Beak Length (mm)'?: number | null;
  'Beak Depth (mm)'?: number | null;
  'Flipper Length (mm)'?: number | null;
  'Body Mass (g)'?: number | null;
  Sex: string | null;
}

export const PENGUIN_FEATURES = [
  'bill_length_mm',
  'bill_depth_mm',
  'flipper_length_mm',
  'body_mass_g',
] as const;
/** 1 when the penguin is an Adélie, else 0. */
export const PENGUIN_TARGET = 'adelie';

export function penguinsFile(): string {
  // The package exports only its JS entry (build/index.js); the data sits next to it.
  const entry = createRequire(import.meta.url).resolve('vega-datasets');
  return path.join(path.dirname(entry), '..', 'data', 'penguins.json');
}

/**
 * The penguins as CSV: four measurements and the target `adelie` (0/1); rows with a missing
 * value are dropped. Not standardised: the seller app does that when listing (standardize).
 */
export async function penguinsCsv(limit?: number): Promise<{ csv: string; rows: number }> {
  const penguins = JSON.parse(await readFile(penguinsFile(), 'utf8')) as Penguin[];
  const lines = [[...PENGUIN_FEATURES, PENGUIN_TARGET].join(',')];
  for (const p of penguins) {
    const values = [
      p['Beak Length (mm)'],
      p['Beak Depth (mm)'],
      p['Flipper Length (mm)'],
      p['Body Mass (g)'],
    ];
    if (values.some((v) => v === null || v === undefined) || !p.Sex) continue;
    lines.push([...values, p.Species === 'Adelie' ? 1 : 0].join(','));
    if (limit !== undefined && lines.length > limit) break;
  }
  return { csv: `${lines.join('\n')}\n`, rows: lines.length - 1 };
}

/**
 * The demo's table: the four measurements standardised (mean 0, sd 1), the target left 0/1,
 * so the mean of `adelie` is the share of Adélie penguins and a logistic regression trains on
 * well-scaled features.
 */
export async function penguinsDemoTable(): Promise<{
  columns: string[];
  rows: number[][];
  csv: string;
}> {
  const { csv } = await penguinsCsv();
  const { columns, rows: raw } = readNumericCsv(csv);
  const stats = columnStats(raw.map((r) => r.slice(0, PENGUIN_FEATURES.length)));
  const rows = standardizeWith(raw, stats);
  const text = [
    columns.join(','),
    ...rows.map((r) =>
      r.map((x) => (Number.isInteger(x) ? String(x) : x.toPrecision(12))).join(','),
    ),
  ].join('\n');
  return { columns, rows, csv: `${text}\n` };
}
