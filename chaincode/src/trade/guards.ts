// Guards. Order everywhere: argument syntax, trade exists, state, caller, deadline, semantics.
import { ContractError } from '../errors.js';
import { iso, type Tx } from '../ledger.js';
import type { Trade, TradeState } from '../types.js';

export function requireState(
  trade: Trade,
  action: string,
  allowed: readonly TradeState[],
  rule: string,
): void {
  if (!allowed.includes(trade.state)) {
    throw new ContractError(
      'WRONG_STATE',
      `trade ${trade.tradeId} is ${trade.state}: ${action} ${rule}`,
    );
  }
}

export function requireParty(
  tx: Tx,
  trade: Trade,
  party: 'buyer' | 'seller',
  action: string,
): void {
  if (tx.caller !== trade[party]) {
    throw new ContractError(
      'FORBIDDEN',
      `trade ${trade.tradeId} is ${trade.state}: ${action} may be called only by the trade's ${party}`,
    );
  }
}

/** Refuses once `deadline` has passed; `consequence` tells the caller what is left to do. */
export function before(
  tx: Tx,
  trade: Trade,
  deadline: number | null,
  what: string,
  consequence: string,
): void {
  if (deadline === null) throw new Error(`corrupt trade ${trade.tradeId}: ${what} missing`);
  if (tx.now >= deadline) {
    throw new ContractError(
      'DEADLINE',
      `trade ${trade.tradeId} is ${trade.state}: the ${what} ${iso(deadline)} has passed (transaction time ${iso(tx.now)}); ${consequence}`,
    );
  }
}

/** Refuses until `deadline` has passed; `consequence` tells the caller what is left to do. */
export function after(
  tx: Tx,
  trade: Trade,
  deadline: number | null,
  what: string,
  consequence: string,
): void {
  if (deadline === null) throw new Error(`corrupt trade ${trade.tradeId}: ${what} missing`);
  if (tx.now < deadline) {
    throw new ContractError(
      'DEADLINE',
      `trade ${trade.tradeId} is ${trade.state}: the ${what} ${iso(deadline)} has not passed yet (transaction time ${iso(tx.now)}); ${consequence}`,
    );
  }
}
