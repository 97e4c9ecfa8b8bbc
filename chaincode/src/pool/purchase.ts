// Buying a joint computation over a ready pool: price × rounds + deposit into escrow.
import { parseAmount } from '../amount.js';
import { ContractError, quote } from '../errors.js';
import type { Tx } from '../ledger.js';
import { debit } from '../token.js';
import { recordChange } from '../totals.js';
import { positiveIntArg, resultKey } from '../validate.js';
import { getPool, poolTradeKey, putTradeIndexes } from './record.js';
import { emitPoolTrade, noPayout } from './transition.js';
import type { Pool, PoolTrade, PoolTradeMember } from './types.js';

function requirePurchasable(tx: Tx, pool: Pool): void {
  if (pool.state !== 'READY') {
    throw new ContractError(
      'WRONG_STATE',
      `pool ${quote(pool.id)} is ${pool.state}: PurchasePool needs a READY pool (every invited seat joined)`,
    );
  }
  if (tx.caller === pool.lead || pool.seats.some((s) => s.member?.account === tx.caller)) {
    throw new ContractError(
      'FORBIDDEN',
      `pool ${quote(pool.id)}: a member cannot buy its own pool`,
    );
  }
}

function snapshotMembers(pool: Pool): PoolTradeMember[] {
  return pool.seats.map((seat) => {
    if (!seat.member) throw new Error(`corrupt pool ${pool.id}: READY with an empty seat`);
    return {
      account: seat.member.account,
      rowCount: seat.member.rowCount,
      stake: seat.stake,
      maskPublicKey: seat.member.maskPublicKey,
      bundleHash: null,
      bundleBytes: null,
      deliveredAt: null,
      partialHash: null,
      sharedRound: 0,
      paid: '0',
    };
  });
}

export interface PoolPurchaseArgs {
  poolId: string;
  buyerResultKey: string;
  rounds: string;
  expectedPrice: string;
  expectedDeposit: string;
}

/** Opens a joint trade in PAID; each member's app hears PoolPurchased and delivers a bundle. */
export async function purchasePool(tx: Tx, args: PoolPurchaseArgs): Promise<PoolTrade> {
  const buyerResultKey = resultKey('buyerResultKey', args.buyerResultKey);
  const rounds = positiveIntArg('rounds', args.rounds);
  const expectedPrice = parseAmount('expectedPrice', args.expectedPrice);
  const expectedDeposit = parseAmount('expectedDeposit', args.expectedDeposit, true);
  const pool = await getPool(tx, args.poolId);
  requirePurchasable(tx, pool);
  const price = BigInt(pool.price);
  const deposit = BigInt(pool.deposit);
  if (price !== expectedPrice || deposit !== expectedDeposit) {
    throw new ContractError(
      'TERMS_CHANGED',
      `pool ${quote(pool.id)} asks price ${price} per round and deposit ${deposit}, not the ${expectedPrice} and ${expectedDeposit} expected`,
    );
  }
  if (rounds > pool.maxRounds) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `rounds ${rounds} exceeds the pool's maxRounds ${pool.maxRounds}`,
    );
  }
  const members = snapshotMembers(pool);
  const aggregatesPerRound = pool.splitRule === 'shapley-f1' ? 2 ** members.length - 1 : 1;
  if (rounds * aggregatesPerRound > pool.leakageBound) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${rounds} rounds of ${aggregatesPerRound} aggregate(s) release at least ${rounds * aggregatesPerRound} values, above the pool's leakage bound ${pool.leakageBound}`,
    );
  }
  const tradeId = tx.txId;
  if (await tx.getBytes(poolTradeKey(tx, tradeId))) {
    throw new ContractError(
      'ALREADY_EXISTS',
      `joint trade ${tradeId} exists: one purchase per transaction`,
    );
  }
  const escrow = price * BigInt(rounds) + deposit;
  await debit(
    tx,
    tx.caller,
    escrow,
    `PurchasePool of ${quote(pool.id)} (${rounds} × ${price} + deposit ${deposit})`,
  );
  // Joint trades count in the running totals (totals.ts) like single-seller trades.
  recordChange(tx, { escrow, trades: 1n, openTrades: 1n });
  const trade: PoolTrade = {
    docType: 'pool-trade',
    tradeId,
    poolId: pool.id,
    buyer: tx.caller,
    state: 'PAID',
    price: price.toString(),
    deposit: deposit.toString(),
    rounds,
    round: 0,
    escrow: escrow.toString(),
    paidToMembers: '0',
    paidToBuyer: '0',
    buyerResultKey,
    terms: {
      poolVersion: pool.version,
      deliverWithin: pool.deliverWithin,
      partialsWithin: pool.partialsWithin,
      sharesWithin: pool.sharesWithin,
      leakageBound: pool.leakageBound,
      ckksPreset: pool.ckksPreset,
      computationPolicy: pool.computationPolicy,
      aggregation: pool.aggregation,
      splitRule: pool.splitRule,
      aggregatesPerRound,
    },
    members,
    valueCount: null,
    leakageUsed: 0,
    paidAt: tx.now,
    deliverBy: tx.now + pool.deliverWithin * 1000,
    partialsBy: null,
    sharesBy: null,
    scoresBy: null,
    scores: null,
    shapleyWeights: null,
    closeBasis: null,
    rejectReason: null,
    rejectedBy: null,
    closedAt: null,
    updatedAt: tx.now,
    lastTxId: tx.txId,
  };
  await tx.putJson(poolTradeKey(tx, tradeId), trade);
  await putTradeIndexes(tx, trade);
  emitPoolTrade(tx, 'PoolPurchased', trade, null, noPayout(trade));
  return trade;
}
