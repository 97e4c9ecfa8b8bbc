import { badRequest } from '../http/errors.js';
import { channelParams, datasetParams, tradeParams } from '../schemas/fields.js';
import { createDatasetBody, updateDatasetBody } from '../schemas/requests.js';
import {
  datasetListingSchema,
  datasetListSchema,
  delistedSchema,
  pumpLogSchema,
} from '../schemas/responses.js';
import { requireInPresetRange } from './dataset-checks.js';
import { datasetFrom, storeAndList } from './datasets.js';
import { defineRoute, type Route } from './route.js';

/** The seller's own routes (API token): its datasets and listings, its pump's journal. */
export const sellerRoutes: Route[] = [
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/datasets',
    role: 'seller',
    auth: 'token',
    body: 'none',
    summary: 'datasets in this seller store',
    params: channelParams,
    response: { description: 'datasets', schema: datasetListSchema },
    handler: async ({ params: { channel } }, { store }) => ({
      body: { records: await store.listDatasets(channel) },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/datasets',
    role: 'seller',
    auth: 'token',
    body: 'dataset',
    summary:
      'store a dataset (CSV body or file path) and list it on chain; the data never goes on chain',
    params: channelParams,
    json: createDatasetBody,
    response: {
      status: 201,
      description: 'stored and listed',
      schema: datasetListingSchema,
      pending: "sent, the listing's commit outcome is unknown: the data is kept, follow txId",
    },
    errors: { 409: 'id taken', 413: 'body or file over the dataset limit' },
    handler: async ({ user, params: { channel }, body }, ctx) =>
      storeAndList(ctx, user, channel, body),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/channels/{channel}/datasets/{datasetId}',
    role: 'seller',
    auth: 'token',
    body: 'dataset',
    summary: "update a listing's terms and/or replace its data",
    params: datasetParams,
    json: updateDatasetBody,
    response: { description: 'updated', schema: datasetListingSchema },
    errors: {
      403: 'listed by another account',
      409: 'delisted',
      413: 'over the dataset limit',
    },
    handler: async ({ user, params: { channel, datasetId }, body }, ctx) => {
      const fields = body.listing ?? {};
      const current = await ctx.access.callersListing(user, channel, datasetId);
      const hasData = body.csv !== undefined || body.path !== undefined;
      const preset = fields.ckksPreset ?? current.ckksPreset;
      const table = hasData ? await datasetFrom(body, ctx.config, preset) : undefined;
      if (!table && Object.keys(fields).length === 0) throw badRequest('nothing to update');
      // A new preset must still hold the stored data.
      const stored = table ? undefined : await ctx.store.getDataset(channel, datasetId);
      if (stored && fields.ckksPreset !== undefined) requireInPresetRange(stored, preset);
      const listing = await ctx.ledger.updateListing(user, channel, {
        ...fields,
        id: datasetId,
        ...(table ? { schema: { columns: table.columns, rowCount: table.rows.length } } : {}),
      });
      if (table) {
        // Open trades keep their bundles; new purchases get the new data.
        const { columns, rows } = table;
        await ctx.store.putDataset({ channel, datasetId, columns, rows, owner: user });
        await ctx.store.deleteSample(channel, datasetId);
      }
      return { body: { listing, rowCount: table?.rows.length ?? current.schema.rowCount } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/channels/{channel}/datasets/{datasetId}',
    role: 'seller',
    auth: 'token',
    body: 'none',
    summary: 'delist (open trades continue; the data stays for them)',
    params: datasetParams,
    response: { description: 'delisted', schema: delistedSchema },
    errors: { 403: 'listed by another account', 409: 'already delisted' },
    handler: async ({ user, params: { channel, datasetId } }, { access, ledger }) => {
      await access.callersListing(user, channel, datasetId);
      // The data stays in the store: open trades may still need it.
      return { body: { listing: await ledger.delist(user, channel, datasetId) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/trades/{tradeId}/pump-log',
    role: 'seller',
    auth: 'token',
    body: 'none',
    summary: "what the seller's event pump did for a trade",
    params: tradeParams,
    response: { description: 'journal entries', schema: pumpLogSchema },
    errors: { 403: 'not a sale of the caller' },
    handler: async ({ user, params: { channel, tradeId } }, { access, store }) => {
      await access.callersTrade(
        user,
        channel,
        tradeId,
        ['seller'],
        `trade ${tradeId} is not a sale of yours`,
      );
      return { body: { tradeId, entries: await store.pumpLog(channel, tradeId) } };
    },
  }),
];
