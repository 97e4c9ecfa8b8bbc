/**
 * The gradient of one logistic-regression epoch, s·Xᵀ(σ(Xw + b) − y) and s·Σ(σ(Xw + b) − y),
 * with the fewest and cheapest operations on a packed table (columns in runs of `stride` slots,
 * several per ciphertext):
 *
 * - z = Xw + b: one plain product per ciphertext, summed before a single rescale (lazy
 *   rescaling), then log2(runs) rotations that add the runs and leave z in every run;
 * - σ(z) = c0 + c1·z + c3·z³ at depth 2: z² and c3·z in parallel, then z²·(c3·z); c1·z by one
 *   plain product landing on the same scale (no alignment level wasted);
 * - y is masked out of its ciphertext and spread to every run (two rotations at level 3);
 * - X is scaled by s in the plain product that brings it to the level of r (folding s there
 *   costs nothing and keeps the sums small), and a run free of features gets the constant s:
 *   the bias gradient comes out of the same rotation tree as the weights' (no separate sum);
 * - each ciphertext's product with r and its log2(rows) rotations are independent: the pool runs
 *   them (and the preparation of X and y, during σ) in parallel.
 *
 * Needs depth 4 (n8192-d4 and deeper), the thesis's kind of sigmoid (c2 = 0, degree 3) and the
 * Galois steps of `sum-rows` and `sum-columns`. Anything else takes the general path (the same
 * formula with EncryptedTable operations).
 */
import type { Ciphertext } from 'node-seal';
import { SIGMOID_THESIS } from './approx.js';
import { at } from './checked.js';
import { requireArg } from './errors.js';
import { type KernelOptions, cellRowLayout, ciphertextBound, isPackedTable } from './fast-mean.js';
import { CkksError } from './errors.js';
import type { EvaluationKeys } from './keys.js';
import { nextPow2, segmentAt, type Layout, type Segment } from './layout.js';
import { capacityAt, fitsAt, requireFit, USABLE_CAPACITY } from './magnitude.js';
import { resolvePool, runHere, runPrograms, type ProgramJob } from './pool.js';
import type { Step } from './program.js';
import { free } from './seal.js';
import { EncryptedTable, tidy } from './table.js';
import { columnIndex } from './views.js';

/** The epoch's inputs. */
export interface GradientOptions extends KernelOptions {
  /** Feature columns (names or indices). */
  features: readonly (string | number)[];
  /** The 0/1 target column. */
  target: string | number;
  /** Current weights, one per feature. */
  weights: readonly number[];
  /** Current bias (default 0). */
  bias?: number;
  /** Factor s applied to both gradients (e.g. learningRate / rows; default 1: plain sums). */
  scale?: number;
  /** Ascending sigmoid coefficients (default the thesis's 0.5 + 0.197x − 0.004x³). */
  sigmoid?: readonly number[];
  /** 'general' forces the table-operation path (for comparisons); default 'fast' when possible. */
  path?: 'fast' | 'general';
}

type Resolved = Required<Omit<GradientOptions, 'pool'>> & KernelOptions;

/** The encrypted gradients: `gradient` d × 1, `bias` 1 × 1. */
export interface Gradients {
  gradient: EncryptedTable;
  bias: EncryptedTable;
}

/** The general path: the same formula with table operations. */
function generalGradient(table: EncryptedTable, o: Resolved): Gradients {
  return tidy(() => {
    const X = table.select(o.features);
    const r = X.matmul(o.weights).add(o.bias).polyval(o.sigmoid).sub(table.col(o.target));
    return { gradient: X.t().matmul(r).mul(o.scale), bias: r.sum().mul(o.scale) };
  });
}

/** A slot vector with `value` on the `rows` cells of each run starting at `offsets`. */
function runVector(slots: number, rows: number, offsets: Iterable<[number, number]>): Float64Array {
  const v = new Float64Array(slots);
  for (const [offset, value] of offsets) v.fill(value, offset, offset + rows);
  return v;
}

/** Frees `cts` when `stack` ends. */
function scoped(stack: DisposableStack, cts: Ciphertext[]): Ciphertext[] {
  stack.defer(() => {
    free(...cts);
  });
  return cts;
}

/**
 * Encrypted gradients of one logistic-regression epoch (see the module comment). Refused
 * (VALUE_OUT_OF_RANGE) when an intermediate value's bound would not fit its level.
 */
export async function logisticGradient(
  table: EncryptedTable,
  options: GradientOptions,
): Promise<Gradients> {
  table.assertLive();
  const o: Resolved = {
    bias: 0,
    scale: 1,
    sigmoid: SIGMOID_THESIS,
    path: 'fast',
    ...options,
  };
  const L = table.layout;
  const ctx = table.ctx;
  const fs = o.features.map((f) => columnIndex(table, f));
  const yj = columnIndex(table, o.target);
  requireArg(fs.length === o.weights.length, 'one weight per feature is needed');
  requireArg([...o.weights, o.bias, o.scale].every(Number.isFinite), 'weights must be finite');
  if (!fastPathApplies(table, o, fs)) return generalGradient(table, o);
  const [c0 = 0, c1 = 0, , c3 = 0] = o.sigmoid;
  const cts = table.ciphertexts();
  // The epoch uses the last four levels; deeper presets start by dropping the others (cheaper).
  const base = ctx.depth - 4;
  const sIn = at(cts, 0, 'ciphertext').scale();
  const n = L.rows;
  const S = ctx.scales;
  const sAt = (k: number) => at(S, base + k, 'level scale');
  const q = (k: number) => ctx.droppedPrime(base + k);
  const place = (j: number): Segment => segmentAt(L, j);
  const featureCts = [...new Set(fs.map((j) => place(j).ct))];
  const yPlace = place(yj);
  const width = nextPow2(n);
  const pool = resolvePool(o.pool);
  const keys = table.keys;
  using stack = new DisposableStack();

  // Bounds (every slot of every intermediate), checked against the level each lives at.
  const xb = Math.max(...featureCts.map((c) => ciphertextBound(table, c)));
  const zb =
    fs.reduce(
      (s, j, k) => s + Math.abs(at(o.weights, k)) * ciphertextBound(table, place(j).ct),
      0,
    ) + Math.abs(o.bias);
  const pb = Math.abs(c0) + Math.abs(c1) * zb + Math.abs(c3) * zb ** 3;
  const rb = pb + ciphertextBound(table, yPlace.ct);
  const gb = Math.abs(o.scale) * Math.max(xb, 1) * rb * n;
  // CKKS noise is relative to the scale, not to the values: summing s·x·r with s = 1/n would
  // cost three decimal digits. X is multiplied instead by the factor that brings the sums' bound
  // to a quarter of the capacity (room left for the plain update w − g), and the rest of s is
  // applied afterwards as a free scalar product.
  const cap = capacityAt(ctx, sAt(4), base + 4) * USABLE_CAPACITY;
  const fold = cap / 4 / (gb / Math.abs(o.scale));
  const rest = o.scale / fold;
  const need = (bound: number, level: number, what: string) => {
    if (!fitsAt(ctx, bound, sAt(level), base + level)) {
      throw new CkksError(
        'VALUE_OUT_OF_RANGE',
        `logistic gradient: ${what} may reach ±${bound.toPrecision(4)}, more than preset ` +
          `${ctx.preset.name} holds at level ${base + level}. Standardise the features, start from ` +
          'smaller weights, or scale the gradient (options.scale = learningRate / rows).',
      );
    }
  };
  need(zb, 1, 'z = Xw + b');
  need(zb * zb, 2, 'z²');
  need(rb, 3, 'σ(z) − y');
  need(gb / Math.abs(rest), 4, 'Xᵀ(σ(z) − y)');

  // z = Xw + b: plain products at level 0 (no rescale), summed, one rescale, runs added.
  const products = scoped(
    stack,
    await runPrograms(
      keys,
      featureCts.map((c) => ({
        inputs: [at(cts, c, 'ciphertext')],
        steps: [
          { op: 'modSwitch', level: base },
          {
            op: 'mulPlain',
            values: runVector(
              L.slots,
              n,
              fs.flatMap((j, k) =>
                place(j).ct === c ? [[place(j).offset, at(o.weights, k)] as [number, number]] : [],
              ),
            ),
            scale: (sAt(1) * q(0)) / sIn,
            rescale: false,
          },
        ],
      })),
      pool,
      { here: 1 },
    ),
  );
  const runs = Array.from({ length: L.slots / L.stride }, (_, k): [number, number] => [
    k * L.stride,
    o.bias,
  ]);
  const zSteps: Step[] = [
    ...products.slice(1).map((_p, k): Step => ({ op: 'addInput', input: k + 1 })),
    { op: 'rescale' },
    { op: 'setScale', scale: sAt(1) },
    { op: 'rotateSum', from: L.stride, to: L.slots },
    ...(o.bias !== 0 ? [{ op: 'addPlain', values: runVector(L.slots, n, runs) } as Step] : []),
  ];
  const z = here(stack, keys, products, zSteps);

  // In parallel: c3·z (level 2), c1·z (level 3), y spread to every run (level 3), X scaled by s
  // with the constant s on a free run (level 3); meanwhile z² here.
  const constant = (v: number) => new Float64Array(L.slots).fill(v);
  const toL3 = (from: number) => (sAt(3) * q(2)) / from;
  const biasCt = featureCts.find((c) => freeRun(L, fs, c) !== undefined);
  // Inputs at level base + 2 already (a mod-switch here is cheap; the workers get 40 % fewer bytes).
  const low = new Map<number, Ciphertext>();
  const lowered = (c: number): Ciphertext => {
    let ct = low.get(c);
    if (!ct) {
      ct = table.arith.modSwitchTo(at(cts, c, 'ciphertext'), base + 2);
      scoped(stack, [ct]);
      low.set(c, ct);
    }
    return ct;
  };
  const jobs: ProgramJob[] = [
    {
      inputs: [z],
      steps: [{ op: 'mulPlain', values: constant(c3), scale: sAt(1), rescale: true }],
    },
    {
      inputs: [z],
      steps: [
        { op: 'modSwitch', level: base + 2 },
        { op: 'mulPlain', values: constant(c1), scale: toL3(sAt(1)), rescale: true },
        { op: 'setScale', scale: sAt(3) },
      ],
    },
    {
      inputs: [lowered(yPlace.ct)],
      steps: [
        {
          op: 'mulPlain',
          values: runVector(L.slots, n, [[yPlace.offset, 1]]),
          scale: toL3(sIn),
          rescale: true,
        },
        { op: 'setScale', scale: sAt(3) },
        { op: 'rotateSum', from: L.stride, to: L.slots },
      ],
    },
    ...featureCts.map((c): ProgramJob => {
      const cells = fs.flatMap((j): [number, number][] =>
        place(j).ct === c ? [[place(j).offset, fold]] : [],
      );
      const free0 = c === biasCt ? freeRun(L, fs, c) : undefined;
      return {
        inputs: [lowered(c)],
        steps: [
          {
            op: 'mulPlain',
            values: runVector(L.slots, n, cells),
            scale: toL3(sIn),
            rescale: true,
          },
          { op: 'setScale', scale: sAt(3) },
          ...(free0 !== undefined
            ? [{ op: 'addPlain', values: runVector(L.slots, n, [[free0, fold]]) } as Step]
            : []),
        ],
      };
    }),
  ];
  const pending = runPrograms(keys, jobs, pool);
  const zz = here(stack, keys, [z], [{ op: 'square' }]);
  const [u, t1, y, ...xs] = scoped(stack, await pending);
  if (!u || !t1 || !y) throw new Error('unreachable: missing program results');

  // r = (z²·c3z + c1z + c0) − y at level 3.
  const r = here(
    stack,
    keys,
    [zz, u, t1, y],
    [
      { op: 'mulInput', input: 1 },
      { op: 'addInput', input: 2 },
      { op: 'addPlain', values: constant(c0) },
      { op: 'addInput', input: 3, subtract: true },
    ],
  );

  // Per ciphertext: s·X ⊙ r, then the rows summed (in parallel).
  const sums = await runPrograms(
    keys,
    xs.map((x) => ({
      inputs: [x, r],
      steps: [
        { op: 'mulInput', input: 1 },
        { op: 'rotateSum', from: 1, to: width },
      ],
    })),
    pool,
    { here: 1 },
  );
  if (rest !== 1) {
    for (const [i, ct] of sums.entries()) {
      const scaled = table.arith.mulScalar(ct, rest);
      ct.delete();
      sums[i] = scaled;
    }
  }
  return gradientTables(table, sums, fs, featureCts, biasCt ?? -1, gb);
}

/** True if the fast path handles this table, sigmoid and key set. */
function fastPathApplies(table: EncryptedTable, o: Resolved, fs: readonly number[]): boolean {
  const L = table.layout;
  const ctx = table.ctx;
  if (o.path === 'general' || !isPackedTable(table) || ctx.depth < 4 || o.scale === 0) return false;
  const [, , c2 = 0, c3 = 0] = o.sigmoid;
  if (o.sigmoid.length > 4 || c2 !== 0 || c3 === 0) return false;
  const cts = table.ciphertexts();
  const sIn = cts[0]?.scale();
  const base = ctx.depth - 4;
  if (!cts.every((ct) => table.arith.level(ct) <= base && ct.scale() === sIn)) return false;
  const stepsNeeded: number[] = [];
  for (let k = 1; k < nextPow2(L.rows); k *= 2) stepsNeeded.push(k);
  for (let k = L.stride; k < L.slots; k *= 2) stepsNeeded.push(k);
  if (!stepsNeeded.every((k) => table.keys.hasStep(k))) return false;
  return fs.some((j) => freeRun(L, fs, segmentAt(L, j).ct) !== undefined);
}

/** Offset of a run of ciphertext `c` that holds no feature, if any. */
function freeRun(L: Layout, fs: readonly number[], c: number): number | undefined {
  const used = new Set(
    fs
      .map((j) => segmentAt(L, j))
      .filter((s) => s.ct === c)
      .map((s) => s.offset),
  );
  for (let off = 0; off < L.slots; off += L.stride) if (!used.has(off)) return off;
  return undefined;
}

/** Runs a program in this thread; the result is freed with `stack`. */
function here(
  stack: DisposableStack,
  keys: EvaluationKeys,
  inputs: readonly Ciphertext[],
  steps: readonly Step[],
): Ciphertext {
  const ct = runHere(keys, inputs, steps);
  stack.defer(() => {
    free(ct);
  });
  return ct;
}

/** The d × 1 gradient and 1 × 1 bias tables over the row sums (taken over). */
function gradientTables(
  table: EncryptedTable,
  sums: Ciphertext[],
  fs: readonly number[],
  featureCts: readonly number[],
  biasCt: number,
  bound: number,
): Gradients {
  const L = table.layout;
  const ctx = table.ctx;
  try {
    requireFit(ctx, sums, bound, 'logistic gradient');
    const place = fs.map((j) => {
      const s = segmentAt(L, j);
      return [{ ct: featureCts.indexOf(s.ct), offset: s.offset }];
    });
    const names = fs.map((_j, k) => `r${k}`);
    const biasIndex = featureCts.indexOf(biasCt);
    const biasSum = at(sums, biasIndex, 'bias ciphertext').clone();
    const biasOffset = freeRun(L, fs, biasCt) ?? 0;
    const gradient = new EncryptedTable(
      table.keys,
      sums,
      cellRowLayout(ctx, place, sums.length),
      true,
      names,
      undefined,
      bound,
    );
    const bias = new EncryptedTable(
      table.keys,
      [biasSum],
      cellRowLayout(ctx, [[{ ct: 0, offset: biasOffset }]], 1),
      false,
      ['bias'],
      undefined,
      bound,
    );
    return { gradient, bias };
  } catch (e) {
    free(...sums);
    throw e;
  }
}
