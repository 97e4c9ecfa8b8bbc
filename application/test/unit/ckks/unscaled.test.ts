/**
 * Right or refused on unscaled data (issue 9): every result is either within the preset's
 * precision of the plain answer or refused when it is computed, never released wrong.
 * Framingham-like synthetic columns (the real CSV is not available in CI).
 */
import { expect } from 'chai';
import {
  allPowerOfTwoSteps,
  CkksError,
  createTradeKeys,
  encryptTable,
  getPreset,
  loadResult,
  PRESET_NAMES,
  safeDecrypt,
  serializeResult,
  type EncryptedTable,
  type PresetName,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { keysFor, plain, rng } from './helpers.js';

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
    k = createTradeKeys(preset, { galoisSteps: allPowerOfTwoSteps(preset).slice(0, 11) });
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
    if (e instanceof CkksError && ['VALUE_OUT_OF_RANGE', 'DEPTH_EXHAUSTED'].includes(e.code)) {
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
    expect(outcome.refused.message, what).to.match(/headroom|wrap|level/);
    return 'refused';
  }
  expect(outcome.values, what).to.have.length(expected.length);
  outcome.values.forEach((v, k) => {
    const want = expected[k] ?? NaN;
    expect(Math.abs(v - want), `${what}[${k}]: released ${v}, plain ${want}`).to.be.at.most(tol);
  });
  return 'right';
}

describe('ckks right or refused on unscaled data', function () {
  this.timeout(300_000);
  const data = framingham(1000, 9);
  const means = plain.sum0(data)[0]?.map((s) => s / data.length) ?? [];
  const sums = plain.sum0(data)[0] ?? [];

  for (const preset of PRESET_NAMES) {
    it(`means and sums of the raw Framingham columns on ${preset}`, async () => {
      const keys = await keysForSums(preset);
      const T = encryptTable(keys, data, Object.keys(FRAMINGHAM));
      try {
        const m = await release(keys, () => T.mean(0));
        const s = await release(keys, () => T.sum(0));
        const top = Math.max(...means);
        const got = expectRightOrRefused(m, means, precision(preset, top, 1000), 'mean');
        // A mean never overflows because of its intermediate sum when a level is left for it.
        if (getPreset(preset).depth > 0) expect(got, `mean on ${preset}`).to.equal('right');
        expectRightOrRefused(s, sums, precision(preset, Math.max(...sums), 1000), 'sum');
        for (const [j, name] of Object.keys(FRAMINGHAM).entries()) {
          const one = await release(keys, () => T.col(name).mean());
          expectRightOrRefused(one, [means[j] ?? NaN], precision(preset, top, 1000), name);
        }
      } finally {
        T.dispose();
      }
    });
  }

  it('releases the mean of the raw age column as 49.76-ish, never 33.375 (n8192-d2)', async () => {
    const keys = await keysFor('n8192-d2');
    const ages = framingham(1000, 3).map((r) => [r[0] ?? NaN]);
    const want = ages.reduce((n, [a]) => n + (a ?? NaN), 0) / ages.length;
    const T = encryptTable(keys, ages, ['age']);
    try {
      const m = await release(keys, () => T.mean());
      expect(expectRightOrRefused(m, [want], 1e-6, 'mean age')).to.equal('right');
    } finally {
      T.dispose();
    }
  });

  const longPresets: PresetName[] = ['n4096-d0', 'n4096-d1', 'n8192-d2', 'n8192-d4'];
  for (const rows of [5000, 10000]) {
    it(`means a column of ${rows} values of 0.983 (every preset up to N = 8192)`, async () => {
      for (const preset of longPresets) {
        const keys = await keysForSums(preset);
        const T = encryptTable(keys, Array.from({ length: rows }, () => [0.983]));
        try {
          const m = await release(keys, () => T.mean());
          const got = expectRightOrRefused(m, [0.983], precision(preset, 1, rows), preset);
          if (getPreset(preset).depth > 0) expect(got, preset).to.equal('right');
          const s = await release(keys, () => T.sum());
          expectRightOrRefused(s, [0.983 * rows], precision(preset, rows, rows), preset);
        } finally {
          T.dispose();
        }
      }
    });
  }

  for (const rows of [5000, 20000, 100000]) {
    it(`means and sums of ${rows} raw totChol and glucose values`, async () => {
      const cols = framingham(rows, rows).map((r) => [r[1] ?? NaN, r[3] ?? NaN]);
      const colSums = plain.sum0(cols)[0] ?? [];
      const colMeans = colSums.map((s) => s / rows);
      for (const preset of rows === 100000 ? ['n8192-d2' as const] : longPresets) {
        const keys = await keysForSums(preset);
        const T = encryptTable(keys, cols, ['totChol', 'glucose']);
        try {
          const m = await release(keys, () => T.mean(0));
          const got = expectRightOrRefused(m, colMeans, precision(preset, 700, rows), preset);
          if (getPreset(preset).depth > 0) expect(got, preset).to.equal('right');
          const s = await release(keys, () => T.sum(0));
          expectRightOrRefused(s, colSums, precision(preset, 700 * rows, rows), preset);
        } finally {
          T.dispose();
        }
      }
    });
  }
});
