/**
 * The mask generator: AES-256-CTR keyed by HKDF(seed, label), read as k-bit ring elements.
 * Each (round, coalition) gets its own label, so no mask is ever used twice: reusing one across
 * rounds would hand the buyer the difference of a member's partials.
 */
import { createCipheriv, hkdfSync } from 'node:crypto';
import { AggregationError } from './errors.js';
import type { Ring } from './ring.js';

/** Which aggregate a mask hides: the round, and the coalition (seat bitmask; all seats = the pool). */
export interface MaskLabel {
  round: number;
  coalition: number;
}

export function labelText(label: MaskLabel): string {
  if (!Number.isInteger(label.round) || label.round < 1)
    throw new AggregationError('round must be ≥ 1');
  if (!Number.isInteger(label.coalition) || label.coalition < 1) {
    throw new AggregationError('coalition must be a non-empty seat bitmask');
  }
  return `round ${label.round} coalition ${label.coalition}`;
}

/** `count` pseudo-random ring elements from the seed under the label, uniform in [0, 2^k). */
export function expandMask(seed: Uint8Array, label: MaskLabel, count: number, r: Ring): bigint[] {
  if (seed.length !== 32) throw new AggregationError('a mask seed is 32 bytes');
  if (!Number.isInteger(count) || count < 0) throw new AggregationError('count must be ≥ 0');
  const key = Buffer.from(hkdfSync('sha256', seed, Buffer.alloc(0), labelText(label), 32));
  const width = r.bits / 8;
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const stream = Buffer.concat([cipher.update(Buffer.alloc(width * count)), cipher.final()]);
  const values: bigint[] = [];
  for (let i = 0; i < count; i += 1) {
    // k is a whole number of bytes, so every k-bit string is one ring element: exactly uniform.
    values.push(BigInt(`0x${stream.subarray(i * width, (i + 1) * width).toString('hex') || '0'}`));
  }
  return values;
}
