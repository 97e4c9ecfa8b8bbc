import { createHash } from 'node:crypto';
import { HttpError, notFound } from '../http/errors.js';
import { ContractRefusal } from '../ledger/errors.js';
import { newSeat } from '../pools/seats.js';
import { channelParams, pageQuery } from '../schemas/fields.js';
import {
  poolJoinBody,
  poolPageSchema,
  poolParams,
  poolProposalBody,
  poolSchema,
  poolSeatSchema,
  poolTradePageSchema,
  poolTradeParams,
  poolTradeSchema,
} from '../schemas/pools.js';
import { defineRoute, type Route } from './route.js';

/**
 * Pools (docs/pools.md): reads for every role (auditors see pools, members, stakes and every
 * joint trade), and the sellers' propose, join and leave. Joining makes the seat's X25519 mask
 * key here and keeps its private half sealed in the store, for the pool pump.
 */
export const poolRoutes: Route[] = [
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/pools',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary: 'pools on the channel: terms, split rule, seats, members, rows and stakes',
    params: channelParams,
    query: pageQuery,
    response: { description: 'a page of pools', schema: poolPageSchema },
    handler: async ({ user, params: { channel }, query }, ctx) => ({
      body: await ctx.pools().listPools(user, channel, query.pageSize ?? '', query.bookmark ?? ''),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/pools/{poolId}',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary: 'one pool',
    params: poolParams,
    response: { description: 'the pool', schema: poolSchema },
    errors: { 404: 'no such pool' },
    handler: async ({ user, params: { channel, poolId } }, ctx) => ({
      body: await ctx.pools().getPool(user, channel, poolId),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/pools/{poolId}/trades',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary: "a pool's joint trades: escrow, rounds, leakage used, each member's part",
    params: poolParams,
    query: pageQuery,
    response: { description: 'a page of joint trades', schema: poolTradePageSchema },
    handler: async ({ user, params: { channel, poolId }, query }, ctx) => ({
      body: await ctx
        .pools()
        .listPoolTrades(user, channel, poolId, query.bookmark ?? '', query.pageSize ?? ''),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/pool-trades/{tradeId}',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary: 'one joint trade',
    params: poolTradeParams,
    response: { description: 'the joint trade', schema: poolTradeSchema },
    errors: { 404: 'no such joint trade' },
    handler: async ({ user, params: { channel, tradeId } }, ctx) => ({
      body: await ctx.pools().getPoolTrade(user, channel, tradeId),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/pools',
    role: 'seller',
    auth: 'token',
    body: 'json',
    summary: 'propose a pool: the caller is its lead (seat 0) and joins it next like any member',
    params: channelParams,
    json: poolProposalBody,
    response: { status: 201, description: 'the pool, FORMING', schema: poolSchema },
    errors: { 409: 'the id is taken, or the contract refused the terms' },
    handler: async ({ user, params: { channel }, body }, ctx) => ({
      status: 201,
      body: await ctx.pools().proposePool(user, channel, body),
      location: `/api/channels/${channel}/pools/${body.id}`,
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/pools/{poolId}/join',
    role: 'seller',
    auth: 'token',
    body: 'json',
    summary:
      "join with a dataset of this app's store: its rows and schema hash, a fresh mask key (kept sealed here)",
    params: poolParams,
    json: poolJoinBody,
    response: { description: 'the seat and the pool', schema: poolSeatSchema },
    errors: {
      403: 'the dataset is not the caller’s',
      404: 'no such dataset in this app',
      409: 'no free seat for the caller, schema or stake differs',
    },
    handler: async ({ user, params: { channel, poolId }, body }, ctx) => {
      const { store, sealer } = ctx;
      const dataset = await store.getDataset(channel, body.datasetId);
      if (!dataset) throw notFound(`dataset ${body.datasetId} is not in this app's store`);
      if (dataset.owner !== '' && dataset.owner !== user) {
        throw new HttpError(403, `dataset ${body.datasetId} belongs to another user`, 'FORBIDDEN');
      }
      const seat = { channel, poolId, user, datasetId: body.datasetId };
      const keys = await newSeat(store, sealer, seat);
      const schemaHash = createHash('sha256').update(JSON.stringify(dataset.columns)).digest('hex');
      try {
        const pool = await ctx.pools().joinPool(user, channel, poolId, {
          rowCount: dataset.rows.length,
          schemaHash,
          maskPublicKey: keys.publicKey,
          ...(body.stake === undefined ? {} : { stake: body.stake }),
        });
        return { body: { ...seat, maskPublicKey: keys.publicKey, pool } };
      } catch (error) {
        // Refused on chain: the seat is not this user's, so its key goes.
        if (error instanceof ContractRefusal) await store.deletePoolSeat(channel, poolId, user);
        throw error;
      }
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/pools/{poolId}/leave',
    role: 'seller',
    auth: 'token',
    body: 'none',
    summary: 'leave a pool while none of its joint trades is open (the lead leaving closes it)',
    params: poolParams,
    response: { description: 'the pool', schema: poolSchema },
    errors: { 409: 'not a member, or a joint trade is open' },
    handler: async ({ user, params: { channel, poolId } }, ctx) => {
      const pool = await ctx.pools().leavePool(user, channel, poolId);
      await ctx.store.deletePoolSeat(channel, poolId, user);
      return { body: pool };
    },
  }),
];
