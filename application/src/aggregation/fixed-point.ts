/** Fixed-point encoding of real values into the ring, and back (two's complement). */
import { AggregationError } from './errors.js';
import type { Ring } from './ring.js';

export interface Encoding {
  ring: Ring;
  fractionalBits: number;
  /** Every encoded value must satisfy |x| ≤ valueBound. */
  valueBound: number;
}

export function mod(x: bigint, r: Ring): bigint {
  const m = x % r.modulus;
  return m < 0n ? m + r.modulus : m;
}

/** round(x · 2^f) mod 2^k; refuses a value outside the declared bound or not finite. */
export function encode(x: number, e: Encoding): bigint {
  if (!Number.isFinite(x)) throw new AggregationError(`value ${x} is not finite`);
  if (Math.abs(x) > e.valueBound) {
    throw new AggregationError(`value ${x} is outside the pool's bound ±${e.valueBound}`);
  }
  // Multiplying by a power of two is exact in binary floating point; the rounded result is an
  // integer-valued double, so BigInt() takes it exactly.
  const scaled = Math.round(x * 2 ** e.fractionalBits);
  return mod(BigInt(scaled), e.ring);
}

/** The signed value of a ring element, as an exact integer (units of 2^-f). */
export function signed(v: bigint, r: Ring): bigint {
  const m = mod(v, r);
  return m >= r.modulus >> 1n ? m - r.modulus : m;
}

export function decode(v: bigint, e: Encoding): number {
  return Number(signed(v, e.ring)) / 2 ** e.fractionalBits;
}
