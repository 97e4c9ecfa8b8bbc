import type { Tx } from '../ledger.js';
import type { Trade } from '../types.js';
import { positiveIntArg, sha256Hex } from '../validate.js';
import { before, requireParty, requireState } from './guards.js';
import { getTrade } from './record.js';
import { transition } from './transition.js';

/** The seller records the data bundle it delivered: PAID → DELIVERED, result clock starts. */
export async function confirmDelivery(
  tx: Tx,
  tradeId: string,
  bundleHashArg: string,
  bundleBytesArg: string,
): Promise<Trade> {
  const bundleHash = sha256Hex('bundleHash', bundleHashArg);
  const bundleBytes = positiveIntArg('bundleBytes', bundleBytesArg);
  const trade = await getTrade(tx, tradeId);
  requireState(
    trade,
    'ConfirmDelivery',
    ['PAID'],
    'applies only in PAID (the seller records the bundle once, after purchase)',
  );
  requireParty(tx, trade, 'seller', 'ConfirmDelivery');
  before(
    tx,
    trade,
    trade.deliverBy,
    'delivery deadline',
    'the seller can no longer deliver and the buyer may Refund',
  );
  return transition(tx, trade, 'DELIVERED', 'DeliveryConfirmed', {
    deliveredAt: tx.now,
    bundleHash,
    bundleBytes,
    resultBy: tx.now + trade.terms.resultWithin * 1000,
  });
}
