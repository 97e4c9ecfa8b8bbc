import { AggregationError } from '../../aggregation/index.js';
import { generateResultKeyPair, sha256Hex } from '../crypto/result-envelope.js';
import { badGateway, badRequest, HttpError } from '../http/errors.js';
import { labels } from '../key-labels.js';
import { aggregateRound } from '../pools/buyer.js';
import { buyersPoolTrade, poolResultKey, requirePoolState, seatOf } from '../pools/buyer-access.js';
import {
  memberAppQuery,
  poolAggregateSchema,
  poolParams,
  poolPartialsBody,
  poolPurchaseBody,
  poolRoundParams,
  poolRoundSeatParams,
  poolScoresBody,
  poolSeatParams,
  poolTradeParams,
  poolTradeSchema,
  poolUploadSchema,
  partialUploadQuery,
} from '../schemas/pools.js';
import { defineRoute, type Route } from './route.js';

const memberFailed = {
  502: "the member's app failed, redirected, answered too much, or is not registered on chain by its org",
  504: "the member's app did not answer in time",
} as const;
const RECEIPT_BYTES = 16 * 1024;

/** The named computation passed on to the member app (for re-execution). */
function computationSearch(query: { computation?: string; params?: string }): string {
  if (query.computation === undefined) return '';
  const search = new URLSearchParams({ computation: query.computation });
  if (query.params !== undefined) search.set('params', query.params);
  return `?${search.toString()}`;
}

/**
 * The buyer's joint trades: buy a pool, download each member's bundle from that member's app,
 * upload one partial per member, record the round's partials, read the round's aggregate
 * (the sum of the members' masked shares, opened with this app's result key) and, under
 * shapley-f1, submit the coalitions' F1 scores that settle the trade.
 */
export const poolBuyerRoutes: Route[] = [
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/pools/{poolId}/trades',
    role: 'buyer',
    auth: 'token',
    body: 'json',
    summary:
      'buy a pool for some rounds: price × rounds + deposit into escrow; the app keeps the result key',
    params: poolParams,
    json: poolPurchaseBody,
    response: { status: 201, description: 'the joint trade, PAID', schema: poolTradeSchema },
    errors: { 409: 'not READY, terms changed, rounds or leakage over the bound, funds' },
    handler: async ({ user, params: { channel, poolId }, body }, ctx) => {
      const keys = generateResultKeyPair();
      const trade = await ctx.pools().purchasePool(user, channel, {
        poolId,
        buyerResultKey: keys.publicKeyPem,
        rounds: body.rounds,
        price: body.expectedPrice,
        deposit: body.expectedDeposit,
      });
      await ctx.store.putBuyerKey({
        channel,
        tradeId: trade.tradeId,
        publicKeyPem: keys.publicKeyPem,
        sealedPrivateKey: ctx.sealer.seal(
          Buffer.from(keys.privateKeyPem),
          labels.buyerKey(channel, trade.tradeId),
        ),
      });
      return {
        status: 201,
        body: trade,
        location: `/api/channels/${channel}/pool-trades/${trade.tradeId}`,
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/pool-trades/{tradeId}/seats/{seat}/bundle',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary:
      "download one member's bundle from that member's app (signed), checked against the ledger's hash and size",
    params: poolSeatParams,
    query: memberAppQuery,
    response: { description: "the member's bundle", bytes: true },
    errors: {
      403: 'not the buyer',
      404: 'no such seat',
      409: 'not delivered yet',
      ...memberFailed,
    },
    handler: async ({ user, params: { channel, tradeId, seat }, query }, ctx) => {
      const trade = await buyersPoolTrade(ctx, user, channel, tradeId);
      const member = seatOf(trade, Number(seat));
      if (member.bundleHash === null || member.bundleBytes === null) {
        throw new HttpError(409, `seat ${seat} has not delivered its bundle`, 'WRONG_STATE');
      }
      const bytes = await ctx.otherApps.bytes(
        user,
        { channel, seller: member.account, url: query.appUrl },
        'GET',
        `/peer/channels/${channel}/pool-trades/${tradeId}/seats/${seat}/bundle`,
        { maxBytes: member.bundleBytes },
      );
      const digest = sha256Hex(bytes);
      if (digest !== member.bundleHash || bytes.length !== member.bundleBytes) {
        throw badGateway(
          `seat ${seat}'s bundle does not match the ledger (sha256 ${digest}, ${String(bytes.length)} bytes)`,
        );
      }
      return { bytes, sha256: digest };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/channels/{channel}/pool-trades/{tradeId}/rounds/{round}/seats/{seat}/partial',
    role: 'buyer',
    auth: 'token',
    body: 'raw',
    summary: "upload one member's encrypted partial of a round to that member's app (signed)",
    params: poolRoundSeatParams,
    query: partialUploadQuery,
    rawDescription: "the encrypted partial, computed on the member's bundle",
    response: { status: 201, description: 'stored by the member app', schema: poolUploadSchema },
    errors: { 403: 'not the buyer', 404: 'no such seat', 409: 'not this round', ...memberFailed },
    handler: async ({ user, params: { channel, tradeId, round, seat }, query, body }, ctx) => {
      const trade = await buyersPoolTrade(ctx, user, channel, tradeId);
      const member = seatOf(trade, Number(seat));
      requirePoolState(trade, ['COMPUTING'], 'partials are taken while COMPUTING');
      if (trade.round !== Number(round)) {
        throw new HttpError(409, `the trade is in round ${String(trade.round)}`, 'WRONG_ROUND');
      }
      await ctx.otherApps.call(
        user,
        { channel, seller: member.account, url: query.appUrl },
        'PUT',
        `/peer/channels/${channel}/pool-trades/${tradeId}/rounds/${round}/seats/${seat}/partial${computationSearch(query)}`,
        { body, maxBytes: RECEIPT_BYTES },
      );
      return {
        status: 201,
        body: {
          tradeId,
          round: Number(round),
          seat: Number(seat),
          sha256: sha256Hex(body),
          bytes: body.length,
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/pool-trades/{tradeId}/rounds/{round}/partials',
    role: 'buyer',
    auth: 'token',
    body: 'json',
    summary: "record the round's partials on chain: one hash per seat, and the values each holds",
    params: poolRoundParams,
    json: poolPartialsBody,
    response: { description: 'the joint trade, SHARING', schema: poolTradeSchema },
    errors: { 403: 'not the buyer', 409: 'not COMPUTING, wrong round, leakage over the bound' },
    handler: async ({ user, params: { channel, tradeId, round }, body }, ctx) => {
      const trade = await buyersPoolTrade(ctx, user, channel, tradeId);
      if (body.partialHashes.length !== trade.members.length) {
        throw badRequest(
          `give one partial hash per seat (${String(trade.members.length)}), not ${String(body.partialHashes.length)}`,
        );
      }
      return {
        body: await ctx.pools().submitPartials(user, channel, tradeId, {
          round: Number(round),
          valueCount: body.valueCount,
          partialHashes: body.partialHashes,
        }),
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/pool-trades/{tradeId}/rounds/{round}/aggregate',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary:
      "the round's aggregate: every member's masked share opened and summed (the masks cancel)",
    params: poolRoundParams,
    response: { description: 'the aggregate', schema: poolAggregateSchema },
    errors: {
      403: 'not the buyer',
      404: 'no result key in this app',
      409: 'the round is not complete',
      502: 'a share does not open or does not match the ledger',
    },
    handler: async ({ user, params: { channel, tradeId, round } }, ctx) => {
      const trade = await buyersPoolTrade(ctx, user, channel, tradeId);
      const r = Number(round);
      // The contract moves to the next round (or settles) with a round's last share.
      const done =
        r < trade.round || (r === trade.round && ['SCORING', 'SETTLED'].includes(trade.state));
      if (!done) throw new HttpError(409, `round ${round} is not complete`, 'WRONG_STATE');
      const privateKey = await poolResultKey(ctx, channel, tradeId);
      const shares = await ctx.pools().getPoolShares(user, channel, tradeId, r);
      let sums: Map<number, number[]>;
      try {
        sums = aggregateRound(shares, trade, r, privateKey);
      } catch (error) {
        if (error instanceof AggregationError) throw badGateway(error.message);
        throw error;
      }
      const all = 2 ** trade.members.length - 1;
      return {
        body: {
          tradeId,
          round: r,
          values: sums.get(all) ?? [],
          coalitions: [...sums]
            .filter(([c]) => c !== all)
            .map(([coalition, values]) => ({ coalition, values })),
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/pool-trades/{tradeId}/scores',
    role: 'buyer',
    auth: 'token',
    body: 'json',
    summary:
      "shapley-f1: the F1 score of every coalition's model; the trade settles by the members' normalised Shapley values",
    params: poolTradeParams,
    json: poolScoresBody,
    response: { description: 'the joint trade, SETTLED', schema: poolTradeSchema },
    errors: {
      403: 'not the buyer',
      409: 'not SCORING (not shapley-f1, rounds left, already settled) or past the scores deadline',
    },
    handler: async ({ user, params: { channel, tradeId }, body }, ctx) => {
      const trade = await buyersPoolTrade(ctx, user, channel, tradeId);
      requirePoolState(
        trade,
        ['SCORING'],
        'scores are taken after the last round of a shapley-f1 pool',
      );
      const coalitions = 2 ** trade.members.length - 1;
      if (body.scores.length !== coalitions) {
        throw badRequest(
          `give one score per coalition: ${String(trade.members.length)} members make ${String(coalitions)}, not ${String(body.scores.length)}`,
        );
      }
      return { body: await ctx.pools().submitScores(user, channel, tradeId, body.scores) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/pool-trades/{tradeId}/refund',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary: 'refund the whole joint trade (withdrawal, or a member missed its deadline)',
    params: poolTradeParams,
    response: { description: 'the joint trade, REFUNDED', schema: poolTradeSchema },
    errors: { 403: 'not the buyer', 409: 'wrong state or deadline' },
    handler: async ({ user, params: { channel, tradeId } }, ctx) => {
      await buyersPoolTrade(ctx, user, channel, tradeId);
      return { body: await ctx.pools().refundPool(user, channel, tradeId) };
    },
  }),
];
