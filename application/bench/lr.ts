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
  const d = m.w.length;
  const gw = new Array<number>(d).fill(0);
  let gb = 0;
  X.forEach((row, i) => {
    const z = row.reduce((s, v, j) => s + v * (m.w[j] as number), m.b);
    const r = activation(z) - (y[i] as number);
    row.forEach((v, j) => (gw[j] = (gw[j] as number) + v * r));
    gb += r;
  });
  return { w: m.w.map((w, j) => w - (lr / n) * (gw[j] as number)), b: m.b - (lr / n) * gb };
}

export const approxSigmoid = (z: number): number => polyvalPlain(SIGMOID_THESIS, z);
export const exactSigmoid = sigmoid;

/** Accuracy of a model (exact sigmoid, threshold 0.5). */
export function accuracy(X: number[][], y: number[], m: Model): number {
  let ok = 0;
  X.forEach((row, i) => {
    const z = row.reduce((s, v, j) => s + v * (m.w[j] as number), m.b);
    if ((sigmoid(z) >= 0.5 ? 1 : 0) === y[i]) ok++;
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
  const X = table.select(features);
  const y = table.col(target);
  const z0 = X.matmul(m.w);
  const z = z0.add(m.b);
  const p = z.sigmoid();
  const r = p.sub(y);
  const Xt = X.t();
  const g = Xt.matmul(r);
  const gw = g.mul(lr / n);
  const sr = r.sum();
  const gb = sr.mul(lr / n);
  const w = gw.rsub(m.w);
  const b = gb.rsub(m.b);
  for (const t of [X, y, z0, z, p, r, Xt, g, gw, sr, gb]) t.dispose();
  return { w, b };
}
