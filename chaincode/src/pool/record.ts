// Where pools, joint trades and shares live, and reading them back.
import { ContractError, quote } from '../errors.js';
import { INDEX_VALUE } from '../keys.js';
import type { Tx } from '../ledger.js';
import { identifier } from '../validate.js';
import type { Pool, PoolShare, PoolTrade } from './types.js';

/**
 * | key                                   | value           | written by                         |
 * | ------------------------------------- | --------------- | ---------------------------------- |
 * | pool[poolId]                          | Pool JSON       | ProposePool, JoinPool, LeavePool   |
 * | pool-trade[tradeId]                   | PoolTrade JSON  | PurchasePool and every transition  |
 * | pool-share[tradeId, round, seat]      | PoolShare JSON  | SubmitShare                        |
 * | pool-trade-by-pool[poolId, tradeId]   | index entry     | PurchasePool                       |
 * | pool-trade-open[poolId, tradeId]      | index entry     | PurchasePool; deleted on closing   |
 * | pool-trade-by-member[account, tradeId]| index entry     | PurchasePool (buyer and members)   |
 */
export const POOL = 'pool';
export const POOL_TRADE = 'pool-trade';
export const POOL_SHARE = 'pool-share';
export const POOL_TRADE_BY_POOL = 'pool-trade-by-pool';
export const POOL_TRADE_OPEN = 'pool-trade-open';
export const POOL_TRADE_BY_PARTY = 'pool-trade-by-party';

export function poolIdArg(value: string): string {
  return identifier('poolId', value);
}

export function poolKey(tx: Tx, poolId: string): string {
  return tx.key(POOL, [poolId]);
}

export function poolTradeKey(tx: Tx, tradeId: string): string {
  return tx.key(POOL_TRADE, [tradeId]);
}

/** Rounds are zero-padded so that a round's shares sort after the previous round's. */
export function shareKey(tx: Tx, tradeId: string, round: number, seat: number): string {
  return tx.key(POOL_SHARE, [
    tradeId,
    String(round).padStart(6, '0'),
    String(seat).padStart(2, '0'),
  ]);
}

export async function getPool(tx: Tx, poolIdRaw: string): Promise<Pool> {
  const poolId = poolIdArg(poolIdRaw);
  const pool = await tx.getJson<Pool>(poolKey(tx, poolId));
  if (!pool) throw new ContractError('NOT_FOUND', `no pool with id ${quote(poolId)}`);
  return pool;
}

export async function getPoolTrade(tx: Tx, tradeIdRaw: string): Promise<PoolTrade> {
  const tradeId = identifier('tradeId', tradeIdRaw, 128);
  const trade = await tx.getJson<PoolTrade>(poolTradeKey(tx, tradeId));
  if (!trade) throw new ContractError('NOT_FOUND', `no joint trade with id ${quote(tradeId)}`);
  return trade;
}

export async function getShare(
  tx: Tx,
  tradeId: string,
  round: number,
  seat: number,
): Promise<PoolShare | undefined> {
  return tx.getJson<PoolShare>(shareKey(tx, tradeId, round, seat));
}

/** The index entries of a new joint trade. */
export async function putTradeIndexes(tx: Tx, trade: PoolTrade): Promise<void> {
  await tx.putText(tx.key(POOL_TRADE_BY_POOL, [trade.poolId, trade.tradeId]), INDEX_VALUE);
  await tx.putText(tx.key(POOL_TRADE_OPEN, [trade.poolId, trade.tradeId]), INDEX_VALUE);
  const parties = new Set([trade.buyer, ...trade.members.map((m) => m.account)]);
  for (const account of parties) {
    await tx.putText(tx.key(POOL_TRADE_BY_PARTY, [account, trade.tradeId]), INDEX_VALUE);
  }
}

/**
 * True if the pool has an open joint trade. The scan is a range read: on a real network a
 * purchase committed in the same block makes this transaction fail validation (phantom read),
 * so a member can never leave under an open trade.
 */
export async function hasOpenTrade(tx: Tx, poolId: string): Promise<boolean> {
  for await (const entry of tx.scan(POOL_TRADE_OPEN, [poolId])) {
    if (entry.key.length > 0) return true;
  }
  return false;
}
