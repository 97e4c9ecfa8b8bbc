// Writing a joint trade: every change and every payout goes through poolTransition().
import { storedAmount } from '../amount.js';
import type { Tx } from '../ledger.js';
import { credit } from '../token.js';
import { recordChange } from '../totals.js';
import { POOL_TRADE_EVENT } from './limits.js';
import { POOL_TRADE_OPEN, poolTradeKey } from './record.js';
import {
  OPEN_POOL_TRADE_STATES,
  type PoolTrade,
  type PoolTradeEvent,
  type PoolTradeEventType,
  type PoolTradeState,
} from './types.js';

/** What leaves the escrow in one transaction: a part per member (seat order) and the buyer's. */
export interface PoolPayout {
  toMembers: bigint[];
  toBuyer: bigint;
}

export function noPayout(trade: PoolTrade): PoolPayout {
  return { toMembers: trade.members.map(() => 0n), toBuyer: 0n };
}

export function isOpen(state: PoolTradeState): boolean {
  return OPEN_POOL_TRADE_STATES.includes(state);
}

function deadlineOf(trade: PoolTrade): number | null {
  switch (trade.state) {
    case 'PAID':
      return trade.deliverBy;
    case 'COMPUTING':
      return trade.partialsBy;
    case 'SHARING':
      return trade.sharesBy;
    case 'SCORING':
      return trade.scoresBy;
    default:
      return null;
  }
}

export function emitPoolTrade(
  tx: Tx,
  type: PoolTradeEventType,
  trade: PoolTrade,
  previousState: PoolTradeState | null,
  payout: PoolPayout,
): void {
  const event: PoolTradeEvent = {
    type,
    tradeId: trade.tradeId,
    poolId: trade.poolId,
    buyer: trade.buyer,
    members: trade.members.map((m) => m.account),
    previousState,
    state: trade.state,
    round: trade.round,
    escrow: trade.escrow,
    toMembers: payout.toMembers.map(String),
    toBuyer: payout.toBuyer.toString(),
    deadline: deadlineOf(trade),
    txId: tx.txId,
    timestamp: tx.now,
  };
  tx.emit(POOL_TRADE_EVENT, event);
}

function remainingEscrow(current: PoolTrade, next: PoolTradeState, payout: PoolPayout): bigint {
  const escrow = storedAmount(`escrow of joint trade ${current.tradeId}`, current.escrow);
  if (payout.toMembers.length !== current.members.length) {
    throw new Error('internal error: a payout part per member is needed');
  }
  const parts = [...payout.toMembers, payout.toBuyer];
  if (parts.some((p) => p < 0n)) throw new Error('internal error: negative payout');
  const out = parts.reduce((a, b) => a + b, 0n);
  if (out > escrow) throw new Error(`internal error: payout ${out} from escrow ${escrow}`);
  const remaining = escrow - out;
  if (isOpen(next) === (remaining === 0n)) {
    throw new Error(`internal error: ${next} with ${remaining} left in escrow`);
  }
  return remaining;
}

/**
 * Moves a joint trade on: pays each member and the buyer out of the trade's escrow through
 * the token's own credit (never more than it holds; a closing state must empty it), drops the
 * open-trade index entry when the trade closes, writes the trade and emits its one event.
 */
export async function poolTransition(
  tx: Tx,
  current: PoolTrade,
  next: PoolTradeState,
  type: PoolTradeEventType,
  changes: Partial<PoolTrade>,
  payout: PoolPayout = noPayout(current),
): Promise<PoolTrade> {
  const remaining = remainingEscrow(current, next, payout);
  const base = { ...current, ...changes };
  const members = base.members.map((m, i) => {
    const part = payout.toMembers[i] ?? 0n;
    return part === 0n ? m : { ...m, paid: (storedAmount('paid', m.paid) + part).toString() };
  });
  for (const [i, m] of current.members.entries()) {
    await credit(tx, m.account, payout.toMembers[i] ?? 0n);
  }
  await credit(tx, current.buyer, payout.toBuyer);
  const toMembers = payout.toMembers.reduce((a, b) => a + b, 0n);
  const closes = isOpen(current.state) && !isOpen(next);
  recordChange(tx, {
    escrow: -(toMembers + payout.toBuyer),
    openTrades: closes ? -1n : 0n,
  });
  const trade: PoolTrade = {
    ...base,
    members,
    state: next,
    escrow: remaining.toString(),
    paidToMembers: (storedAmount('paidToMembers', current.paidToMembers) + toMembers).toString(),
    paidToBuyer: (storedAmount('paidToBuyer', current.paidToBuyer) + payout.toBuyer).toString(),
    closedAt: isOpen(next) ? null : tx.now,
    updatedAt: tx.now,
    lastTxId: tx.txId,
  };
  if (!isOpen(next)) await tx.delete(tx.key(POOL_TRADE_OPEN, [trade.poolId, trade.tradeId]));
  await tx.putJson(poolTradeKey(tx, trade.tradeId), trade);
  emitPoolTrade(tx, type, trade, current.state, payout);
  return trade;
}
