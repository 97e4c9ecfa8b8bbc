/**
 * Mask-and-sum (secure aggregation without dropout recovery): member i adds, for every other
 * member j of the coalition, +PRG(s_ij) if i < j and −PRG(s_ij) if i > j. Every pair's two masks
 * cancel in the sum, so the buyer who adds all shares gets the sum of the encoded partials
 * exactly, and any one share is uniform in the ring to anyone without the member's seeds.
 */
import { AggregationError } from './errors.js';
import { encode, mod, type Encoding } from './fixed-point.js';
import { expandMask, type MaskLabel } from './prg.js';
import type { Ring } from './ring.js';

export interface MaskInput {
  /** This member's seat (bit `seat` of the coalition must be set). */
  seat: number;
  /** The seed this member shares with each other seat (its own entry is ignored). */
  seeds: ReadonlyMap<number, Uint8Array>;
  label: MaskLabel;
  encoding: Encoding;
}

function seatsOf(coalition: number): number[] {
  const seats: number[] = [];
  for (let s = 0; 1 << s <= coalition; s += 1) if (coalition & (1 << s)) seats.push(s);
  return seats;
}

/** Encodes the member's partial and adds its pairwise masks: the share it submits. */
export function maskPartial(values: readonly number[], input: MaskInput): bigint[] {
  const { seat, seeds, label, encoding } = input;
  const seats = seatsOf(label.coalition);
  if (!seats.includes(seat))
    throw new AggregationError(`seat ${seat} is not in coalition ${label.coalition}`);
  if (seats.length < 2) {
    throw new AggregationError(
      'a coalition of one member has nothing to mask against: its aggregate is its partial',
    );
  }
  const share = values.map((v) => encode(v, encoding));
  for (const other of seats) {
    if (other === seat) continue;
    const seed = seeds.get(other);
    if (!seed) throw new AggregationError(`no seed with seat ${other}`);
    const mask = expandMask(seed, label, share.length, encoding.ring);
    const sign = seat < other ? 1n : -1n;
    for (let i = 0; i < share.length; i += 1) {
      share[i] = mod((share[i] ?? 0n) + sign * (mask[i] ?? 0n), encoding.ring);
    }
  }
  return share;
}

/** Adds the shares of every member of a coalition: the masks cancel, leaving the encoded sum. */
export function sumShares(shares: readonly (readonly bigint[])[], r: Ring): bigint[] {
  const first = shares[0];
  if (!first) throw new AggregationError('no shares to sum');
  if (shares.some((s) => s.length !== first.length)) {
    throw new AggregationError('shares of one aggregate must all hold the same number of values');
  }
  return first.map((_, i) =>
    mod(
      shares.reduce((acc, s) => acc + (s[i] ?? 0n), 0n),
      r,
    ),
  );
}
