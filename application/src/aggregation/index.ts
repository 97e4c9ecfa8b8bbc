/** Secure aggregation for pools: pairwise X25519 seeds, PRG masks, fixed point in Z/2^k. */
export { AggregationError } from './errors.js';
export {
  generateMaskKeyPair,
  importPublicKey,
  pairwiseSeed,
  rawPublicKey,
  type MaskKeyPair,
  type SeedContext,
} from './keys.js';
export {
  chooseRing,
  largestSum,
  requireRing,
  ring,
  MAX_RING_BITS,
  type Ring,
  type RingBounds,
} from './ring.js';
export { decode, encode, mod, signed, type Encoding } from './fixed-point.js';
export { expandMask, labelText, type MaskLabel } from './prg.js';
export { maskPartial, sumShares, type MaskInput } from './masking.js';
export { decodeShare, encodeShare } from './share-codec.js';
export { seedsFor, type PoolMaskPlan } from './plan.js';
