import { sha256Hex } from '../crypto/result-envelope.js';
import { HttpError, notFound } from '../http/errors.js';
import { datasetParams, tradeParams } from '../schemas/fields.js';
import { sampleResultSchema, uploadSchema } from '../schemas/responses.js';
import { BUNDLE_STATES, requireState } from '../trade-access.js';
import { defineRoute, type Route } from './route.js';
import { decryptSampleResult, sampleBundle } from './samples.js';

/**
 * The seller app's routes that buyers' apps call, with requests signed by the buyer's own
 * Fabric identity (auth.ts): bundles, results, free samples.
 */
export const peerRoutes: Route[] = [
  defineRoute({
    method: 'get',
    path: '/peer/channels/{channel}/trades/{tradeId}/bundle',
    role: 'seller',
    auth: 'signed',
    body: 'none',
    summary:
      "the trade's bundle, only to the trade's buyer (signed request), only in DELIVERED / RESULT_SUBMITTED",
    params: tradeParams,
    response: { description: 'the bundle', bytes: true },
    errors: { 403: "not the trade's buyer", 409: 'wrong state' },
    handler: async ({ caller, params: { channel, tradeId } }, { access, store }) => {
      const { trade } = await access.soldToCaller(
        caller,
        channel,
        tradeId,
        "only the trade's buyer may download its bundle",
      );
      requireState(trade, BUNDLE_STATES, 'the bundle is served in DELIVERED or RESULT_SUBMITTED');
      const bundle = await store.getBundle(channel, tradeId);
      if (!bundle) throw notFound(`no bundle stored for trade ${tradeId}`);
      return { bytes: bundle.bytes, sha256: bundle.sha256 };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/peer/channels/{channel}/trades/{tradeId}/result',
    role: 'seller',
    auth: 'signed',
    body: 'raw',
    summary: "upload the encrypted result, only from the trade's buyer, only in DELIVERED",
    params: tradeParams,
    rawDescription: 'the encrypted result',
    response: { status: 201, description: 'stored', schema: uploadSchema },
    errors: { 403: "not the trade's buyer", 409: 'wrong state, already uploaded, replayed' },
    handler: async ({ caller, params: { channel, tradeId }, body }, { access, store }) => {
      const { trade } = await access.soldToCaller(
        caller,
        channel,
        tradeId,
        "only the trade's buyer may upload its result",
      );
      requireState(trade, ['DELIVERED'], 'results are accepted only in DELIVERED');
      const sha256 = sha256Hex(body);
      // Once per trade: a later upload (a replay, a second try) never replaces the first.
      const inserted = await store.insertResult({ channel, tradeId, bytes: body, sha256 });
      // The same bytes again are a retry (e.g. the buyer's SubmitResult failed): accept them.
      const retried = !inserted && (await store.getResult(channel, tradeId))?.sha256 === sha256;
      if (!inserted && !retried) {
        throw new HttpError(
          409,
          `a different result for trade ${tradeId} was already uploaded; it is accepted once`,
          'RESULT_EXISTS',
        );
      }
      return { status: 201, body: { tradeId, sha256, bytes: body.length } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/peer/channels/{channel}/datasets/{datasetId}/sample',
    role: 'seller',
    auth: 'signed',
    body: 'none',
    summary:
      'a free test sample bundle: synthetic rows (never real ones) under fresh keys for this request',
    params: datasetParams,
    response: { description: 'the sample bundle', bytes: true },
    errors: { 409: 'seller file missing', 429: 'rate limit', 503: 'no CKKS engine' },
    handler: async ({ caller, params: { channel, datasetId } }, ctx) => {
      ctx.sampleLimiter.take(`bundle\u0000${caller.accountId}\u0000${channel}\u0000${datasetId}`);
      return sampleBundle(ctx, caller.accountId, channel, datasetId);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/peer/channels/{channel}/datasets/{datasetId}/sample/result',
    role: 'seller',
    auth: 'signed',
    body: 'raw',
    summary:
      "decrypt a test result under the caller's newest sample key (leakage bound, key budget, rate limit)",
    params: datasetParams,
    rawDescription: 'the encrypted test result',
    response: { description: 'values', schema: sampleResultSchema },
    errors: { 409: 'no sample asked for', 422: 'refused or budget spent', 429: 'rate limit' },
    handler: async ({ caller, params: { channel, datasetId }, body }, ctx) => {
      const remaining = ctx.sampleLimiter.take(
        `${caller.accountId}\u0000${channel}\u0000${datasetId}`,
      );
      const values = await decryptSampleResult(ctx, caller.accountId, channel, datasetId, body);
      return { body: { datasetId, values, remaining } };
    },
  }),
];
