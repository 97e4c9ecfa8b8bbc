/**
 * Bench of the buyer's two computations per preset: the engine's fast kernels with the worker
 * pool off and on, the general table path, raw node-seal doing the same operations, operation
 * counts, bundle size and the error against plain arithmetic. Medians of 5 runs after a warm-up.
 */
import {
  columnMeans,
  createTradeKeys,
  decryptTable,
  encryptTable,
  encryptTableAsync,
  galoisStepsFor,
  loadBundle,
  logisticGradient,
  serializeBundle,
  sharedPool,
  tidy,
  type EncryptedTable,
  type PresetName,
  type TradeKeys,
} from '../src/ckks/index.js';
import { arithFor } from '../src/ckks/table.js';
import { FEATURES, TARGET } from './data.js';
import { approxSigmoid, initialModel, plainEpoch } from './lr.js';
import { rawGradient, rawMean } from './raw.js';

export const RUNS = 5;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  const at = (k: number): number => s[k] ?? NaN;
  return s.length % 2 ? at(m) : (at(m - 1) + at(m)) / 2;
}

/**
 * Medians of RUNS calls of each function, interleaved (a, b, c, a, b, c, ...) after a warm-up of
 * each, so a change in the machine's load hits all of them alike. NaN for a refused function.
 */
export async function timeEach(fns: (() => unknown)[]): Promise<number[]> {
  const once = async (fn: () => unknown) => {
    const t0 = performance.now();
    const out = await fn();
    const dt = performance.now() - t0;
    dispose(out);
    return dt;
  };
  const ok = fns.map(() => true);
  for (const [i, fn] of fns.entries()) {
    try {
      await once(fn);
    } catch {
      ok[i] = false;
    }
  }
  const xs = fns.map(() => [] as number[]);
  for (let r = 0; r < RUNS; r++) {
    for (const [i, fn] of fns.entries()) if (ok[i]) xs[i]?.push(await once(fn));
  }
  return xs.map((x, i) => (ok[i] ? median(x) : NaN));
}

function dispose(x: unknown): void {
  if (!x || typeof x !== 'object') return;
  if ('dispose' in x && typeof x.dispose === 'function') {
    (x as { dispose(): void }).dispose();
    return;
  }
  if ('delete' in x && typeof x.delete === 'function') {
    (x as { delete(): void }).delete();
    return;
  }
  if (Array.isArray(x)) for (const v of x) dispose(v);
  else for (const v of Object.values(x)) dispose(v);
}

export interface Counts {
  refused?: boolean;
  rotations: number;
  multiplications: number;
  relinearizations: number;
  rescales: number;
}

async function countOps(t: EncryptedTable, fn: () => Promise<unknown>): Promise<Counts> {
  const s = arithFor(t.keys).stats;
  const before = { ...s };
  let refused = false;
  try {
    dispose(await fn());
  } catch {
    refused = true;
  }
  return {
    refused,
    rotations: s.rotations - before.rotations,
    multiplications: s.multiplications - before.multiplications,
    relinearizations: s.relinearizations - before.relinearizations,
    rescales: s.rescales - before.rescales,
  };
}

export interface Row {
  preset: PresetName;
  poolOff: number;
  poolOn: number;
  general: number;
  raw: number;
  counts: Counts;
  generalCounts: Counts;
  bundleBytes: number;
  encryptOff: number;
  encryptOn: number;
  error: number;
  note: string;
}

async function bundleFor(keys: TradeKeys, data: number[][], columns: string[]) {
  const [encryptOff = NaN, encryptOn = NaN] = await timeEach([
    () => encryptTable(keys, data, columns),
    () => encryptTableAsync(keys, data, columns, { pool: sharedPool() }),
  ]);
  const enc = encryptTable(keys, data, columns);
  const bundle = serializeBundle(enc);
  enc.dispose();
  const loaded = await loadBundle(bundle.bytes);
  return { loaded, bundleBytes: bundle.bytes.length, encryptOff, encryptOn };
}

/** Mean of the raw `age` column of `raw` under `preset`. */
export async function meanRow(
  preset: PresetName,
  raw: number[][],
  columns: string[],
): Promise<Row> {
  const keys = await createTradeKeys(preset, {
    galoisSteps: galoisStepsFor(preset, [raw.length, columns.length], ['sum-rows']),
  });
  const { loaded, bundleBytes, encryptOff, encryptOn } = await bundleFor(keys, raw, columns);
  const T = loaded.table;
  const j = columns.indexOf('age');
  const plain = raw.reduce((s, r) => s + (r[j] ?? NaN), 0) / raw.length;
  const pool = sharedPool();
  const m = await columnMeans(T, ['age'], { pool: false });
  const level = m.level;
  const error = Math.abs((decryptTable(m, keys)[0]?.[0] ?? NaN) - plain);
  m.dispose();
  const [poolOff = NaN, poolOn = NaN, general = NaN, raw0 = NaN] = await timeEach([
    () => columnMeans(T, ['age'], { pool: false }),
    () => columnMeans(T, ['age'], { pool }),
    () => tidy(() => T.col('age').mean()),
    () => rawMean(T, j, level),
  ]);
  const counts = await countOps(T, () => columnMeans(T, ['age'], { pool: false }));
  const generalCounts = await countOps(T, async () => {
    await Promise.resolve();
    return T.col('age').mean();
  });
  const L = T.layout;
  const blocks = (L.place[j]?.length ?? 1) > 1 ? `, row blocks of ${String(L.stride)}` : '';
  const note = `summed at level ${String(level)}${blocks}`;
  loaded.dispose();
  keys.dispose();
  return {
    preset,
    poolOff,
    poolOn,
    general,
    raw: raw0,
    counts,
    generalCounts,
    bundleBytes,
    encryptOff,
    encryptOn,
    error,
    note,
  };
}

/** One epoch (gradient, then the plain update) on standardized data under `preset`. */
export async function epochRow(
  preset: PresetName,
  std: number[][],
  columns: string[],
): Promise<Row & { accuracy: number; plainAccuracy: number }> {
  const keys = await createTradeKeys(preset, {
    galoisSteps: galoisStepsFor(preset, [std.length, columns.length], ['sum-rows', 'sum-columns']),
  });
  const { loaded, bundleBytes, encryptOff, encryptOn } = await bundleFor(keys, std, columns);
  const T = loaded.table;
  const n = std.length;
  const init = initialModel(FEATURES.length);
  const options = {
    features: FEATURES,
    target: TARGET,
    weights: init.w,
    bias: init.b,
    scale: 1 / n,
  };
  // The full epoch: encrypted gradient, then w − g and b − g_b (plain minus encrypted, free).
  const epoch = async (pool: boolean) => {
    const g = await logisticGradient(T, { ...options, pool: pool ? sharedPool() : false });
    const w = g.gradient.rsub(init.w);
    const b = g.bias.rsub(init.b);
    g.gradient.dispose();
    g.bias.dispose();
    return { w, b };
  };
  const fi = FEATURES.map((f) => columns.indexOf(f));
  const [poolOff = NaN, poolOn = NaN, general = NaN, raw0 = NaN] = await timeEach([
    () => epoch(false),
    () => epoch(true),
    () => logisticGradient(T, { ...options, path: 'general' }),
    () => rawGradient(T, fi, columns.indexOf(TARGET), init.w, init.b, 1 / n),
  ]);
  const { w, b } = await epoch(false);
  const ew = decryptTable(w, keys).map((r) => r[0] ?? NaN);
  const eb = decryptTable(b, keys)[0]?.[0] ?? NaN;
  w.dispose();
  b.dispose();
  const X = std.map((r) => r.slice(0, FEATURES.length));
  const y = std.map((r) => r[FEATURES.length] ?? NaN);
  const plain = plainEpoch(X, y, init, 1, approxSigmoid);
  const error = Math.max(
    ...ew.map((v, k) => Math.abs(v - (plain.w[k] ?? NaN))),
    Math.abs(eb - plain.b),
  );
  const { accuracy } = await import('./lr.js');
  const counts = await countOps(T, () => logisticGradient(T, { ...options, pool: false }));
  const generalCounts = await countOps(T, () =>
    logisticGradient(T, { ...options, path: 'general' }),
  );
  loaded.dispose();
  keys.dispose();
  return {
    preset,
    poolOff,
    poolOn,
    general,
    raw: raw0,
    counts,
    generalCounts,
    bundleBytes,
    encryptOff,
    encryptOn,
    error,
    note: '',
    accuracy: accuracy(X, y, { w: ew, b: eb }),
    plainAccuracy: accuracy(X, y, plain),
  };
}
