// Joint-trade guards. Order everywhere: argument syntax, trade exists, state, caller, deadline.
import { ContractError } from '../errors.js';
import { iso, type Tx } from '../ledger.js';
import type { PoolTrade, PoolTradeState } from './types.js';

export function requireState(
  trade: PoolTrade,
  action: string,
  allowed: readonly PoolTradeState[],
  rule: string,
): void {
  if (!allowed.includes(trade.state)) {
    throw new ContractError(
      'WRONG_STATE',
      `joint trade ${trade.tradeId} is ${trade.state}: ${action} ${rule}`,
    );
  }
}

export function requireBuyer(tx: Tx, trade: PoolTrade, action: string): void {
  if (tx.caller !== trade.buyer) {
    throw new ContractError(
      'FORBIDDEN',
      `joint trade ${trade.tradeId} is ${trade.state}: ${action} may be called only by the trade's buyer`,
    );
  }
}

/** The caller's seat in the trade; refuses anyone who is not one of its members. */
export function requireMember(tx: Tx, trade: PoolTrade, action: string): number {
  const seat = trade.members.findIndex((m) => m.account === tx.caller);
  if (seat < 0) {
    throw new ContractError(
      'FORBIDDEN',
      `joint trade ${trade.tradeId} is ${trade.state}: ${action} may be called only by a member of pool ${trade.poolId}`,
    );
  }
  return seat;
}

function deadlineMissing(trade: PoolTrade, what: string): Error {
  return new Error(`corrupt joint trade ${trade.tradeId}: ${what} missing`);
}

export function before(
  tx: Tx,
  trade: PoolTrade,
  deadline: number | null,
  what: string,
  consequence: string,
): void {
  if (deadline === null) throw deadlineMissing(trade, what);
  if (tx.now >= deadline) {
    throw new ContractError(
      'DEADLINE',
      `joint trade ${trade.tradeId} is ${trade.state}: the ${what} ${iso(deadline)} has passed (transaction time ${iso(tx.now)}); ${consequence}`,
    );
  }
}

export function after(
  tx: Tx,
  trade: PoolTrade,
  deadline: number | null,
  what: string,
  consequence: string,
): void {
  if (deadline === null) throw deadlineMissing(trade, what);
  if (tx.now < deadline) {
    throw new ContractError(
      'DEADLINE',
      `joint trade ${trade.tradeId} is ${trade.state}: the ${what} ${iso(deadline)} has not passed yet (transaction time ${iso(tx.now)}); ${consequence}`,
    );
  }
}
