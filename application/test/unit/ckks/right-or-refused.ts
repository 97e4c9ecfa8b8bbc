/**
 * Support for the right-or-refused tests: Framingham-like synthetic columns (the real CSV is not
 * available in CI), the trade's release path, and the precision a preset promises.
 */
import { expect } from 'chai';
import {
  allPowerOfTwoSteps,
  CkksError,
  createTradeKeys,
  getPreset,
  loadResult,
  safeDecrypt,
  serializeResult,
  type EncryptedTable,
  type PresetName,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { keysFor, rng } from './helpers.js';

/** The Framingham columns' ranges (age in years, cholesterol and glucose in mg/dL, sysBP mmHg). */
export const FRAMINGHAM = {
  age: [32, 70],
  totChol: [100, 700],
  sysBP: [80, 300],
  glucose: [40, 400],
} as const;

/** rows × 4 synthetic columns in the Framingham ranges (whole numbers, sysBP in halves). */
export function framingham(rows: number, seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: rows }, () =>
    Object.entries(FRAMINGHAM).map(([name, [lo, hi]]) => {
      const v = lo + (hi - lo) * r();
      return name === 'sysBP' ? Math.round(v * 2) / 2 : Math.round(v);
    }),
  );
}

/** What came out of a computation: refused when computed, or the released values. */
export type Outcome = { refused: CkksError } | { values: number[] };

/** Keys with only the positive power-of-two rotations (enough for sums; small for n16384). */
const sumKeys = new Map<PresetName, Promise<TradeKeys>>();
export function keysForSums(preset: PresetName): Promise<TradeKeys> {
  if (preset !== 'n16384-d9') return keysFor(preset);
  let k = sumKeys.get(preset);
  if (!k) {
    k = createTradeKeys(preset, { galoisSteps: allPowerOfTwoSteps(preset).slice(0, 10) });
    sumKeys.set(preset, k);
  }
  return k;
}

/**
 * Runs `compute` (a compute-time VALUE_OUT_OF_RANGE is a refusal), then the whole release path a
 * trade uses: serializeResult, loadResult, safeDecrypt without flooding. Any error after the
 * computation fails the test: a result is refused when computed or released right.
 */
export async function release(keys: TradeKeys, compute: () => EncryptedTable): Promise<Outcome> {
  let t: EncryptedTable;
  try {
    t = compute();
  } catch (e) {
    if (
      e instanceof CkksError &&
      ['VALUE_OUT_OF_RANGE', 'DEPTH_EXHAUSTED', 'SCALE_OUT_OF_RANGE'].includes(e.code)
    ) {
      return { refused: e };
    }
    throw e;
  }
  const bytes = serializeResult(t).bytes;
  t.dispose();
  const r = await loadResult(bytes, keys, { maxValues: 1000 });
  try {
    const policy = { maxValues: 1000, decimals: 9, statisticalSecurityBits: 0 };
    return { values: safeDecrypt(r, keys, policy).values };
  } finally {
    r.dispose();
  }
}

/**
 * The precision a preset promises for a result of magnitude up to `magnitude` computed over
 * `count` values: the absolute noise grows with the number of values added, the relative
 * rounding of the constants with the magnitude (scale Δ leaves scaleBits − 16 bits of it).
 */
export function precision(preset: PresetName, magnitude: number, count = 1): number {
  const p = getPreset(preset);
  return 2 ** -(p.scaleBits - 16) * (Math.max(1, magnitude) + Math.sqrt(count));
}

export function expectRightOrRefused(
  outcome: Outcome,
  expected: readonly number[],
  tol: number,
  what: string,
): 'right' | 'refused' {
  if ('refused' in outcome) {
    expect(outcome.refused.message, what).to.match(/headroom|wrap|level|modulus/);
    return 'refused';
  }
  expect(outcome.values, what).to.have.length(expected.length);
  outcome.values.forEach((v, k) => {
    const want = expected[k] ?? NaN;
    expect(Math.abs(v - want), `${what}[${k}]: released ${v}, plain ${want}`).to.be.at.most(tol);
  });
  return 'right';
}
