import { sha256Hex } from '../crypto/result-envelope.js';
import { HttpError, notFound } from '../http/errors.js';
import { seatOf, requirePoolState } from '../pools/buyer-access.js';
import { memberBundleId, memberPartialId } from '../pools/member.js';
import {
  partialComputationQuery,
  poolRoundSeatParams,
  poolSeatParams,
  poolUploadSchema,
} from '../schemas/pools.js';
import { badRequest } from '../http/errors.js';
import type { SignedCaller } from '../auth.js';
import type { RouteContext } from './context.js';
import { defineRoute, type Route } from './route.js';

/** The joint trade, only for its buyer's own signed requests (403 for anyone else). */
async function soldToCaller(
  ctx: RouteContext,
  caller: SignedCaller,
  channel: string,
  tradeId: string,
) {
  const trade = await ctx.pools().getPoolTrade(ctx.readerUser, channel, tradeId);
  if (trade.buyer !== caller.accountId) {
    throw new HttpError(403, `only the buyer of joint trade ${tradeId} may call this`, 'FORBIDDEN');
  }
  return trade;
}

/**
 * A pool member's app, called by the joint trade's buyer's app (signed with the buyer's own
 * identity): its seat's bundle, and the buyer's partial for its seat in the current round. A
 * seat this app does not hold is a 404: the app serves only its own users' seats.
 */
export const poolPeerRoutes: Route[] = [
  defineRoute({
    method: 'get',
    path: '/peer/channels/{channel}/pool-trades/{tradeId}/seats/{seat}/bundle',
    role: 'seller',
    auth: 'signed',
    body: 'none',
    summary: "a member's bundle of a joint trade, only to the trade's buyer, once delivered",
    params: poolSeatParams,
    response: { description: 'the bundle', bytes: true },
    errors: { 403: 'not the buyer', 404: 'not a seat of this app', 409: 'not delivered' },
    handler: async ({ caller, params: { channel, tradeId, seat } }, ctx) => {
      const trade = await soldToCaller(ctx, caller, channel, tradeId);
      const member = seatOf(trade, Number(seat));
      if (member.bundleHash === null) {
        throw new HttpError(409, `seat ${seat} has not delivered its bundle`, 'WRONG_STATE');
      }
      const bundle = await ctx.store.getBundle(channel, memberBundleId(tradeId, Number(seat)));
      if (bundle?.sha256 !== member.bundleHash) {
        throw notFound(`this app holds no bundle of seat ${seat} in joint trade ${tradeId}`);
      }
      return { bytes: bundle.bytes, sha256: bundle.sha256 };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/peer/channels/{channel}/pool-trades/{tradeId}/rounds/{round}/seats/{seat}/partial',
    role: 'seller',
    auth: 'signed',
    body: 'raw',
    summary:
      "the buyer's encrypted partial for a seat in the current round, once (the member checks it when it shares)",
    params: poolRoundSeatParams,
    query: partialComputationQuery,
    rawDescription: 'the encrypted partial',
    response: { status: 201, description: 'stored', schema: poolUploadSchema },
    errors: {
      403: 'not the buyer',
      404: 'not a seat of this app',
      409: 'not COMPUTING, another round, a different partial already uploaded',
    },
    handler: async ({ caller, params: { channel, tradeId, round, seat }, query, body }, ctx) => {
      const trade = await soldToCaller(ctx, caller, channel, tradeId);
      seatOf(trade, Number(seat));
      requirePoolState(trade, ['COMPUTING'], 'partials are taken while COMPUTING');
      if (trade.round !== Number(round)) {
        throw new HttpError(409, `the trade is in round ${String(trade.round)}`, 'WRONG_ROUND');
      }
      if (!(await ctx.store.getBundle(channel, memberBundleId(tradeId, Number(seat))))) {
        throw notFound(`seat ${seat} of joint trade ${tradeId} is not this app's`);
      }
      try {
        JSON.parse(query.params ?? 'null');
      } catch {
        throw badRequest('params must be JSON');
      }
      const id = memberPartialId(tradeId, Number(round), Number(seat));
      const sha256 = sha256Hex(body);
      const inserted = await ctx.store.insertResult({ channel, tradeId: id, bytes: body, sha256 });
      // The same bytes again are a retry; anything else is refused (accepted once).
      if (!inserted && (await ctx.store.getResult(channel, id))?.sha256 !== sha256) {
        throw new HttpError(
          409,
          `a different partial for seat ${seat} in round ${round} was already uploaded`,
          'RESULT_EXISTS',
        );
      }
      if (query.computation !== undefined) {
        const paramsJson = query.params ?? 'null';
        // Kept once with the partial: the member re-executes it before decrypting.
        await ctx.store.insertTradeComputation({
          channel,
          tradeId: id,
          computationId: query.computation,
          paramsJson,
        });
      }
      return {
        status: 201,
        body: { tradeId, round: Number(round), seat: Number(seat), sha256, bytes: body.length },
      };
    },
  }),
];
