/**
 * k epochs of full-batch gradient descent for logistic regression, on an encrypted table, with
 * the thesis's sigmoid σ(z) = c0 + c1·z + c3·z³:
 *   w ← w − s·Xᵀ(σ(Xw + b) − y),  b ← b − s·Σ(σ(Xw + b) − y),  s = learningRate / rows.
 *
 * The gradient costs two levels after z (the plain formula costs three): it is regrouped as
 *   s·Xᵀ(σ(z) − y) = Σᵢ (s·xᵢ·zᵢ)·(c1 + c3·zᵢ²) + s·Xᵀ(c0 − y),
 * where s·x·z and z² are computed side by side (one level), their product is the second level,
 * and s·Xᵀ(c0 − y) does not depend on the weights (computed once). z = Xw costs one level from
 * the plain initial weights and two from encrypted ones, so n8192-d4 holds one epoch and
 * n16384-d9 two.
 * The step s is folded into X by a plain product at X's spare first level, so the weights keep
 * the canonical scale; a free scalar product by a small s would raise their scale until the next
 * multiplication overflows the modulus.
 *
 * One epoch from plain weights uses the fast kernel (`logisticGradient`) when it applies. The
 * number of epochs a preset holds is `maxLrEpochs`; more are refused before any work.
 */
import {
  CkksError,
  logisticGradient,
  SIGMOID_THESIS,
  type EncryptedTable,
  type PoolOption,
} from '../ckks/index.js';
import type { BuiltinParams } from './params.js';

/** Levels the first epoch uses (from plain weights: z = Xw is a plain product). */
const FIRST_EPOCH_LEVELS = 3;
/**
 * Levels each later epoch uses: z = Xw with encrypted w costs two (the engine masks w before
 * broadcasting it down X's column runs, then multiplies), the gradient two more.
 */
const LATER_EPOCH_LEVELS = 4;

/** The most epochs a preset of multiplicative depth `depth` holds. */
export function maxLrEpochs(depth: number): number {
  if (depth < FIRST_EPOCH_LEVELS) return 0;
  return 1 + Math.floor((depth - FIRST_EPOCH_LEVELS) / LATER_EPOCH_LEVELS);
}

/** Refuses, before any work, a number of epochs the table's preset cannot hold. */
function requireDepth(table: EncryptedTable, epochs: number): void {
  const depth = table.preset.depth;
  const max = maxLrEpochs(depth - table.level);
  if (epochs > max) {
    throw new CkksError(
      'DEPTH_EXHAUSTED',
      `lr-epochs: ${epochs} epochs need ${FIRST_EPOCH_LEVELS + (epochs - 1) * LATER_EPOCH_LEVELS} ` +
        `multiplicative levels, but preset ${table.preset.name} has ${depth - table.level} left: ` +
        `it holds at most ${max} epoch${max === 1 ? '' : 's'}. Ask for fewer epochs (or continue ` +
        'from the released model in another trade), or list the dataset on a deeper preset ' +
        '(n16384-d9 holds 2).',
    );
  }
}

/** Collects intermediates and frees them all at the end. */
class Scratch implements Disposable {
  private readonly tables: EncryptedTable[] = [];
  keep<T extends EncryptedTable>(t: T): T {
    this.tables.push(t);
    return t;
  }
  [Symbol.dispose](): void {
    for (const t of this.tables) t.dispose();
  }
}

export interface LrModel {
  weights: EncryptedTable;
  bias: EncryptedTable;
}

/** One epoch from plain weights on the fast kernel (null when the kernel does not apply). */
async function fastSingleEpoch(
  table: EncryptedTable,
  p: BuiltinParams['lr-epochs'],
  pool: PoolOption,
): Promise<LrModel | null> {
  if (table.preset.depth - table.level < 4) return null;
  const step = p.learningRate / table.rows;
  const g = await logisticGradient(table, {
    features: p.features,
    target: p.target,
    weights: p.initialWeights,
    bias: p.initialBias,
    scale: step,
    pool,
  });
  try {
    return {
      weights: g.gradient.rsub(p.initialWeights),
      bias: g.bias.rsub(p.initialBias),
    };
  } finally {
    g.gradient.dispose();
    g.bias.dispose();
  }
}

/** The model after k epochs (see the module comment); refused if the preset is too shallow. */
export async function lrEpochs(
  table: EncryptedTable,
  p: BuiltinParams['lr-epochs'],
  pool: PoolOption,
): Promise<LrModel> {
  requireDepth(table, p.epochs);
  if (p.epochs === 1) {
    const fast = await fastSingleEpoch(table, p, pool);
    if (fast) return fast;
  }
  const [c0 = 0, c1 = 0, c2 = 0, c3 = 0] = SIGMOID_THESIS;
  if (c2 !== 0 || c3 === 0 || SIGMOID_THESIS.length > 4)
    throw new Error('lr-epochs expects an odd cubic');
  const step = p.learningRate / table.rows;
  const t = step * c3;
  let w: EncryptedTable | undefined;
  let b: EncryptedTable | undefined;
  try {
    using tmp = new Scratch();
    const x = tmp.keep(table.select(p.features));
    const y = tmp.keep(table.col(p.target));
    // Plain products at X's spare first level keep every scale canonical (see module comment).
    const xs = tmp.keep(x.mul(p.features.map(() => step)));
    const xt = tmp.keep(x.mul(p.features.map(() => t)));
    // The parts of the gradients that do not depend on the weights: s·Xᵀ(c0 − y), s·Σ(c0 − y).
    const c0MinusY = tmp.keep(y.rsub(c0));
    const constW = tmp.keep(tmp.keep(xs.t()).matmul(c0MinusY));
    const constB = tmp.keep(tmp.keep(c0MinusY.sum()).mul(step));
    for (let epoch = 0; epoch < p.epochs; epoch++) {
      const xw = tmp.keep(w === undefined ? x.matmul(p.initialWeights) : x.matmul(w));
      const z = tmp.keep(b === undefined ? xw.add(p.initialBias) : xw.add(b));
      // First level of the epoch, side by side: s·c3·x·z and z² + c1/c3.
      const xtz = tmp.keep(xt.mul(z));
      const inner = tmp.keep(tmp.keep(z.square()).add(c1 / c3));
      // Second level: the products, summed over the rows, plus the constant parts.
      const gw = tmp.keep(tmp.keep(tmp.keep(xtz.t()).matmul(inner)).add(constW));
      // s·c3 applied to the bias's sum as a free scalar (exact scale bookkeeping).
      // (zᵀ·inner takes the same masked product-and-sum as the weights' gradient.)
      const zInner = tmp.keep(tmp.keep(z.t()).matmul(inner));
      const gb = tmp.keep(tmp.keep(zInner.mul(t)).add(constB));
      const nextW = w === undefined ? gw.rsub(p.initialWeights) : w.sub(gw);
      const nextB = b === undefined ? gb.rsub(p.initialBias) : b.sub(gb);
      w?.dispose();
      b?.dispose();
      w = nextW;
      b = nextB;
    }
  } catch (error) {
    w?.dispose();
    b?.dispose();
    throw error;
  }
  if (w === undefined || b === undefined) throw new Error('lr-epochs needs at least one epoch');
  return { weights: w, bias: b };
}
