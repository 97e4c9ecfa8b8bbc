import { badRequest } from '../http/errors.js';
import type { TradeFilter } from '../ledger/market-ledger.js';
import {
  blockSchema,
  chainInfoSchema,
  tradeHistorySchema,
  transactionSchema,
} from '../schemas/audit.js';
import { channelParams, pageRequest, tradeParams } from '../schemas/fields.js';
import { supplyAuditSchema, tradePageSchema } from '../schemas/records.js';
import { supplyCheckpointSchema, supplyTotalsSchema } from '../schemas/supply.js';
import { auditTradesQuery, blockParams, transactionParams } from '../schemas/requests.js';
import type { z } from 'zod';
import { defineRoute, type Route } from './route.js';

/** The one index an auditor's trade query names: exactly one of dataset, buyer, seller, state. */
function tradeFilter(query: z.output<typeof auditTradesQuery>): TradeFilter {
  const filters: TradeFilter[] = [];
  if (query.dataset !== undefined) filters.push({ by: 'dataset', datasetId: query.dataset });
  if (query.buyer !== undefined) filters.push({ by: 'buyer', accountId: query.buyer });
  if (query.seller !== undefined) filters.push({ by: 'seller', accountId: query.seller });
  if (query.state !== undefined) filters.push({ by: 'state', state: query.state });
  const [only, ...others] = filters;
  if (!only || others.length > 0)
    throw badRequest('give exactly one of dataset, buyer, seller, state');
  return only;
}

/** The auditor's routes: any trade, its history, the supply (and its checkpoint), blocks. */
export const auditorRoutes: Route[] = [
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/audit/trades',
    role: 'auditor',
    auth: 'token',
    body: 'none',
    summary: 'trades by dataset, buyer, seller or state (exactly one)',
    params: channelParams,
    query: auditTradesQuery,
    response: { description: 'a page', schema: tradePageSchema },
    handler: async ({ user, params: { channel }, query }, { ledger }) => ({
      body: await ledger.listTrades(user, channel, tradeFilter(query), pageRequest(query)),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/audit/trades/{tradeId}/history',
    role: 'auditor',
    auth: 'token',
    body: 'none',
    summary: 'every committed version of a trade, oldest first',
    params: tradeParams,
    response: { description: 'history', schema: tradeHistorySchema },
    handler: async ({ user, params: { channel, tradeId } }, { ledger }) => ({
      body: { tradeId, history: await ledger.tradeHistory(user, channel, tradeId) },
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/audit/supply',
    role: 'auditor',
    auth: 'token',
    body: 'none',
    summary: 'supply audit: total supply = balances + escrow',
    params: channelParams,
    response: { description: 'audit', schema: supplyAuditSchema },
    handler: async ({ user, params: { channel } }, { ledger }) => ({
      body: await ledger.auditSupply(user, channel),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/audit/supply/totals',
    role: 'auditor',
    auth: 'token',
    body: 'none',
    summary:
      'supply audit from the running totals (checkpoint + deltas since): its cost does not grow with the ledger',
    params: channelParams,
    response: { description: 'audit of the running totals', schema: supplyTotalsSchema },
    handler: async ({ user, params: { channel } }, { ledger }) => ({
      body: await ledger.auditSupplyTotals(user, channel),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/audit/supply/checkpoint',
    role: 'auditor',
    auth: 'token',
    body: 'none',
    summary:
      'fold the running-total deltas of minutes long past into the checkpoint (CheckpointSupply), so the next totals audit reads only newer ones',
    params: channelParams,
    response: { description: 'what was folded', schema: supplyCheckpointSchema },
    errors: { 409: 'a delta is malformed or unbalanced: it is never folded away (see the audit)' },
    handler: async ({ user, params: { channel } }, { ledger }) => ({
      body: await ledger.checkpointSupply(user, channel),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/audit/chain',
    role: 'auditor',
    auth: 'token',
    body: 'none',
    summary: 'chain height (qscc GetChainInfo)',
    params: channelParams,
    response: { description: 'height', schema: chainInfoSchema },
    handler: async ({ user, params: { channel } }, { ledger }) => ({
      body: { channel, ...(await ledger.chainInfo(user, channel)) },
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/audit/blocks/{number}',
    role: 'auditor',
    auth: 'token',
    body: 'none',
    summary: 'a block, decoded (qscc GetBlockByNumber)',
    params: blockParams,
    response: { description: 'the block', schema: blockSchema },
    handler: async ({ user, params: { channel, number } }, { ledger }) => ({
      body: await ledger.block(user, channel, BigInt(number)),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/audit/transactions/{txId}',
    role: 'auditor',
    auth: 'token',
    body: 'none',
    summary: 'a transaction, decoded (qscc GetTransactionByID)',
    params: transactionParams,
    response: { description: 'the transaction', schema: transactionSchema },
    handler: async ({ user, params: { channel, txId } }, { ledger }) => ({
      body: await ledger.transaction(user, channel, txId),
    }),
  }),
];
