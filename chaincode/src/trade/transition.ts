// Writing a trade: every state change and every payout goes through transition().
import { storedAmount } from '../amount.js';
import { TRADE_EVENT } from '../constants.js';
import { INDEX_VALUE } from '../keys.js';
import type { Tx } from '../ledger.js';
import { credit } from '../token.js';
import { recordChange } from '../totals.js';
import {
  OPEN_STATES,
  type Trade,
  type TradeEvent,
  type TradeEventType,
  type TradeState,
} from '../types.js';
import { putTrade, stateIndexKey } from './record.js';

/** What leaves the escrow in one transition. */
export interface Payout {
  toSeller: bigint;
  toBuyer: bigint;
}

const NO_PAYOUT: Payout = { toSeller: 0n, toBuyer: 0n };

/** The deadline that governs the trade's current state (null once nothing is pending). */
function deadlineOf(trade: Trade): number | null {
  switch (trade.state) {
    case 'PAID':
      return trade.deliverBy;
    case 'DELIVERED':
      return trade.resultBy;
    case 'RESULT_SUBMITTED':
      return trade.decryptBy;
    default:
      return null;
  }
}

/** Emits the one TradeEvent of the transaction. */
export function emitTrade(
  tx: Tx,
  type: TradeEventType,
  trade: Trade,
  previousState: TradeState | null,
  payout: Payout = NO_PAYOUT,
): void {
  const event: TradeEvent = {
    type,
    tradeId: trade.tradeId,
    datasetId: trade.datasetId,
    buyer: trade.buyer,
    seller: trade.seller,
    previousState,
    state: trade.state,
    price: trade.price,
    deposit: trade.deposit,
    escrow: trade.escrow,
    toSeller: payout.toSeller.toString(),
    toBuyer: payout.toBuyer.toString(),
    deadline: deadlineOf(trade),
    txId: tx.txId,
    timestamp: tx.now,
  };
  tx.emit(TRADE_EVENT, event);
}

/** The escrow left after the payout; refuses a payout the escrow cannot cover. */
function remainingEscrow(current: Trade, next: TradeState, payout: Payout): bigint {
  const escrow = storedAmount(`escrow of trade ${current.tradeId}`, current.escrow);
  const { toSeller, toBuyer } = payout;
  if (toSeller < 0n || toBuyer < 0n || toSeller + toBuyer > escrow) {
    throw new Error(`internal error: payout ${toSeller}+${toBuyer} from escrow ${escrow}`);
  }
  const remaining = escrow - toSeller - toBuyer;
  const closing = !OPEN_STATES.includes(next);
  if (closing !== (remaining === 0n)) {
    throw new Error(`internal error: ${next} with ${remaining} left in escrow`);
  }
  return remaining;
}

/**
 * Moves a trade to its next state. Pays `toSeller` and `toBuyer` out of the trade's escrow
 * (never more than it holds; a closing state must empty it), re-indexes the state, writes the
 * trade and emits the one TradeEvent of the transaction.
 */
export async function transition(
  tx: Tx,
  current: Trade,
  next: TradeState,
  type: TradeEventType,
  changes: Partial<Trade>,
  payout: Payout = NO_PAYOUT,
): Promise<Trade> {
  const remaining = remainingEscrow(current, next, payout);
  const { toSeller, toBuyer } = payout;
  await credit(tx, current.seller, toSeller);
  await credit(tx, current.buyer, toBuyer);
  const closes = OPEN_STATES.includes(current.state) && !OPEN_STATES.includes(next);
  recordChange(tx, { escrow: -(toSeller + toBuyer), openTrades: closes ? -1n : 0n });
  const trade: Trade = {
    ...current,
    ...changes,
    state: next,
    escrow: remaining.toString(),
    paidToSeller: (storedAmount('paidToSeller', current.paidToSeller) + toSeller).toString(),
    paidToBuyer: (storedAmount('paidToBuyer', current.paidToBuyer) + toBuyer).toString(),
    closedAt: OPEN_STATES.includes(next) ? null : tx.now,
    updatedAt: tx.now,
    lastTxId: tx.txId,
  };
  if (next !== current.state) {
    await tx.delete(stateIndexKey(tx, current.state, current));
    await tx.putText(stateIndexKey(tx, next, current), INDEX_VALUE);
  }
  await putTrade(tx, trade);
  emitTrade(tx, type, trade, current.state, payout);
  return trade;
}
