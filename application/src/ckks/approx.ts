/**
 * Polynomial approximations (plain math, no SEAL): the coefficients CKKS can evaluate in place of
 * functions it cannot compute exactly (sigmoid, |x|, max). Coefficients are in ascending order:
 * c0 + c1·x + c2·x^2 + ...
 */
import { at } from './checked.js';
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
  return coefficients.reduceRight((acc, c) => acc * x + c, 0);
}

/** A fitted polynomial and its maximum error on the fitted range. */
export interface Approximation {
  readonly coefficients: readonly number[];
  readonly range: readonly [number, number];
  readonly maxError: number;
}

/** Chebyshev coefficients of f(mid + half·t) on t ∈ [−1, 1], n of them. */
function chebyshevCoefficients(
  fn: (x: number) => number,
  mid: number,
  half: number,
  n: number,
): number[] {
  return Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let k = 0; k < n; k++) {
      const theta = (Math.PI * (k + 0.5)) / n;
      s += fn(mid + half * Math.cos(theta)) * Math.cos(j * theta);
    }
    return ((j === 0 ? 1 : 2) / n) * s;
  });
}

/** Monomial coefficients in t of Σ cheb[j]·T_j(t): T0 = 1, T1 = t, T(j+1) = 2t·T(j) − T(j−1). */
function chebyshevToMonomial(cheb: readonly number[]): number[] {
  let prev = [1];
  let cur = [0, 1];
  let inT = cheb.map((c, i) => (i === 0 ? c : i === 1 ? 0 + c : 0));
  for (const [j, cj] of cheb.entries()) {
    if (j < 2) continue;
    // next[i] = 2·cur[i − 1] − prev[i], evaluated in the same order as the recurrence.
    const next = Array.from(
      { length: j + 1 },
      (_, i) => (i > 0 ? 0 + 2 * at(cur, i - 1) : 0) - (i < prev.length ? at(prev, i) : 0),
    );
    inT = inT.map((v, i) => (i <= j ? v + cj * at(next, i) : v));
    prev = cur;
    cur = next;
  }
  return inT;
}

/** Substitutes t = (x − mid) / half into Σ inT[k]·t^k and expands in x. */
function expandInX(inT: readonly number[], mid: number, half: number): number[] {
  const inX = inT.map(() => 0);
  for (const [k, tk] of inT.entries()) {
    // (x − mid)^k / half^k = Σ_i C(k,i) x^i (−mid)^(k−i) / half^k
    let binom = 1;
    for (let i = 0; i <= k; i++) {
      if (i > 0) binom = (binom * (k - i + 1)) / i;
      inX[i] = at(inX, i) + (tk * binom * (-mid) ** (k - i)) / half ** k;
    }
  }
  return inX;
}

/** Largest |p(x) − fn(x)| on 2001 evenly spaced points of [lo, hi]. */
function maxErrorOn(
  coefficients: readonly number[],
  fn: (x: number) => number,
  lo: number,
  hi: number,
): number {
  let maxError = 0;
  for (let g = 0; g <= 2000; g++) {
    const x = lo + ((hi - lo) * g) / 2000;
    maxError = Math.max(maxError, Math.abs(polyvalPlain(coefficients, x) - fn(x)));
  }
  return maxError;
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
  const mid = (lo + hi) / 2;
  const half = (hi - lo) / 2;
  const inT = chebyshevToMonomial(chebyshevCoefficients(fn, mid, half, degree + 1));
  const inX = expandInX(inT, mid, half);
  const biggest = Math.max(...inX.map(Math.abs));
  const coefficients = inX.map((c) => (Math.abs(c) < 1e-13 * biggest ? 0 : c));
  const maxError = maxErrorOn(coefficients, fn, lo, hi);
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
