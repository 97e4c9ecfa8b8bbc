/**
 * k epochs of full-batch gradient descent for logistic regression, on an encrypted table, with
 * the thesis's sigmoid σ(z) = c0 + c1·z + c3·z³:
 *   w ← w − s·Xᵀ(σ(Xw + b) − y),  b ← b − s·Σ(σ(Xw + b) − y),  s = learningRate / rows.
 *
 * The gradient costs two levels after z (the plain formula costs three): it is regrouped as
 *   s·Xᵀ(σ(z) − y) = Σᵢ (s·c3·xᵢ·zᵢ)·(zᵢ² + c1/c3) + s·Xᵀ(c0 − y),
 * where s·c3·x·z and z² are side by side (one level), their product is the second level,
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

/** What every epoch reuses: X, s·c3·X and the weight-free parts of the gradients. */
interface Fixed {
  x: EncryptedTable;
  xt: EncryptedTable;
  constW: EncryptedTable;
  constB: EncryptedTable;
  /** s·c3, and c1/c3 (σ(z) − y = c3·z·(z² + c1/c3) + c0 − y). */
  t: number;
  ratio: number;
}

/** The model after k epochs: w and b plain (the initial ones) or encrypted. */
type Model = { w: readonly number[]; b: number } | { w: EncryptedTable; b: EncryptedTable };

const SIGMOID = (() => {
  const [c0 = 0, c1 = 0, c2 = 0, c3 = 0] = SIGMOID_THESIS;
  if (c2 !== 0 || c3 === 0 || SIGMOID_THESIS.length > 4) {
    throw new Error('lr-epochs expects an odd cubic sigmoid');
  }
  return { c0, c1, c3 };
})();

function fixedParts(tmp: Scratch, table: EncryptedTable, p: BuiltinParams['lr-epochs']): Fixed {
  const { c0, c1, c3 } = SIGMOID;
  const step = p.learningRate / table.rows;
  const t = step * c3;
  const x = tmp.keep(table.select(p.features));
  const y = tmp.keep(table.col(p.target));
  // Plain products at X's spare first level keep every scale canonical (see module comment).
  const xs = tmp.keep(x.mul(p.features.map(() => step)));
  const xt = tmp.keep(x.mul(p.features.map(() => t)));
  // The parts of the gradients that do not depend on the weights: s·Xᵀ(c0 − y), s·Σ(c0 − y).
  const c0MinusY = tmp.keep(y.rsub(c0));
  const constW = tmp.keep(tmp.keep(xs.t()).matmul(c0MinusY));
  const constB = tmp.keep(tmp.keep(c0MinusY.sum()).mul(step));
  return { x, xt, constW, constB, t, ratio: c1 / c3 };
}

/** One epoch: the next model (owned by the caller); intermediates go to `tmp`. */
function epoch(tmp: Scratch, f: Fixed, m: Model): LrModel {
  const z = tmp.keep(
    Array.isArray(m.w)
      ? tmp.keep(f.x.matmul(m.w)).add(m.b)
      : tmp.keep(f.x.matmul(m.w as EncryptedTable)).add(m.b),
  );
  // First level of the epoch, side by side: s·c3·x·z and z² + c1/c3.
  const xtz = tmp.keep(f.xt.mul(z));
  const inner = tmp.keep(tmp.keep(z.square()).add(f.ratio));
  // Second level: the products, summed over the rows, plus the constant parts. (zᵀ·inner takes
  // the same masked product-and-sum as the weights' gradient; s·c3 is then a free scalar.)
  const gw = tmp.keep(tmp.keep(tmp.keep(xtz.t()).matmul(inner)).add(f.constW));
  const zInner = tmp.keep(tmp.keep(z.t()).matmul(inner));
  const gb = tmp.keep(tmp.keep(zInner.mul(f.t)).add(f.constB));
  const plain = Array.isArray(m.w);
  const weights = plain ? gw.rsub(m.w) : (m.w as EncryptedTable).sub(gw);
  try {
    return { weights, bias: plain ? gb.rsub(m.b) : (m.b as EncryptedTable).sub(gb) };
  } catch (error) {
    weights.dispose();
    throw error;
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
  let model: LrModel | undefined;
  try {
    using tmp = new Scratch();
    const fixed = fixedParts(tmp, table, p);
    for (let k = 0; k < p.epochs; k++) {
      const current: Model = model
        ? { w: model.weights, b: model.bias }
        : { w: p.initialWeights, b: p.initialBias };
      const next = epoch(tmp, fixed, current);
      model?.weights.dispose();
      model?.bias.dispose();
      model = next;
    }
  } catch (error) {
    model?.weights.dispose();
    model?.bias.dispose();
    throw error;
  }
  if (!model) throw new Error('lr-epochs needs at least one epoch');
  return model;
}
