import {
  channelParams,
  datasetParams,
  pageQuery,
  pageRequest,
  tradeParams,
} from '../schemas/fields.js';
import {
  listingPageSchema,
  listingSchema,
  tradePageSchema,
  tradeSchema,
} from '../schemas/records.js';
import { tradesQuery } from '../schemas/requests.js';
import { accountSchema, healthSchema, openApiDocumentSchema } from '../schemas/responses.js';
import { defineRoute, type Route } from './route.js';

/** Routes every app serves, whatever its roles: health, the API description, reading. */
export const commonRoutes: Route[] = [
  defineRoute({
    method: 'get',
    path: '/health',
    role: 'any',
    auth: 'none',
    body: 'none',
    summary: 'liveness and what this app serves',
    response: { description: 'ok', schema: healthSchema },
    handler: (_input, { ledger, config }) => ({
      body: {
        status: 'ok' as const,
        org: ledger.org,
        mspId: ledger.mspId,
        roles: config.roles,
        channels: config.channels,
      },
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/openapi.json',
    role: 'any',
    auth: 'none',
    body: 'none',
    summary: 'this description (OpenAPI 3.1), for the routes this app serves',
    response: { description: 'OpenAPI 3.1', schema: openApiDocumentSchema },
    handler: (_input, ctx) => ({ body: openApiDocumentSchema.parse(ctx.openApi()) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/account',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary: "the caller's ledger account and balance",
    params: channelParams,
    response: { description: 'account', schema: accountSchema },
    handler: async ({ user, params: { channel } }, { ledger }) => {
      const accountId = await ledger.accountId(user, channel);
      const balance = await ledger.balanceOf(user, channel, accountId);
      return { body: { user, mspId: ledger.mspId, channel, accountId, balance } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/trades',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary: "the caller's trades as buyer (default) or seller",
    params: channelParams,
    query: tradesQuery,
    response: { description: 'a page of trades', schema: tradePageSchema },
    handler: async ({ user, params: { channel }, query }, { ledger }) => {
      const accountId = await ledger.accountId(user, channel);
      const by = query.as ?? 'buyer';
      return {
        body: await ledger.listTrades(user, channel, { by, accountId }, pageRequest(query)),
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/trades/{tradeId}',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary: "trade status (the trade's buyer or seller)",
    params: tradeParams,
    response: { description: 'the trade', schema: tradeSchema },
    errors: { 403: 'not a party of the trade' },
    handler: async ({ user, params: { channel, tradeId } }, { access }) => ({
      body: await access.callersTrade(
        user,
        channel,
        tradeId,
        ['buyer', 'seller'],
        `trade ${tradeId} is not yours (auditors: use /audit routes)`,
      ),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/listings',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary: 'browse listings',
    params: channelParams,
    query: pageQuery,
    response: { description: 'a page of listings', schema: listingPageSchema },
    handler: async ({ user, params: { channel }, query }, { ledger }) => ({
      body: await ledger.listListings(user, channel, pageRequest(query)),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/listings/{datasetId}',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary: 'one listing',
    params: datasetParams,
    response: { description: 'the listing', schema: listingSchema },
    handler: async ({ user, params: { channel, datasetId } }, { ledger }) => ({
      body: await ledger.getListing(user, channel, datasetId),
    }),
  }),
];
