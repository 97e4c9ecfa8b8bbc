/** The joint logistic-regression test's data and per-seller computation (unit and network). */
import { SIGMOID_THESIS, type EncryptedTable } from '../../../src/ckks/index.js';

export const LR_COLUMNS = ['x1', 'x2', 'y'];
export const EPOCHS = 5;
export const LEARNING_RATE = 1;
/** Initial weights (a zero plaintext would make the encoder pick a degenerate scale). */
export const W0 = 0.01;

/** Deterministic rows per seller: y = 1 when 1.5·x1 − x2 (plus a wobble) is positive. */
function rows(seed: number, count: number): number[][] {
  return Array.from({ length: count }, (_, i) => {
    const x1 = (((i * 37 + seed * 11) % 41) / 41) * 4 - 2;
    const x2 = (((i * 23 + seed * 7) % 29) / 29) * 4 - 2;
    const wobble = ((i * 13 + seed) % 5) / 10 - 0.2;
    return [x1, x2, 1.5 * x1 - x2 + wobble > 0 ? 1 : 0];
  });
}
export const LR_DATA = [rows(0, 16), rows(1, 12), rows(2, 10)];

/** One seller's partial for weights w (bias last): Xᵀ(σ(Xw + b) − y) and Σ(σ(Xw + b) − y). */
export function gradientSums(table: EncryptedTable, w: number[]): Record<string, EncryptedTable> {
  const x = table.select(['x1', 'x2']);
  const y = table.col('y');
  const linear = x.matmul(w.slice(0, 2));
  const bias = w[2] ?? 0;
  const z = bias === 0 ? linear : linear.add(bias);
  const p = z.sigmoid(SIGMOID_THESIS);
  const r = p.sub(y);
  const gradient = x.t().matmul(r);
  const biasGradient = r.sum();
  for (const t of new Set([x, y, linear, z, p, r])) t.dispose();
  return { gradient, biasGradient };
}
