import { X509Certificate } from 'node:crypto';
import { accountIdOf } from '../auth.js';
import { forbidden, HttpError } from '../http/errors.js';
import { channelParams, datasetParams, tradeParams } from '../schemas/fields.js';
import {
  encryptedDeliverySchema,
  proposeBody,
  selfAccountSchema,
  selfCommittedSchema,
  selfTxParams,
  signatureBody,
  toSignSchema,
} from '../schemas/onboarding.js';
import { listingSchema, tradeSchema } from '../schemas/records.js';
import type { AppUser } from '../store/seller-store.js';
import type { RouteContext } from './context.js';
import { defineRoute, type Route } from './route.js';

/**
 * Non-custodial buyers (docs/gateway.md, "Non-custodial mode"): the app holds only their
 * certificate. They read through the app (as its reader user; their account id comes from
 * their certificate, as the chaincode derives it) and sign every transaction themselves: the
 * app builds each message, answers its digest, and forwards it once signed.
 */

/** The self-custody user making the request, with what the app needs for it. */
async function selfUser(ctx: RouteContext, name: string) {
  const services = ctx.onboarding;
  if (!services) throw new HttpError(503, 'this app has no non-custodial mode', 'NO_SELF_CUSTODY');
  const user = await services.users.store.getAppUser(name);
  if (user?.custody !== 'self') {
    throw forbidden(`user ${name} is not a non-custodial user: use the /api/channels routes`);
  }
  return {
    user,
    services,
    accountId: accountIdOf(ctx.ledger.mspId, new X509Certificate(user.certificatePem)),
  };
}

const signature = (base64: string) => Buffer.from(base64, 'base64');
const userOf = (u: AppUser) => ({ name: u.name, certificatePem: u.certificatePem });

export const selfCustodyRoutes: Route[] = [
  defineRoute({
    method: 'get',
    path: '/api/self/channels/{channel}/account',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary: "a non-custodial user's ledger account and balance (read by the app)",
    params: channelParams,
    response: { description: 'account', schema: selfAccountSchema },
    handler: async ({ user, params: { channel } }, ctx) => {
      const { accountId } = await selfUser(ctx, user);
      const balance = await ctx.ledger.balanceOf(ctx.readerUser, channel, accountId);
      return {
        body: {
          user,
          mspId: ctx.ledger.mspId,
          channel,
          accountId,
          balance,
          custody: 'self' as const,
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/self/channels/{channel}/listings/{datasetId}',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary: 'one listing, for a non-custodial user',
    params: datasetParams,
    response: { description: 'the listing', schema: listingSchema },
    handler: async ({ user, params: { channel, datasetId } }, ctx) => {
      await selfUser(ctx, user);
      return { body: await ctx.access.listing(channel, datasetId) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/self/channels/{channel}/trades/{tradeId}',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary: "a non-custodial user's trade (its buyer only)",
    params: tradeParams,
    response: { description: 'the trade', schema: tradeSchema },
    errors: { 403: "not the trade's buyer" },
    handler: async ({ user, params: { channel, tradeId } }, ctx) => {
      const { accountId } = await selfUser(ctx, user);
      const trade = await ctx.ledger.getTrade(ctx.readerUser, channel, tradeId);
      if (trade.buyer !== accountId)
        throw forbidden(`trade ${tradeId} was bought by another account`);
      return { body: trade };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/self/channels/{channel}/trades/{tradeId}/delivery',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary: 'the delivered result, still encrypted to the key the buyer keeps',
    params: tradeParams,
    response: { description: 'the encrypted result', schema: encryptedDeliverySchema },
    errors: { 403: "not the trade's buyer" },
    handler: async ({ user, params: { channel, tradeId } }, ctx) => {
      const { accountId } = await selfUser(ctx, user);
      const delivered = await ctx.ledger.getDeliveredResult(ctx.readerUser, channel, tradeId);
      if (delivered.buyer !== accountId)
        throw forbidden(`trade ${tradeId} was bought by another account`);
      const { encryptedResult, resultDigest } = delivered;
      return { body: { tradeId, encryptedResult, resultDigest } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/self/channels/{channel}/transactions',
    role: 'buyer',
    auth: 'token',
    body: 'json',
    summary:
      'build a transaction proposal for the caller to sign (Purchase, PurchaseAtPrice, SubmitResult, Refund)',
    params: channelParams,
    json: proposeBody,
    response: { status: 201, description: 'the proposal digest to sign', schema: toSignSchema },
    errors: { 429: 'too many transactions wait for signatures' },
    handler: async ({ user, params: { channel }, body }, ctx) => {
      const { user: appUser, services } = await selfUser(ctx, user);
      const toSign = await services.offline.propose(userOf(appUser), channel, body.fn, body.args);
      return { status: 201 as const, body: toSign };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/self/channels/{channel}/transactions/{txId}/endorse',
    role: 'buyer',
    auth: 'token',
    body: 'json',
    summary: 'endorse the signed proposal; answers the transaction digest to sign',
    params: selfTxParams,
    json: signatureBody,
    response: { description: 'the transaction digest to sign', schema: toSignSchema },
    errors: { 401: 'the signature does not verify', 409: 'wrong stage, or the contract refused' },
    handler: async ({ user, params: { txId }, body }, ctx) => {
      const { services } = await selfUser(ctx, user);
      return { body: await services.offline.endorse(user, txId, signature(body.signature)) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/self/channels/{channel}/transactions/{txId}/submit',
    role: 'buyer',
    auth: 'token',
    body: 'json',
    summary: 'send the signed transaction to the orderer; answers the commit-status digest to sign',
    params: selfTxParams,
    json: signatureBody,
    response: { description: 'the commit-status request digest to sign', schema: toSignSchema },
    errors: { 401: 'the signature does not verify', 409: 'wrong stage' },
    handler: async ({ user, params: { txId }, body }, ctx) => {
      const { services } = await selfUser(ctx, user);
      return { body: await services.offline.submit(user, txId, signature(body.signature)) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/self/channels/{channel}/transactions/{txId}/commit',
    role: 'buyer',
    auth: 'token',
    body: 'json',
    summary: 'wait for the commit with the signed status request; answers the committed result',
    params: selfTxParams,
    json: signatureBody,
    response: { description: 'committed', schema: selfCommittedSchema },
    errors: { 401: 'the signature does not verify', 409: 'wrong stage; invalid commit' },
    handler: async ({ user, params: { txId }, body }, ctx) => {
      const { services } = await selfUser(ctx, user);
      const committed = await services.offline.commit(user, txId, signature(body.signature));
      return { body: { ...committed, result: JSON.parse(committed.result) as unknown } };
    },
  }),
];
