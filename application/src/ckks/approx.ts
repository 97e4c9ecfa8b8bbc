/**
 * Polynomial approximations (plain math, no SEAL): the coefficients CKKS can evaluate in place of
 * functions it cannot compute exactly (sigmoid, |x|, max). Coefficients are in ascending order:
 * c0 + c1·x + c2·x^2 + ...
 */
import { requireArg } from './errors.js';

/**
 * The thesis's sigmoid approximation σ(x) ≈ 0.5 + 0.197·x − 0.004·x³: within 0.04 of the logistic
 * function on [−3, 3]; leaves [0, 1] beyond about ±4.5 (keep X·w small, e.g. standardize X).
 */
export const SIGMOID_THESIS: readonly number[] = Object.freeze([0.5, 0.197, 0, -0.004]);

/** Exact logistic function (plain reference). */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Evaluates a polynomial (ascending coefficients) in plain arithmetic (Horner). */
export function polyvalPlain(coefficients: readonly number[], x: number): number {
  let acc = 0;
  for (let k = coefficients.length - 1; k >= 0; k--) acc = acc * x + (coefficients[k] as number);
  return acc;
}

/** A fitted polynomial and its maximum error on the fitted range. */
export interface Approximation {
  readonly coefficients: readonly number[];
  readonly range: readonly [number, number];
  readonly maxError: number;
}

/**
 * Chebyshev interpolation of `fn` on [lo, hi] with the given degree, returned in the monomial
 * basis of x. Degree <= 16 (monomial coefficients become ill-conditioned beyond).
 */
export function chebyshevFit(
  fn: (x: number) => number,
  lo: number,
  hi: number,
  degree: number,
): Approximation {
  requireArg(
    Number.isFinite(lo) && Number.isFinite(hi) && lo < hi,
    'range must be [lo, hi], lo < hi',
  );
  requireArg(Number.isInteger(degree) && degree >= 1 && degree <= 16, 'degree must be 1..16');
  const n = degree + 1;
  const mid = (lo + hi) / 2;
  const half = (hi - lo) / 2;
  // Chebyshev coefficients of f(mid + half·t) on t ∈ [−1, 1].
  const cheb: number[] = [];
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) {
      const theta = (Math.PI * (k + 0.5)) / n;
      s += fn(mid + half * Math.cos(theta)) * Math.cos(j * theta);
    }
    cheb.push(((j === 0 ? 1 : 2) / n) * s);
  }
  // Monomial coefficients in t: T0 = 1, T1 = t, T(j+1) = 2t·T(j) − T(j−1).
  let prev = [1];
  let cur = [0, 1];
  const inT = new Array<number>(n).fill(0);
  inT[0] = cheb[0] as number;
  if (n > 1) inT[1] = (inT[1] as number) + (cheb[1] as number);
  for (let j = 2; j < n; j++) {
    const next = new Array<number>(j + 1).fill(0);
    for (let i = 0; i < cur.length; i++)
      next[i + 1] = (next[i + 1] as number) + 2 * (cur[i] as number);
    for (let i = 0; i < prev.length; i++) next[i] = (next[i] as number) - (prev[i] as number);
    for (let i = 0; i <= j; i++)
      inT[i] = (inT[i] as number) + (cheb[j] as number) * (next[i] as number);
    prev = cur;
    cur = next;
  }
  // Substitute t = (x − mid) / half and expand in x.
  const inX = new Array<number>(n).fill(0);
  for (let k = 0; k < n; k++) {
    // (x − mid)^k / half^k = Σ_i C(k,i) x^i (−mid)^(k−i) / half^k
    let binom = 1;
    for (let i = 0; i <= k; i++) {
      if (i > 0) binom = (binom * (k - i + 1)) / i;
      inX[i] = (inX[i] as number) + ((inT[k] as number) * binom * (-mid) ** (k - i)) / half ** k;
    }
  }
  const biggest = Math.max(...inX.map(Math.abs));
  const coefficients = inX.map((c) => (Math.abs(c) < 1e-13 * biggest ? 0 : c));
  let maxError = 0;
  for (let g = 0; g <= 2000; g++) {
    const x = lo + ((hi - lo) * g) / 2000;
    maxError = Math.max(maxError, Math.abs(polyvalPlain(coefficients, x) - fn(x)));
  }
  const range: readonly [number, number] = [lo, hi];
  return Object.freeze({ coefficients: Object.freeze(coefficients), range, maxError });
}

/** Even polynomial approximation of |x| on [−range, range] (smooth: wrong by maxError near 0). */
export function absApproximation(range: number, degree = 8): Approximation {
  requireArg(range > 0 && Number.isFinite(range), 'range must be a positive number');
  const fit = chebyshevFit(Math.abs, -range, range, degree);
  const coefficients = fit.coefficients.map((c, k) => (k % 2 === 1 ? 0 : c));
  return { ...fit, coefficients };
}
