// Who gets what when a joint trade closes: the split rule applied to the escrow.
import { storedAmount } from '../amount.js';
import { shapleyWeights, splitByWeights } from './split.js';
import type { PoolPayout } from './transition.js';
import type { PoolTrade } from './types.js';

/** The members' weights under the trade's rule; shapley-f1 without scores weighs all equally. */
export function weightsOf(trade: PoolTrade, scores: readonly bigint[] | null): bigint[] {
  switch (trade.terms.splitRule) {
    case 'stake':
      return trade.members.map((m) => storedAmount('stake', m.stake ?? ''));
    case 'rows':
      return trade.members.map((m) => BigInt(m.rowCount));
    case 'shapley-f1':
      return scores === null
        ? trade.members.map(() => 1n)
        : shapleyWeights(trade.members.length, scores);
  }
}

/** Settled: the price of every round to the members by the weights, the deposit back to the buyer. */
export function settlementPayout(trade: PoolTrade, weights: readonly bigint[]): PoolPayout {
  const price = storedAmount('price', trade.price) * BigInt(trade.rounds);
  return {
    toMembers: splitByWeights(price, weights),
    toBuyer: storedAmount('deposit', trade.deposit),
  };
}

/** Claimed (the buyer let its own deadline pass): the whole escrow to the members by the weights. */
export function claimPayout(trade: PoolTrade, weights: readonly bigint[]): PoolPayout {
  return {
    toMembers: splitByWeights(storedAmount('escrow', trade.escrow), weights),
    toBuyer: 0n,
  };
}

/** Refunded or rejected: everything back to the buyer. */
export function refundPayout(trade: PoolTrade): PoolPayout {
  return {
    toMembers: trade.members.map(() => 0n),
    toBuyer: storedAmount('escrow', trade.escrow),
  };
}
