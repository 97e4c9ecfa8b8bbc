/** Everything one member needs to mask its partials in a joint trade, from the ledger's records. */
import { AggregationError } from './errors.js';
import type { Encoding } from './fixed-point.js';
import { pairwiseSeed, type MaskKeyPair, type SeedContext } from './keys.js';
import { chooseRing } from './ring.js';

export interface PoolMaskPlan {
  seat: number;
  seeds: Map<number, Uint8Array>;
  encoding: Encoding;
}

/**
 * `maskPublicKeys` are the trade's members' keys in seat order (PoolTrade.members); `mine` must
 * be one of them. The ring comes from the pool's declared bounds and member count.
 */
export function seedsFor(
  mine: MaskKeyPair,
  maskPublicKeys: readonly string[],
  context: SeedContext,
  bounds: { valueBound: number; fractionalBits: number },
): PoolMaskPlan {
  const seat = maskPublicKeys.indexOf(mine.publicKey);
  if (seat < 0)
    throw new AggregationError('this member’s mask key is not one of the trade’s members');
  if (new Set(maskPublicKeys).size !== maskPublicKeys.length) {
    throw new AggregationError('two members registered the same mask key: refused');
  }
  const seeds = new Map<number, Uint8Array>();
  maskPublicKeys.forEach((key, other) => {
    if (other !== seat) seeds.set(other, pairwiseSeed(mine, key, context));
  });
  const ring = chooseRing({ ...bounds, members: maskPublicKeys.length });
  return { seat, seeds, encoding: { ring, ...bounds } };
}
