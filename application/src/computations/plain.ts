/**
 * The built-in computations in plain arithmetic, on the same rows and parameters: what an
 * honest decrypted result must equal within the preset's precision (tests, demo).
 */
import { polyvalPlain, SIGMOID_THESIS } from '../ckks/index.js';
import type { BuiltinParams } from './params.js';

type Rows = readonly (readonly number[])[];

function columnOf(columns: readonly string[], rows: Rows, name: string): number[] {
  const j = columns.indexOf(name);
  if (j < 0) throw new Error(`no column ${name}`);
  return rows.map((r) => r[j] ?? Number.NaN);
}

const sum = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0);

export function plainSums(
  columns: readonly string[],
  rows: Rows,
  p: { columns: string[] },
): number[] {
  return p.columns.map((c) => sum(columnOf(columns, rows, c)));
}

export function plainMeans(
  columns: readonly string[],
  rows: Rows,
  p: { columns: string[] },
): number[] {
  return plainSums(columns, rows, p).map((s) => s / rows.length);
}

/** The upper triangle of XᵀX in the order the built-in releases it. */
export function plainXtx(
  columns: readonly string[],
  rows: Rows,
  p: BuiltinParams['xtx'],
): number[] {
  const xs = p.columns.map((c) => columnOf(columns, rows, c));
  const out: number[] = [];
  xs.forEach((xj, j) => {
    for (let i = j; i < xs.length; i++) {
      const xi = xs[i] ?? [];
      out.push(sum(xj.map((v, r) => v * (xi[r] ?? 0))));
    }
  });
  return out;
}

export function plainXty(
  columns: readonly string[],
  rows: Rows,
  p: BuiltinParams['xty'],
): number[] {
  const y = columnOf(columns, rows, p.target);
  return p.columns.map((c) => sum(columnOf(columns, rows, c).map((v, r) => v * (y[r] ?? 0))));
}

/** Weights then bias after k epochs, with the same sigmoid approximation. */
export function plainLrEpochs(
  columns: readonly string[],
  rows: Rows,
  p: BuiltinParams['lr-epochs'],
): number[] {
  const xs = p.features.map((c) => columnOf(columns, rows, c));
  const y = columnOf(columns, rows, p.target);
  let w = [...p.initialWeights];
  let b = p.initialBias;
  const step = p.learningRate / rows.length;
  for (let e = 0; e < p.epochs; e++) {
    const residual = y.map(
      (yi, r) =>
        polyvalPlain(SIGMOID_THESIS, sum(xs.map((x, j) => (x[r] ?? 0) * (w[j] ?? 0))) + b) - yi,
    );
    w = w.map((wj, j) => wj - step * sum(residual.map((res, r) => res * (xs[j]?.[r] ?? 0))));
    b -= step * sum(residual);
  }
  return [...w, b];
}
