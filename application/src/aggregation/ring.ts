/**
 * The ring Z/2^k the masked shares live in. Masks are uniform in the ring, so a share reveals
 * nothing alone; k must be large enough that the true sum of every member's encoded values
 * cannot wrap around, or the buyer would decode a wrong sum.
 */
import { AggregationError } from './errors.js';

export interface Ring {
  bits: number;
  modulus: bigint;
}

/** What the pool declares on chain (aggregation) and how many members add up. */
export interface RingBounds {
  valueBound: number;
  fractionalBits: number;
  members: number;
}

export const MAX_RING_BITS = 1024;

export function ring(bits: number): Ring {
  if (!Number.isInteger(bits) || bits < 8 || bits > MAX_RING_BITS || bits % 8 !== 0) {
    throw new AggregationError(
      `ring size ${bits} bits: expected a multiple of 8 from 8 to ${MAX_RING_BITS}`,
    );
  }
  return { bits, modulus: 1n << BigInt(bits) };
}

/** The largest |encoded sum| the bounds allow: members × (valueBound · 2^f + 1). */
export function largestSum(b: RingBounds): bigint {
  if (!Number.isInteger(b.members) || b.members < 1)
    throw new AggregationError('members must be ≥ 1');
  if (!(b.valueBound > 0) || !Number.isFinite(b.valueBound)) {
    throw new AggregationError('valueBound must be a positive finite number');
  }
  if (!Number.isInteger(b.fractionalBits) || b.fractionalBits < 0 || b.fractionalBits > 64) {
    throw new AggregationError('fractionalBits must be a whole number from 0 to 64');
  }
  const scaled = BigInt(Math.ceil(b.valueBound)) << BigInt(b.fractionalBits);
  return BigInt(b.members) * (scaled + 1n);
}

/** The smallest whole-byte ring in which every sum the bounds allow is decoded exactly (signed). */
export function chooseRing(b: RingBounds): Ring {
  const bits = largestSum(b).toString(2).length + 1; // + the sign bit
  return ring(Math.ceil(bits / 8) * 8);
}

/** Refuses a ring too small for the bounds (a wrong ring size from a member or a buyer). */
export function requireRing(r: Ring, b: RingBounds): void {
  const needed = chooseRing(b);
  if (r.bits < needed.bits) {
    throw new AggregationError(
      `a ${r.bits}-bit ring cannot hold the sum of ${b.members} values bounded by ${b.valueBound} at ${b.fractionalBits} fractional bits: at least ${needed.bits} bits are needed`,
    );
  }
}
