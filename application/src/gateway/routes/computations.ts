/**
 * Routes of the privacy features (docs/privacy.md): a buyer submits the result of a named
 * computation with its parameters; the seller's app keeps them to re-execute the computation
 * before decrypting; a seller uploads the dummy file of a seller-file sample.
 */
import { z } from 'zod';
import { canonicalJson, MAX_PARAMS_JSON, paramsHash } from '../../computations/params.js';
import { scriptHash } from '../../computations/run.js';
import type { Listing } from '@datamarket/chaincode/api';
import { CsvError, readNumericCsv } from '../../data/csv.js';
import { sha256Hex } from '../crypto/result-envelope.js';
import { badGateway, badRequest, HttpError, notFound } from '../http/errors.js';
import { sampleFileProblem } from '../samples/synthetic.js';
import { datasetParams, tradeParams } from '../schemas/fields.js';
import { tradeSchema } from '../schemas/records.js';
import { requireState } from '../trade-access.js';
import { defineRoute, type Route } from './route.js';

const computationIdField = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected a computation id (e.g. column-means)');

/** What a buyer's app sends the seller's app: the computation and its parameters. */
const namedComputation = z.strictObject({ computationId: computationIdField, params: z.unknown() });

const computedResultQuery = z.object({
  valueCount: z.string().regex(/^[1-9]\d{0,8}$/, 'expected the number of values the result holds'),
  computation: computationIdField.meta({ description: 'the approved computation run' }),
  params: z
    .string()
    .max(MAX_PARAMS_JSON)
    .meta({ description: 'its parameters as JSON (e.g. {"columns":["age"]})' }),
});

const scriptParams = datasetParams.extend({ computationId: computationIdField });
const scriptStoredSchema = z.object({
  datasetId: z.string(),
  computationId: z.string(),
  sha256: z.string(),
});
/** The largest script a seller may register (characters). */
const MAX_SCRIPT = 256 * 1024;

/** The SHA-256 the listing approves for a script id (404 when it approves none). */
function approvedScriptHash(listing: Listing, computationId: string): string {
  const policy = listing.computationPolicy;
  const found =
    policy.mode === 'approved'
      ? policy.computations.find((c) => c.id === computationId && c.kind === 'script')
      : undefined;
  if (found?.kind !== 'script') {
    throw notFound(`listing ${listing.id} approves no script named ${computationId}`);
  }
  return found.sha256;
}

const storedSchema = z.object({
  tradeId: z.string(),
  computationId: z.string(),
  paramsHash: z.string(),
});
const sampleFileSchema = z.object({ datasetId: z.string(), rows: z.number().int() });

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest(`${what} is not valid JSON`);
  }
}

export const computationRoutes: Route[] = [
  defineRoute({
    method: 'put',
    path: '/api/channels/{channel}/datasets/{datasetId}/scripts/{computationId}',
    role: 'seller',
    auth: 'token',
    body: 'raw',
    summary:
      "register the code of a computation script the listing approves (its SHA-256 must be the listing's)",
    params: scriptParams,
    rawDescription: 'the script: an ES module whose default export computes on the table',
    response: { description: 'stored', schema: scriptStoredSchema },
    errors: { 403: 'listed by another account', 404: 'not approved', 422: 'hash differs' },
    handler: async ({ user, params: { channel, datasetId, computationId }, body }, ctx) => {
      const listing = await ctx.access.callersListing(user, channel, datasetId);
      const expected = approvedScriptHash(listing, computationId);
      if (body.length > MAX_SCRIPT) throw badRequest(`a script is at most ${MAX_SCRIPT} bytes`);
      const code = Buffer.from(body).toString('utf8');
      const sha256 = scriptHash(code);
      if (sha256 !== expected) {
        throw new HttpError(
          422,
          `the code's SHA-256 is ${sha256}; the listing approves ${expected}`,
          'SCRIPT_HASH_MISMATCH',
        );
      }
      await ctx.store.putScript(channel, datasetId, { id: computationId, code });
      return { body: { datasetId, computationId, sha256 } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/peer/channels/{channel}/datasets/{datasetId}/scripts/{computationId}',
    role: 'seller',
    auth: 'signed',
    body: 'none',
    summary: 'the code of an approved computation script, for a buyer to run it',
    params: scriptParams,
    response: { description: 'the script code', bytes: true },
    errors: { 404: 'no such script' },
    handler: async ({ params: { channel, datasetId, computationId } }, ctx) => {
      const scripts = await ctx.store.listScripts(channel, datasetId);
      const script = scripts.find((s) => s.id === computationId);
      if (!script) throw notFound(`no script ${computationId} is registered for ${datasetId}`);
      const bytes = Buffer.from(script.code, 'utf8');
      return { bytes, sha256: sha256Hex(bytes) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/channels/{channel}/listings/{datasetId}/scripts/{computationId}',
    role: 'buyer',
    auth: 'token',
    body: 'none',
    summary:
      "fetch an approved script's code from the seller's app, checked against the listing's hash",
    params: scriptParams,
    response: { description: 'the script code', bytes: true },
    errors: { 404: 'not approved', 502: 'the code does not match the listing' },
    handler: async ({ user, params: { channel, datasetId, computationId } }, ctx) => {
      const listing = await ctx.ledger.getListing(user, channel, datasetId);
      const expected = approvedScriptHash(listing, computationId);
      const bytes = await ctx.otherApps.bytes(
        user,
        { channel, seller: listing.seller, url: listing.sellerGatewayUrl },
        'GET',
        `/peer/channels/${channel}/datasets/${datasetId}/scripts/${computationId}`,
        { maxBytes: MAX_SCRIPT },
      );
      const sha256 = scriptHash(Buffer.from(bytes).toString('utf8'));
      if (sha256 !== expected)
        throw badGateway(`the seller's script hashes to ${sha256}, not the listing's ${expected}`);
      return { bytes, sha256: sha256Hex(bytes) };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/peer/channels/{channel}/trades/{tradeId}/computation',
    role: 'seller',
    auth: 'signed',
    body: 'raw',
    summary:
      "the computation a trade's result claims to be, with its parameters (the seller re-executes it before decrypting)",
    params: tradeParams,
    rawDescription: 'JSON {"computationId", "params"}',
    response: { status: 201, description: 'stored', schema: storedSchema },
    errors: { 403: "not the trade's buyer", 409: 'not DELIVERED, or another one already sent' },
    handler: async ({ caller, params: { channel, tradeId }, body }, { access, store }) => {
      const { trade } = await access.soldToCaller(
        caller,
        channel,
        tradeId,
        "only the trade's buyer may name its computation",
      );
      requireState(trade, ['DELIVERED'], 'a computation is named only in DELIVERED');
      if (body.length > MAX_PARAMS_JSON + 256)
        throw badRequest('the computation description is too long');
      const parsed = namedComputation.safeParse(
        parseJson(Buffer.from(body).toString('utf8'), 'the body'),
      );
      if (!parsed.success) throw badRequest('expected {"computationId": "...", "params": {...}}');
      const { computationId, params } = parsed.data;
      const paramsJson = canonicalJson(params ?? null);
      const stored = { channel, tradeId, computationId, paramsJson };
      const inserted = await store.insertTradeComputation(stored);
      const existing = inserted ? stored : await store.getTradeComputation(channel, tradeId);
      if (existing?.computationId !== computationId || existing.paramsJson !== paramsJson) {
        throw new HttpError(
          409,
          `trade ${tradeId} already names another computation`,
          'COMPUTATION_EXISTS',
        );
      }
      return {
        status: 201,
        body: { tradeId, computationId, paramsHash: paramsHash(params ?? null) },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/trades/{tradeId}/computed-result',
    role: 'buyer',
    auth: 'token',
    body: 'raw',
    summary:
      "upload the result of a named (approved) computation and its parameters to the seller's app; record result, computation and parameter hashes on chain",
    params: tradeParams,
    query: computedResultQuery,
    rawDescription: 'the encrypted result',
    response: { description: 'the trade, RESULT_SUBMITTED', schema: tradeSchema },
    errors: { 403: "not the trade's buyer", 409: 'not DELIVERED, or past resultBy' },
    handler: async ({ user, params: { channel, tradeId }, query, body }, ctx) => {
      const valueCount = Number(query.valueCount);
      const params = parseJson(query.params, 'params');
      const trade = await ctx.access.buyersTrade(user, channel, tradeId);
      requireState(trade, ['DELIVERED'], 'results are accepted only in DELIVERED');
      if (valueCount > trade.terms.leakageBound) {
        throw badRequest(
          `valueCount ${valueCount} exceeds the trade's leakage bound ${trade.terms.leakageBound}`,
        );
      }
      const seller = { channel, seller: trade.seller, url: trade.terms.sellerGatewayUrl };
      const named = Buffer.from(JSON.stringify({ computationId: query.computation, params }));
      const base = `/peer/channels/${channel}/trades/${tradeId}`;
      await ctx.otherApps.call(user, seller, 'PUT', `${base}/computation`, {
        body: named,
        maxBytes: 16 * 1024,
      });
      await ctx.otherApps.call(user, seller, 'PUT', `${base}/result`, {
        body,
        maxBytes: 16 * 1024,
      });
      return {
        body: await ctx.ledger.submitComputedResult(user, channel, tradeId, {
          resultHash: sha256Hex(body),
          valueCount,
          computationId: query.computation,
          paramsHash: paramsHash(params),
        }),
      };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/channels/{channel}/datasets/{datasetId}/sample-file',
    role: 'seller',
    auth: 'token',
    body: 'raw',
    summary:
      "the dummy CSV a seller-file sample serves (checked against the listing's columns and declared ranges)",
    params: datasetParams,
    rawDescription: 'CSV text with a header line',
    response: { description: 'stored', schema: sampleFileSchema },
    errors: { 403: 'listed by another account', 422: 'does not fit the schema' },
    handler: async ({ user, params: { channel, datasetId }, body }, ctx) => {
      const listing = await ctx.access.callersListing(user, channel, datasetId);
      let table: { columns: string[]; rows: number[][] };
      try {
        table = readNumericCsv(Buffer.from(body).toString('utf8'), {
          maxRows: ctx.config.sampleRows,
        });
      } catch (error) {
        if (error instanceof CsvError) throw badRequest(error.message);
        throw error;
      }
      const problem = sampleFileProblem(table, listing.schema.columns, listing.columnRanges);
      if (problem) throw new HttpError(422, problem, 'SAMPLE_FILE_REFUSED');
      await ctx.store.putSampleFile({ channel, datasetId, ...table });
      return { body: { datasetId, rows: table.rows.length } };
    },
  }),
];
