import { sha256Hex } from '../crypto/result-envelope.js';
import { badGateway, badRequest, notFound } from '../http/errors.js';
import { datasetParams, tradeParams } from '../schemas/fields.js';
import { tradeSchema } from '../schemas/records.js';
import { purchaseBody, resultQuery } from '../schemas/requests.js';
import { deliveredPlainResultSchema, sampleResultSchema } from '../schemas/responses.js';
import { BUNDLE_STATES, requireState } from '../trade-access.js';
import { openDeliveredResult, purchaseKeeping } from './buyer-results.js';
import { defineRoute, type Route } from './route.js';

const sellerFailed = {
  502: "the seller's app failed, redirected, answered too much, or is not registered on chain",
  504: "the seller's app did not answer in time",
} as const;
/** The seller app's receipt of a result upload is a small JSON object. */
const RESULT_RECEIPT_BYTES = 16 * 1024;

/** The buyer's routes: samples, purchase, bundle, result, refund. */
export const buyerRoutes: Route[] = [
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/listings/{datasetId}/sample',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary:
      "fetch the free test sample (a bundle under the sample's own keys) from the seller's app",
    params: datasetParams,
    response: { description: 'the test bundle', bytes: true },
    errors: sellerFailed,
    handler: async ({ user, params: { channel, datasetId } }, { ledger, otherApps, config }) => {
      const listing = await ledger.getListing(user, channel, datasetId);
      if (!listing.freeSample) throw notFound(`dataset ${datasetId} offers no free test sample`);
      const bytes = await otherApps.bytes(
        user,
        { channel, seller: listing.seller, url: listing.sellerGatewayUrl },
        'GET',
        `/peer/channels/${channel}/datasets/${datasetId}/sample`,
        { maxBytes: config.limits.sample },
      );
      return { bytes, sha256: sha256Hex(bytes) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/listings/{datasetId}/sample/result',
    role: 'buyer',
    auth: 'token',
    body: 'raw',
    summary:
      'send an encrypted result computed on the test sample; the seller decrypts it for free (rate-limited, off chain)',
    params: datasetParams,
    rawDescription: 'the encrypted test result',
    response: { description: 'decrypted values', schema: sampleResultSchema },
    errors: {
      422: 'the seller refused to decrypt (leakage policy, malformed)',
      429: 'rate limit',
      ...sellerFailed,
    },
    handler: async ({ user, params: { channel, datasetId }, body }, ctx) => {
      const listing = await ctx.ledger.getListing(user, channel, datasetId);
      const reply = await ctx.otherApps.json(
        user,
        { channel, seller: listing.seller, url: listing.sellerGatewayUrl },
        'POST',
        `/peer/channels/${channel}/datasets/${datasetId}/sample/result`,
        { body, maxBytes: ctx.config.limits.sample },
      );
      const answer = sampleResultSchema.safeParse(reply);
      if (!answer.success) throw badGateway("the seller's app answered a malformed sample result");
      return { body: answer.data };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/trades',
    role: 'buyer',
    auth: 'token',
    body: 'json',
    summary: 'purchase: escrow price + deposit; the app makes and keeps the X25519 result key',
    params: tradeParams.pick({ channel: true }),
    json: purchaseBody,
    response: {
      status: 201,
      description: 'the trade, PAID',
      schema: tradeSchema,
      pending:
        'sent, its commit outcome is unknown: the trade id (= txId) to follow; the result key is kept',
    },
    errors: {
      403: 'the ledger refused the caller',
      409: 'wrong state, insufficient funds, terms changed, conflicts after retries',
    },
    handler: async ({ user, params: { channel }, body }, ctx) =>
      purchaseKeeping(ctx, user, channel, body),
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/trades/{tradeId}/bundle',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary:
      "download the encrypted bundle from the seller's app, checked against the ledger's hash",
    params: tradeParams,
    response: { description: 'the bundle', bytes: true },
    errors: {
      403: "not the trade's buyer",
      409: 'not DELIVERED / RESULT_SUBMITTED',
      502: 'the seller app failed, redirected, or its bundle does not match the ledger',
      504: "the seller's app did not answer in time",
    },
    handler: async ({ user, params: { channel, tradeId } }, { access, otherApps }) => {
      const trade = await access.buyersTrade(user, channel, tradeId);
      requireState(
        trade,
        BUNDLE_STATES,
        'the bundle is available in DELIVERED or RESULT_SUBMITTED',
      );
      if (trade.bundleBytes === null) throw badGateway(`trade ${tradeId} records no bundle size`);
      // The size on chain is exact: anything longer is refused while it streams.
      const bytes = await otherApps.bytes(
        user,
        { channel, seller: trade.seller, url: trade.terms.sellerGatewayUrl },
        'GET',
        `/peer/channels/${channel}/trades/${tradeId}/bundle`,
        { maxBytes: trade.bundleBytes },
      );
      const digest = sha256Hex(bytes);
      if (digest !== trade.bundleHash || bytes.length !== trade.bundleBytes) {
        throw badGateway(
          `the seller's bundle does not match the ledger (sha256 ${digest}, ${bytes.length} bytes; ledger ${String(trade.bundleHash)}, ${String(trade.bundleBytes)} bytes)`,
        );
      }
      return { bytes, sha256: digest };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/trades/{tradeId}/result',
    role: 'buyer',
    auth: 'token',
    body: 'raw',
    summary: "upload the encrypted result to the seller's app and record its hash on chain",
    params: tradeParams,
    query: resultQuery,
    rawDescription: 'the encrypted result',
    response: { description: 'the trade, RESULT_SUBMITTED', schema: tradeSchema },
    errors: {
      403: "not the trade's buyer",
      409: 'not DELIVERED, or past resultBy',
      ...sellerFailed,
    },
    handler: async ({ user, params: { channel, tradeId }, query, body }, ctx) => {
      const valueCount = Number(query.valueCount);
      const trade = await ctx.access.buyersTrade(user, channel, tradeId);
      requireState(trade, ['DELIVERED'], 'results are accepted only in DELIVERED');
      if (valueCount > trade.terms.leakageBound) {
        throw badRequest(
          `valueCount ${valueCount} exceeds the trade's leakage bound ${trade.terms.leakageBound}`,
        );
      }
      await ctx.otherApps.call(
        user,
        { channel, seller: trade.seller, url: trade.terms.sellerGatewayUrl },
        'PUT',
        `/peer/channels/${channel}/trades/${tradeId}/result`,
        { body, maxBytes: RESULT_RECEIPT_BYTES },
      );
      return {
        body: await ctx.ledger.submitResult(user, channel, tradeId, sha256Hex(body), valueCount),
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/trades/{tradeId}/refund',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary: 'refund (withdrawal, missed delivery or decryption deadline)',
    params: tradeParams,
    response: { description: 'the trade, REFUNDED', schema: tradeSchema },
    errors: { 403: "not the trade's buyer", 409: 'wrong state or deadline' },
    handler: async ({ user, params: { channel, tradeId } }, { access, ledger }) => {
      await access.buyersTrade(user, channel, tradeId);
      return { body: await ledger.refund(user, channel, tradeId) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/trades/{tradeId}/result',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary: "read the delivered result from the ledger and decrypt it with the trade's result key",
    params: tradeParams,
    response: { description: 'the result, its digest checked', schema: deliveredPlainResultSchema },
    errors: {
      403: "not the trade's buyer",
      409: 'not SETTLED',
      502: 'does not decrypt, or does not match the ledger (RESULT_MISMATCH: digest, not a result, another trade)',
    },
    handler: async ({ user, params: { channel, tradeId } }, ctx) => {
      const trade = await ctx.access.buyersTrade(user, channel, tradeId);
      requireState(trade, ['SETTLED'], 'a result is delivered only when SETTLED');
      return { body: await openDeliveredResult(ctx, user, channel, trade) };
    },
  }),
];
