/**
 * Synthetic free samples: rows that have the dataset's schema, drawn without its rows.
 * - schema-uniform: each value uniform in the column's declared range, rounded like the column;
 * - marginals: each value from a normal with the column's own mean and standard deviation,
 *   clipped to the range (the listing states that these two statistics are disclosed);
 * - seller-file: the seller's own dummy rows (checked against the schema when uploaded).
 * Randomness comes from node:crypto, so a buyer cannot replay the generator.
 */
import { randomInt } from 'node:crypto';
import type { ColumnRange, SampleKind } from '@datamarket/chaincode/api';

/** A uniform double in [0, 1) with 48 random bits. */
function uniform(): number {
  return (randomInt(2 ** 24) * 2 ** 24 + randomInt(2 ** 24)) / 2 ** 48;
}

/** A standard normal (Box–Muller). */
function normal(): number {
  const u = 1 - uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

const clip = (v: number, r: ColumnRange) => Math.min(r.max, Math.max(r.min, v));

/** Decimal places a value is written with (at most 6). */
function decimalsOf(value: number): number {
  for (let d = 0; d < 6; d++) if (Math.abs(round(value, d) - value) < 1e-9) return d;
  return 6;
}

/** A bound rounded outward to two significant digits: the range says little beyond scale. */
function outward(value: number, up: boolean): number {
  if (value === 0) return 0;
  const step = 10 ** (Math.floor(Math.log10(Math.abs(value))) - 1);
  return (up ? Math.ceil(value / step) : Math.floor(value / step)) * step;
}

/**
 * Ranges for a listing that declares none: each column's min and max rounded outward to two
 * significant digits, and its rounding (what the listing then publishes as its columnRanges).
 */
export function rangesFromData(
  columns: readonly string[],
  rows: readonly (readonly number[])[],
): ColumnRange[] {
  return columns.map((_, j) => {
    const values = rows.map((r) => r[j] ?? 0);
    const min = values.length ? Math.min(...values) : 0;
    const max = values.length ? Math.max(...values) : 0;
    const decimals = Math.max(0, ...values.slice(0, 1000).map(decimalsOf));
    return { min: outward(min, false), max: outward(max, true), decimals };
  });
}

/** Mean and standard deviation of each column (what a marginals sample discloses). */
export function marginals(
  columns: readonly string[],
  rows: readonly (readonly number[])[],
): { mean: number; sd: number }[] {
  return columns.map((_, j) => {
    const values = rows.map((r) => r[j] ?? 0);
    const n = Math.max(1, values.length);
    const mean = values.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    return { mean, sd };
  });
}

export interface SyntheticInput {
  kind: Exclude<SampleKind, 'seller-file'>;
  columns: readonly string[];
  ranges: readonly ColumnRange[];
  /** The real rows: read only for the marginals kind (means and deviations). */
  rows: readonly (readonly number[])[];
  count: number;
}

/**
 * `count` synthetic rows of the given kind. A row equals a real one only by the chance its
 * ranges give (schema-uniform never reads the real rows); real rows are deliberately not left
 * out, since their absence from many samples would reveal them.
 */
export function syntheticRows(input: SyntheticInput): number[][] {
  const { columns, ranges, count } = input;
  const stats = input.kind === 'marginals' ? marginals(columns, input.rows) : undefined;
  return Array.from({ length: count }, () =>
    columns.map((_, j) => {
      const range = ranges[j] ?? { min: 0, max: 0, decimals: 0 };
      const s = stats?.[j];
      const raw = s ? s.mean + s.sd * normal() : range.min + (range.max - range.min) * uniform();
      return round(clip(raw, range), range.decimals);
    }),
  );
}

/** Why a seller's dummy file does not fit the schema, or undefined when it fits. */
export function sampleFileProblem(
  file: { columns: readonly string[]; rows: readonly (readonly number[])[] },
  schemaColumns: readonly string[],
  ranges: readonly ColumnRange[] | null,
): string | undefined {
  if (file.columns.join('\u0000') !== schemaColumns.join('\u0000')) {
    return `the sample file's columns (${file.columns.join(', ')}) must be the listing's (${schemaColumns.join(', ')}), in order`;
  }
  if (file.rows.length === 0) return 'the sample file has no rows';
  if (ranges) {
    for (const [i, row] of file.rows.entries()) {
      for (const [j, v] of row.entries()) {
        const r = ranges[j];
        if (r && (v < r.min || v > r.max)) {
          return `row ${i + 1}, column ${schemaColumns[j] ?? j}: ${v} is outside the declared range [${r.min}, ${r.max}]`;
        }
      }
    }
  }
  return undefined;
}
