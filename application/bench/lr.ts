/** Logistic regression: one full-batch gradient-descent epoch, plain and encrypted. */
import { EncryptedTable, sigmoid, polyvalPlain, SIGMOID_THESIS } from '../src/ckks/index.js';

export interface Model {
  w: number[];
  b: number;
}

/** Deterministic small initial weights (same for plain and encrypted training). */
export function initialModel(d: number, seed = 7): Model {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  return { w: Array.from({ length: d }, () => (next() - 0.5) * 0.1), b: 0 };
}

/** One epoch in plain arithmetic: w ← w − lr/n · Xᵀ(σ(Xw + b) − y). */
export function plainEpoch(
  X: number[][],
  y: number[],
  m: Model,
  lr: number,
  activation: (z: number) => number,
): Model {
  const n = X.length;
  const gw = m.w.map(() => 0);
  let gb = 0;
  X.forEach((row, i) => {
    const r = activation(linear(row, m)) - (y[i] ?? NaN);
    row.forEach((v, j) => {
      gw[j] = (gw[j] ?? NaN) + v * r;
    });
    gb += r;
  });
  return { w: m.w.map((w, j) => w - (lr / n) * (gw[j] ?? NaN)), b: m.b - (lr / n) * gb };
}

/** b + Σ row[j]·w[j], summed left to right. */
function linear(row: readonly number[], m: Model): number {
  return row.reduce((s, v, j) => s + v * (m.w[j] ?? NaN), m.b);
}

export const approxSigmoid = (z: number): number => polyvalPlain(SIGMOID_THESIS, z);
export const exactSigmoid = sigmoid;

/** Accuracy of a model (exact sigmoid, threshold 0.5). */
export function accuracy(X: number[][], y: number[], m: Model): number {
  let ok = 0;
  X.forEach((row, i) => {
    if ((sigmoid(linear(row, m)) >= 0.5 ? 1 : 0) === y[i]) ok++;
  });
  return ok / X.length;
}

/**
 * One encrypted epoch on a table whose columns are the features then the target. The buyer's
 * initial model is plain; the updated model comes out encrypted.
 */
export function encryptedEpoch(
  table: EncryptedTable,
  features: readonly string[],
  target: string,
  m: Model,
  lr: number,
): { w: EncryptedTable; b: EncryptedTable } {
  const n = table.rows;
  using X = table.select(features);
  using y = table.col(target);
  using z0 = X.matmul(m.w);
  using z = z0.add(m.b);
  using p = z.sigmoid();
  using r = p.sub(y);
  using Xt = X.t();
  using g = Xt.matmul(r);
  using gw = g.mul(lr / n);
  using sr = r.sum();
  using gb = sr.mul(lr / n);
  return { w: gw.rsub(m.w), b: gb.rsub(m.b) };
}
