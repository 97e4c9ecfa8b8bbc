// Ending a joint trade early: all-or-nothing refunds, and the members' claim when the buyer stalls.
import { MAX_REASON } from '../constants.js';
import { ContractError } from '../errors.js';
import type { Tx } from '../ledger.js';
import { text } from '../validate.js';
import { after, before, requireBuyer, requireMember, requireState } from './guards.js';
import { getPoolTrade } from './record.js';
import { claimPayout, refundPayout, weightsOf } from './settlement.js';
import { poolTransition } from './transition.js';
import type { PoolCloseBasis, PoolTrade } from './types.js';

/**
 * A member refuses the trade (a partial that fails its checks, or a bundle it will not
 * deliver): the whole escrow goes back to the buyer, nobody is paid.
 */
export async function rejectPool(tx: Tx, tradeId: string, reasonArg: string): Promise<PoolTrade> {
  const reason = text('reason', reasonArg, { max: MAX_REASON, multiline: true });
  const trade = await getPoolTrade(tx, tradeId);
  requireState(
    trade,
    'RejectPool',
    ['PAID', 'SHARING'],
    'applies only in PAID (refusing to deliver) or SHARING (refusing a partial)',
  );
  requireMember(tx, trade, 'RejectPool');
  return poolTransition(
    tx,
    trade,
    'REJECTED',
    'PoolRejected',
    { closeBasis: 'PARTIAL_REJECTED', rejectReason: reason, rejectedBy: tx.caller },
    refundPayout(trade),
  );
}

function refundBasisOf(tx: Tx, trade: PoolTrade): PoolCloseBasis {
  switch (trade.state) {
    case 'PAID':
      return tx.now >= trade.deliverBy ? 'DELIVERY_DEADLINE_MISSED' : 'BUYER_WITHDREW';
    case 'COMPUTING':
      if (trade.round !== 1) {
        throw new ContractError(
          'WRONG_STATE',
          `joint trade ${trade.tradeId} is COMPUTING round ${trade.round}: the buyer has received aggregates, so it can withdraw only before round 1's partials`,
        );
      }
      before(
        tx,
        trade,
        trade.partialsBy,
        'partials deadline',
        "the escrow is now the members' to Claim",
      );
      return 'BUYER_WITHDREW';
    case 'SHARING':
      after(
        tx,
        trade,
        trade.sharesBy,
        'share deadline',
        'the members may still submit their shares',
      );
      return 'SHARE_DEADLINE_MISSED';
    default:
      throw new Error('unreachable');
  }
}

/** The buyer takes the whole escrow back (all-or-nothing: one missing member voids the trade). */
export async function refundPool(tx: Tx, tradeId: string): Promise<PoolTrade> {
  const trade = await getPoolTrade(tx, tradeId);
  requireState(
    trade,
    'RefundPool',
    ['PAID', 'COMPUTING', 'SHARING'],
    'applies only in PAID, COMPUTING round 1 before its deadline, or SHARING after the share deadline',
  );
  requireBuyer(tx, trade, 'RefundPool');
  const closeBasis = refundBasisOf(tx, trade);
  return poolTransition(tx, trade, 'REFUNDED', 'PoolRefunded', { closeBasis }, refundPayout(trade));
}

/**
 * Any member takes the whole escrow for the members, split by the rule (shapley-f1: equally, as
 * no scores came), once the buyer let its own partials or scores deadline pass.
 */
export async function claimPool(tx: Tx, tradeId: string): Promise<PoolTrade> {
  const trade = await getPoolTrade(tx, tradeId);
  requireState(
    trade,
    'ClaimPool',
    ['COMPUTING', 'SCORING'],
    'applies only in COMPUTING or SCORING (the buyer missed its partials or scores deadline)',
  );
  requireMember(tx, trade, 'ClaimPool');
  const computing = trade.state === 'COMPUTING';
  after(
    tx,
    trade,
    computing ? trade.partialsBy : trade.scoresBy,
    computing ? 'partials deadline' : 'scores deadline',
    'the buyer may still submit',
  );
  const closeBasis: PoolCloseBasis = computing
    ? 'PARTIALS_DEADLINE_MISSED'
    : 'SCORES_DEADLINE_MISSED';
  return poolTransition(
    tx,
    trade,
    'CLAIMED',
    'PoolClaimed',
    { closeBasis },
    claimPayout(trade, weightsOf(trade, null)),
  );
}
