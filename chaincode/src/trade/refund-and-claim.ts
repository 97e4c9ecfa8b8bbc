// Closing a trade when a party misses its deadline (or the buyer withdraws in time).
import { storedAmount } from '../amount.js';
import type { Tx } from '../ledger.js';
import { OPEN_STATES, type RefundBasis, type Trade } from '../types.js';
import { after, before, requireParty, requireState } from './guards.js';
import { getTrade } from './record.js';
import { transition } from './transition.js';

/** Why the buyer may have its escrow back now; refuses while the seller still has time. */
function refundBasisOf(tx: Tx, trade: Trade): RefundBasis {
  if (trade.state === 'PAID') {
    return tx.now >= trade.deliverBy ? 'DELIVERY_DEADLINE_MISSED' : 'BUYER_WITHDREW';
  }
  if (trade.state === 'DELIVERED') {
    before(
      tx,
      trade,
      trade.resultBy,
      'result deadline',
      'the buyer can withdraw only before it; the escrow is now the seller’s to Claim',
    );
    return 'BUYER_WITHDREW';
  }
  after(
    tx,
    trade,
    trade.decryptBy,
    'decrypt deadline',
    'after submitting a result the buyer can get a refund only once the seller has missed this deadline',
  );
  return 'DECRYPT_DEADLINE_MISSED';
}

/** The buyer takes the whole escrow back: any open state → REFUNDED. */
export async function refund(tx: Tx, tradeId: string): Promise<Trade> {
  const trade = await getTrade(tx, tradeId);
  requireState(
    trade,
    'Refund',
    OPEN_STATES,
    'applies only to an open trade (PAID, DELIVERED before the result deadline, RESULT_SUBMITTED after the decrypt deadline)',
  );
  requireParty(tx, trade, 'buyer', 'Refund');
  const refundBasis = refundBasisOf(tx, trade);
  const escrow = storedAmount('escrow', trade.escrow);
  return transition(
    tx,
    trade,
    'REFUNDED',
    'Refunded',
    { refundBasis },
    { toSeller: 0n, toBuyer: escrow },
  );
}

/** The seller takes the whole escrow after the buyer's result deadline: DELIVERED → CLAIMED. */
export async function claim(tx: Tx, tradeId: string): Promise<Trade> {
  const trade = await getTrade(tx, tradeId);
  requireState(
    trade,
    'Claim',
    ['DELIVERED'],
    'applies only in DELIVERED (the seller claims when the buyer submitted no result before the result deadline)',
  );
  requireParty(tx, trade, 'seller', 'Claim');
  after(
    tx,
    trade,
    trade.resultBy,
    'result deadline',
    'the buyer may still submit a result or withdraw',
  );
  // The buyer missed its own deadline: the seller gets the price and keeps the deposit.
  const escrow = storedAmount('escrow', trade.escrow);
  return transition(tx, trade, 'CLAIMED', 'Claimed', {}, { toSeller: escrow, toBuyer: 0n });
}
