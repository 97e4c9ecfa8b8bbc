/**
 * The buyer app's side of a joint trade: who may act on it, which member app serves a seat,
 * and the sealed result key the members' shares are encrypted to.
 */
import type { PoolTrade, PoolTradeMember } from '@datamarket/chaincode/api';
import { HttpError, notFound } from '../http/errors.js';
import { labels } from '../key-labels.js';
import type { RouteContext } from '../routes/context.js';

/** The joint trade, only for its buyer (403 for anyone else). */
export async function buyersPoolTrade(
  ctx: RouteContext,
  user: string,
  channel: string,
  tradeId: string,
): Promise<PoolTrade> {
  const pools = ctx.pools();
  const trade = await pools.getPoolTrade(user, channel, tradeId);
  if (trade.buyer !== (await pools.accountId(user, channel))) {
    throw new HttpError(403, `only the buyer of joint trade ${tradeId} may do this`, 'FORBIDDEN');
  }
  return trade;
}

export function seatOf(trade: PoolTrade, seat: number): PoolTradeMember {
  const member = trade.members[seat];
  if (!member) throw notFound(`joint trade ${trade.tradeId} has no seat ${String(seat)}`);
  return member;
}

export function requirePoolState(
  trade: PoolTrade,
  states: readonly PoolTrade['state'][],
  why: string,
): void {
  if (!states.includes(trade.state)) {
    throw new HttpError(
      409,
      `joint trade ${trade.tradeId} is ${trade.state}: ${why}`,
      'WRONG_STATE',
    );
  }
}

/** The buyer's result key of a joint trade, opened (404 when this app did not buy it). */
export async function poolResultKey(
  ctx: RouteContext,
  channel: string,
  tradeId: string,
): Promise<string> {
  const key = await ctx.store.getBuyerKey(channel, tradeId);
  if (!key) throw notFound(`this app holds no result key for joint trade ${tradeId}`);
  return ctx.sealer.open(key.sealedPrivateKey, labels.buyerKey(channel, tradeId)).toString();
}
