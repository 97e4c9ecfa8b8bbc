/**
 * Magnitude tracking. A CKKS ciphertext holds round(x·scale) modulo the product Q of the primes
 * left at its level; once |x|·scale reaches Q/2 the value wraps around and decrypts to garbage
 * that looks like an ordinary number. Every table therefore carries a bound on |cell| (in fact on
 * every slot: the engine keeps non-cell slots zero or copies of cells), each operation updates
 * it, and an operation whose bound does not fit its level is refused when it is computed.
 */
import type { Ciphertext } from 'node-seal';
import type { CkksContext } from './context.js';
import { CkksError } from './errors.js';

/**
 * Share of the capacity a bound may use: the rest is room for the decryption error (far below
 * 1% of the capacity on every preset) and for the rounding of the bound arithmetic itself.
 */
export const USABLE_CAPACITY = 0.99;

/** Largest |value| a ciphertext of `scale` at `level` can hold without wrapping around. */
export function capacityAt(ctx: CkksContext, scale: number, level: number): number {
  return 2 ** (ctx.modulusBits(level) - 1) / scale;
}

/**
 * True if values up to `bound` fit a ciphertext of `scale` at `level`, with the margin. The
 * scale itself must fit too (capacity above 1), whatever the bound: SEAL refuses a ciphertext
 * whose scale reaches the modulus, so a tiny bound alone does not make a level usable.
 */
export function fitsAt(ctx: CkksContext, bound: number, scale: number, level: number): boolean {
  const capacity = capacityAt(ctx, scale, level);
  return capacity > 1 && bound <= capacity * USABLE_CAPACITY;
}

/** The lowest level (≥ `from`) at which `bound` still fits, or undefined if none does. */
export function lowestFittingLevel(
  ctx: CkksContext,
  bound: number,
  scale: number,
  from: number,
): number | undefined {
  let found: number | undefined;
  for (let l = from; l <= ctx.depth; l++) {
    if (fitsAt(ctx, bound, scale, l)) found = l;
    else break;
  }
  return found;
}

/** The preset's documented range (fresh scale, last level): the default bound of a table. */
export function presetRange(ctx: CkksContext): number {
  return 2 ** (ctx.preset.headroomBits - 1);
}

/** Largest |v| of plain values (0 for none). */
export function maxAbs(values: Iterable<number>): number {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return m;
}

/** Largest |v| of a plain operand (scalar, vector or matrix). */
export function plainMaxAbs(
  x: number | readonly number[] | readonly (readonly number[])[],
): number {
  if (typeof x === 'number') return Math.abs(x);
  let m = 0;
  for (const r of x) m = Math.max(m, typeof r === 'number' ? Math.abs(r) : maxAbs(r));
  return m;
}

function fmt(x: number): string {
  return x < 1e6 && x >= 1e-3 ? String(Number(x.toPrecision(6))) : x.toExponential(3);
}

/**
 * Throws VALUE_OUT_OF_RANGE unless values up to `bound` fit every one of `cts`. The message names
 * the operation, the bound and what to do instead.
 */
export function requireFit(
  ctx: CkksContext,
  cts: readonly Ciphertext[],
  bound: number,
  operation: string,
): void {
  if (!Number.isFinite(bound)) {
    throw headroomError(ctx, operation, bound, 0, ctx.depth);
  }
  for (const ct of cts) {
    const level = ctx.level(ct);
    if (!fitsAt(ctx, bound, ct.scale(), level)) {
      const cap = capacityAt(ctx, ct.scale(), level) * USABLE_CAPACITY;
      throw headroomError(ctx, operation, bound, cap, level);
    }
  }
}

function headroomError(
  ctx: CkksContext,
  operation: string,
  bound: number,
  cap: number,
  level: number,
): CkksError {
  return new CkksError(
    'VALUE_OUT_OF_RANGE',
    `${operation}: the result may reach ±${fmt(bound)}, but preset ${ctx.preset.name} holds at ` +
      `most ±${fmt(cap)} at level ${level}; the value would wrap around and decrypt wrong. ` +
      'Use a preset with more headroom, divide before summing (mean() does), or standardise ' +
      'the data (subtract a centre, divide by a spread) before encrypting.',
  );
}
