/**
 * Shared fixtures for the CKKS tests: key sets (created once per process and preset), seeded
 * random data, plain reference arithmetic and tolerance checks.
 */
import { expect } from 'chai';
import {
  allPowerOfTwoSteps,
  CkksError,
  createTradeKeys,
  decryptTable,
  EncryptedTable,
  type PresetName,
  type TradeKeys,
} from '../../../src/ckks/index.js';

const keyCache = new Map<string, Promise<TradeKeys>>();

/**
 * Keys for `preset` with all positive and negative power-of-two Galois steps (shared by the test
 * files; never dispose them).
 */
export function keysFor(preset: PresetName): Promise<TradeKeys> {
  let k = keyCache.get(preset);
  if (!k) {
    const steps = allPowerOfTwoSteps(preset);
    k = createTradeKeys(preset, { galoisSteps: [...steps, ...steps.map((s) => -s)] });
    keyCache.set(preset, k);
  }
  return k;
}

/** Deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** rows × cols matrix of uniform values in [lo, hi). */
export function randomMatrix(
  rows: number,
  cols: number,
  seed: number,
  lo = -1,
  hi = 1,
): number[][] {
  const r = rng(seed);
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => lo + (hi - lo) * r()),
  );
}

/** `xs[i]`, failing the test if it is missing (for indices the test itself computed). */
export function at<T>(xs: ArrayLike<T>, i: number): T {
  const v = xs[i];
  if (v === undefined) throw new Error(`index ${i} is out of range (length ${xs.length})`);
  return v;
}

/** `m[i][j]`, failing the test if it is missing. */
export function cell(m: ArrayLike<ArrayLike<number>>, i: number, j: number): number {
  return at(at(m, i), j);
}

export const plain = {
  map: (a: number[][], f: (v: number, i: number, j: number) => number) =>
    a.map((row, i) => row.map((v, j) => f(v, i, j))),
  zip: (a: number[][], b: number[][], f: (x: number, y: number) => number) =>
    a.map((row, i) => row.map((v, j) => f(v, cell(b, i, j)))),
  transpose: (a: number[][]) =>
    Array.from({ length: at(a, 0).length }, (_, j) => a.map((r) => at(r, j))),
  sum0: (a: number[][]) => [
    Array.from({ length: at(a, 0).length }, (_, j) => a.reduce((s, r) => s + at(r, j), 0)),
  ],
  sum1: (a: number[][]) => a.map((r) => [r.reduce((s, v) => s + v, 0)]),
  sum: (a: number[][]) => [[a.flat().reduce((s, v) => s + v, 0)]],
  matvec: (a: number[][], w: number[]) =>
    a.map((r) => [r.reduce((s, v, j) => s + v * at(w, j), 0)]),
};

/** Asserts two matrices have the same shape and entries within `tol` (absolute). */
export function expectClose(
  actual: number[][],
  expected: number[][],
  tol: number,
  what = '',
): void {
  expect(actual.length, `${what} rows`).to.equal(expected.length);
  let worst = 0;
  actual.forEach((row, i) => {
    const e = at(expected, i);
    expect(row.length, `${what} cols of row ${i}`).to.equal(e.length);
    row.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - at(e, j)));
    });
  });
  expect(worst, `${what} max abs error`).to.be.at.most(tol);
}

/** Decrypts `t` with `keys`, compares with `expected`, disposes `t`. */
export function check(
  t: EncryptedTable,
  keys: TradeKeys,
  expected: number[][],
  tol: number,
  what = '',
): void {
  try {
    expect(t.shape(), `${what} shape`).to.deep.equal([expected.length, at(expected, 0).length]);
    expectClose(decryptTable(t, keys), expected, tol, what);
  } finally {
    t.dispose();
  }
}

/** Asserts `fn` throws a CkksError with `code` (and optionally a message matching `re`). */
export async function expectCode(fn: () => unknown, code: string, re?: RegExp): Promise<CkksError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected CkksError ${code}`).to.be.instanceOf(CkksError);
  const err = caught as CkksError;
  expect(err.code, err.message).to.equal(code);
  if (re) expect(err.message).to.match(re);
  return err;
}

export { EncryptedTable };
