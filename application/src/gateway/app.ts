import express, { type Request, type RequestHandler, type Response } from 'express';
import type { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { authenticate, requireSignedCaller, signRequest, type SignedCaller } from './auth.js';
import { decodeBlock, decodeChainInfo, decodeProcessedTransaction } from './blocks.js';
import type { GatewayConfig, Role } from './config.js';
import {
  decryptWithResultKey,
  encryptToResultKey,
  generateResultKeyPair,
  sha256Hex,
} from './crypto/result-envelope.js';
import type { Sealer } from './crypto/sealing.js';
import { parseNumericCsv } from './csv.js';
import {
  badGateway,
  badRequest,
  conflict,
  errorHandler,
  forbidden,
  HttpError,
  notFound,
  notFoundRoute,
  tooLarge,
  tooMany,
} from './http/errors.js';
import { userSigningIdentity, type Ledger } from './ledger.js';
import { openApiFor } from './openapi.js';
import { ResultRefused, type SellerCrypto } from './seller-crypto.js';
import type { SellerStore, StoredDataset } from './store/seller-store.js';
import {
  TRADE_STATES,
  type DeliveredResult,
  type Listing,
  type ListingInput,
  type Page,
  type PlainResult,
  type Trade,
} from './types.js';

export interface AppDeps {
  config: GatewayConfig;
  ledger: Ledger;
  store: SellerStore;
  sealer: Sealer;
  /** The CKKS engine, needed by the seller role (samples; the pump uses it too). */
  crypto?: SellerCrypto;
  trustedCas: Map<string, X509Certificate[]>;
  /** This app's URL, put into listings as sellerGatewayUrl. */
  publicUrl: () => string;
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Auth = 'none' | 'token' | 'signed';
type Body = 'none' | 'json' | 'dataset' | 'raw';

export interface RouteDef {
  method: Method;
  /** Express path. */
  path: string;
  /** 'any' routes exist in every app. */
  role: Role | 'any';
  auth: Auth;
  body: Body;
  handler: (req: Request, res: Response) => Promise<void> | void;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const TX_ID = /^[0-9a-f]{64}$/;
const BUNDLE_STATES = new Set(['DELIVERED', 'RESULT_SUBMITTED']);
const SHA_HEADER = 'x-datamarket-sha256';

import { labels } from './key-labels.js';
export { labels };

function param(req: Request, name: string, pattern: RegExp = ID): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw badRequest(`path parameter '${name}' is malformed`);
  }
  return value;
}

function query(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`query parameter '${name}' must be given once`);
  return value;
}

function pageArgs(req: Request): [string, string] {
  const pageSize = query(req, 'pageSize') ?? '';
  if (pageSize && !/^\d{1,3}$/.test(pageSize)) throw badRequest('pageSize must be 1..100');
  return [pageSize, query(req, 'bookmark') ?? ''];
}

function jsonBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('expected a JSON object body (Content-Type: application/json)');
  }
  return body as Record<string, unknown>;
}

function rawBody(req: Request, limit: number): Buffer {
  const body: unknown = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw badRequest('expected a non-empty body (Content-Type: application/octet-stream)');
  }
  if (body.length > limit) throw tooLarge(`body of ${body.length} bytes exceeds ${limit}`);
  return body;
}

const userOf = (res: Response) => res.locals.user as string;
const callerOf = (res: Response) => res.locals.caller as SignedCaller;

function sendBytes(res: Response, bytes: Uint8Array, sha256: string): void {
  res.status(200).set('content-type', 'application/octet-stream').set(SHA_HEADER, sha256);
  res.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Fixed-window counters for free test-result decryptions (in memory, per app process). */
class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}
  take(key: string, now = Date.now()): number {
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= this.max) {
      const wait = Math.ceil((window.start + this.windowMs - now) / 1000);
      throw tooMany(
        `free test decryptions are limited to ${this.max} per window; retry in ${wait} s`,
      );
    }
    window.count++;
    return this.max - window.count;
  }
}

export function buildRoutes(deps: AppDeps): RouteDef[] {
  const { config, ledger, store, sealer } = deps;
  const channels = new Set(config.channels);
  const readerUser = config.users[0]?.user ?? 'User1';
  const limiter = new RateLimiter(config.sampleRateLimit.max, config.sampleRateLimit.windowMs);

  const channelOf = (req: Request) => {
    const channel = param(req, 'channel');
    if (!channels.has(channel)) throw notFound(`this app does not serve channel '${channel}'`);
    return channel;
  };
  const trade = (user: string, channel: string, tradeId: string) =>
    ledger.evaluateJson<Trade>(user, channel, 'GetTrade', tradeId);
  const listing = (user: string, channel: string, datasetId: string) =>
    ledger.evaluateJson<Listing>(user, channel, 'GetListing', datasetId);
  /** The trade, when the caller is one of the named parties to it; 403 otherwise. */
  const callersTrade = async (
    res: Response,
    channel: string,
    tradeId: string,
    parties: ('buyer' | 'seller')[],
    refusal: string,
  ) => {
    const [found, me] = await Promise.all([
      trade(userOf(res), channel, tradeId),
      ledger.accountId(userOf(res), channel),
    ]);
    if (!parties.some((party) => found[party] === me)) throw forbidden(refusal);
    return found;
  };
  /** The listing, when the caller is its seller; 403 otherwise. */
  const callersListing = async (res: Response, channel: string, datasetId: string) => {
    const [found, me] = await Promise.all([
      listing(userOf(res), channel, datasetId),
      ledger.accountId(userOf(res), channel),
    ]);
    if (found.seller !== me) throw forbidden(`dataset ${datasetId} is listed by another account`);
    return found;
  };
  const engine = () => {
    if (!deps.crypto)
      throw new HttpError(503, 'this app has no CKKS engine configured', 'NO_ENGINE');
    return deps.crypto;
  };

  /** Calls another org's gateway app, signed with this user's Fabric identity. */
  const callOtherApp = async (
    user: string,
    baseUrl: string,
    method: string,
    path: string,
    body?: Uint8Array,
  ): Promise<globalThis.Response> => {
    const url = new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    const identity = await userSigningIdentity(ledger.network, ledger.org, user);
    const headers = signRequest(identity, method, url.pathname + url.search, body);
    let response: globalThis.Response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...headers, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
        body: body ? Buffer.from(body) : undefined,
      });
    } catch (error) {
      throw badGateway(
        `the seller's app at ${baseUrl} is unreachable: ${(error as Error).message}`,
      );
    }
    if (!response.ok) {
      const detail = (await response.json().catch(() => ({}))) as { error?: string; code?: string };
      const status = response.status >= 500 ? 502 : response.status;
      throw new HttpError(
        status,
        `the seller's app answered ${response.status}: ${detail.error ?? response.statusText}`,
        detail.code ?? 'SELLER_APP',
      );
    }
    return response;
  };

  /** Reads a dataset from a CSV in the body or a file path on this app's machine. */
  const datasetFrom = async (body: Record<string, unknown>) => {
    const { csv, path } = body;
    if ((csv === undefined) === (path === undefined)) {
      throw badRequest("give the data as exactly one of 'csv' (CSV text) or 'path' (a file path)");
    }
    let text: string;
    if (typeof csv === 'string') text = csv;
    else if (typeof path === 'string' && path.length > 0) {
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) throw badRequest(`no readable file at '${path}'`);
      if (info.size > config.limits.dataset) {
        throw tooLarge(`file of ${info.size} bytes exceeds ${config.limits.dataset}`);
      }
      text = await readFile(path, 'utf8');
    } else throw badRequest("'csv' and 'path' must be strings");
    const columns = body.columns;
    if (
      columns !== undefined &&
      (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string'))
    ) {
      throw badRequest("'columns' must be a list of column names");
    }
    return parseNumericCsv(text, {
      columns: columns as string[] | undefined,
      standardize: body.standardize === true,
      maxRows: config.limits.datasetRows,
    });
  };

  const listingFields = (value: unknown, forUpdate: boolean): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw badRequest("'listing' must be an object of listing fields (docs/chaincode.md)");
    }
    const fields = { ...(value as Record<string, unknown>) };
    if ('schema' in fields) throw badRequest("'schema' is computed from the data; leave it out");
    if (forUpdate && 'id' in fields) throw badRequest('the id is in the path; leave it out');
    return fields;
  };

  const mySellerTrade = async (channel: string, tradeId: string) => {
    const found = await trade(readerUser, channel, tradeId);
    const dataset = await store.getDataset(channel, found.datasetId);
    if (!dataset) throw notFound(`trade ${tradeId} is not for a dataset this app sells`);
    return { trade: found, dataset };
  };

  const sampleFor = async (channel: string, datasetId: string) => {
    const found = await listing(readerUser, channel, datasetId);
    if (!found.freeSample) throw notFound(`dataset ${datasetId} offers no free test sample`);
    const dataset = await store.getDataset(channel, datasetId);
    if (!dataset) throw notFound(`dataset ${datasetId} is not sold by this app`);
    let sample = await store.getSample(channel, datasetId);
    if (!sample) {
      const subset: StoredDataset = { ...dataset, rows: dataset.rows.slice(0, config.sampleRows) };
      const material = await engine().createBundle(subset, found.ckksPreset);
      sample = {
        channel,
        datasetId,
        bytes: material.bundle,
        sha256: sha256Hex(material.bundle),
        sealedSecretKey: sealer.seal(material.secretKey, labels.sampleKey(channel, datasetId)),
      };
      await store.putSample(sample);
    }
    return { listing: found, sample };
  };

  const requireBuyer = async (user: string, channel: string, tradeId: string) => {
    const [found, me] = await Promise.all([
      trade(user, channel, tradeId),
      ledger.accountId(user, channel),
    ]);
    if (found.buyer !== me) throw forbidden(`trade ${tradeId} was bought by another account`);
    return found;
  };

  const routes: RouteDef[] = [
    // ---- any role ----
    {
      method: 'get',
      path: '/health',
      role: 'any',
      auth: 'none',
      body: 'none',
      handler: (_req, res) => {
        res.json({
          status: 'ok',
          org: ledger.org,
          mspId: ledger.mspId,
          roles: config.roles,
          channels: config.channels,
        });
      },
    },
    {
      method: 'get',
      path: '/openapi.json',
      role: 'any',
      auth: 'none',
      body: 'none',
      handler: (_req, res) => {
        res.json(openApiFor(config.roles));
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/account',
      role: 'any',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const user = userOf(res);
        const accountId = await ledger.accountId(user, channel);
        const balance = await ledger.evaluate(user, channel, 'BalanceOf', accountId);
        res.json({ user, mspId: ledger.mspId, channel, accountId, balance });
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/trades',
      role: 'any',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const as = query(req, 'as') ?? 'buyer';
        if (as !== 'buyer' && as !== 'seller') throw badRequest("'as' must be buyer or seller");
        const me = await ledger.accountId(userOf(res), channel);
        const fn = as === 'buyer' ? 'ListTradesByBuyer' : 'ListTradesBySeller';
        res.json(
          await ledger.evaluateJson<Page<Trade>>(userOf(res), channel, fn, me, ...pageArgs(req)),
        );
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/trades/:tradeId',
      role: 'any',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const tradeId = param(req, 'tradeId', TX_ID);
        res.json(
          await callersTrade(
            res,
            channel,
            tradeId,
            ['buyer', 'seller'],
            `trade ${tradeId} is not yours (auditors: use /audit routes)`,
          ),
        );
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/listings',
      role: 'any',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        res.json(
          await ledger.evaluateJson<Page<Listing>>(
            userOf(res),
            channel,
            'ListListings',
            ...pageArgs(req),
          ),
        );
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/listings/:datasetId',
      role: 'any',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        res.json(await listing(userOf(res), channelOf(req), param(req, 'datasetId')));
      },
    },

    // ---- buyer ----
    {
      method: 'get',
      path: '/api/channels/:channel/listings/:datasetId/sample',
      role: 'buyer',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const datasetId = param(req, 'datasetId');
        const found = await listing(userOf(res), channel, datasetId);
        if (!found.freeSample) throw notFound(`dataset ${datasetId} offers no free test sample`);
        const response = await callOtherApp(
          userOf(res),
          found.sellerGatewayUrl,
          'GET',
          `/peer/channels/${channel}/datasets/${datasetId}/sample`,
        );
        const bytes = new Uint8Array(await response.arrayBuffer());
        sendBytes(res, bytes, sha256Hex(bytes));
      },
    },
    {
      method: 'post',
      path: '/api/channels/:channel/listings/:datasetId/sample/result',
      role: 'buyer',
      auth: 'token',
      body: 'raw',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const datasetId = param(req, 'datasetId');
        const body = rawBody(req, config.limits.result);
        const found = await listing(userOf(res), channel, datasetId);
        const response = await callOtherApp(
          userOf(res),
          found.sellerGatewayUrl,
          'POST',
          `/peer/channels/${channel}/datasets/${datasetId}/sample/result`,
          body,
        );
        res.json(await response.json());
      },
    },
    {
      method: 'post',
      path: '/api/channels/:channel/trades',
      role: 'buyer',
      auth: 'token',
      body: 'json',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const body = jsonBody(req);
        const datasetId = body.datasetId;
        if (typeof datasetId !== 'string' || !ID.test(datasetId))
          throw badRequest("'datasetId' is missing or malformed");
        const { expectedPrice, expectedDeposit } = body;
        if ((expectedPrice === undefined) !== (expectedDeposit === undefined)) {
          throw badRequest("give both 'expectedPrice' and 'expectedDeposit', or neither");
        }
        const keys = generateResultKeyPair();
        const args =
          typeof expectedPrice === 'string' && typeof expectedDeposit === 'string'
            ? [datasetId, keys.publicKeyPem, expectedPrice, expectedDeposit]
            : [datasetId, keys.publicKeyPem];
        const { txId, result } = await ledger.submitWithTxId<Trade>(
          userOf(res),
          channel,
          args.length === 4 ? 'PurchaseAtPrice' : 'Purchase',
          args,
          (tradeId) =>
            store.putBuyerKey({
              channel,
              tradeId,
              publicKeyPem: keys.publicKeyPem,
              sealedPrivateKey: sealer.seal(
                Buffer.from(keys.privateKeyPem),
                labels.buyerKey(channel, tradeId),
              ),
            }),
        );
        res.status(201).location(`/api/channels/${channel}/trades/${txId}`).json(result);
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/trades/:tradeId/bundle',
      role: 'buyer',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const tradeId = param(req, 'tradeId', TX_ID);
        const found = await requireBuyer(userOf(res), channel, tradeId);
        if (!BUNDLE_STATES.has(found.state)) {
          throw conflict(
            `trade ${tradeId} is ${found.state}: the bundle is available in DELIVERED or RESULT_SUBMITTED`,
          );
        }
        const response = await callOtherApp(
          userOf(res),
          found.terms.sellerGatewayUrl,
          'GET',
          `/peer/channels/${channel}/trades/${tradeId}/bundle`,
        );
        const bytes = new Uint8Array(await response.arrayBuffer());
        const digest = sha256Hex(bytes);
        if (digest !== found.bundleHash || bytes.length !== found.bundleBytes) {
          throw badGateway(
            `the seller's bundle does not match the ledger (sha256 ${digest}, ${bytes.length} bytes; ledger ${found.bundleHash}, ${found.bundleBytes} bytes)`,
          );
        }
        sendBytes(res, bytes, digest);
      },
    },
    {
      method: 'post',
      path: '/api/channels/:channel/trades/:tradeId/result',
      role: 'buyer',
      auth: 'token',
      body: 'raw',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const tradeId = param(req, 'tradeId', TX_ID);
        const valueCount = query(req, 'valueCount');
        if (!valueCount || !/^[1-9]\d{0,8}$/.test(valueCount)) {
          throw badRequest(
            "query parameter 'valueCount' (values the result holds, ≥ 1) is required",
          );
        }
        const body = rawBody(req, config.limits.result);
        const found = await requireBuyer(userOf(res), channel, tradeId);
        if (found.state !== 'DELIVERED') {
          throw conflict(
            `trade ${tradeId} is ${found.state}: results are accepted only in DELIVERED`,
          );
        }
        if (Number(valueCount) > found.terms.leakageBound) {
          throw badRequest(
            `valueCount ${valueCount} exceeds the trade's leakage bound ${found.terms.leakageBound}`,
          );
        }
        await callOtherApp(
          userOf(res),
          found.terms.sellerGatewayUrl,
          'PUT',
          `/peer/channels/${channel}/trades/${tradeId}/result`,
          body,
        );
        res.json(
          await ledger.submitJson<Trade>(
            userOf(res),
            channel,
            'SubmitResult',
            tradeId,
            sha256Hex(body),
            valueCount,
          ),
        );
      },
    },
    {
      method: 'post',
      path: '/api/channels/:channel/trades/:tradeId/refund',
      role: 'buyer',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const tradeId = param(req, 'tradeId', TX_ID);
        await requireBuyer(userOf(res), channel, tradeId);
        res.json(await ledger.submitJson<Trade>(userOf(res), channel, 'Refund', tradeId));
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/trades/:tradeId/result',
      role: 'buyer',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const tradeId = param(req, 'tradeId', TX_ID);
        const found = await requireBuyer(userOf(res), channel, tradeId);
        if (found.state !== 'SETTLED') {
          throw conflict(
            `trade ${tradeId} is ${found.state}: a result is delivered only when SETTLED`,
          );
        }
        const delivered = await ledger.evaluateJson<DeliveredResult>(
          userOf(res),
          channel,
          'GetDeliveredResult',
          tradeId,
        );
        const key = await store.getBuyerKey(channel, tradeId);
        if (!key)
          throw notFound(`this app holds no result key for trade ${tradeId} (bought elsewhere?)`);
        const privateKeyPem = sealer
          .open(key.sealedPrivateKey, labels.buyerKey(channel, tradeId))
          .toString();
        let plaintext: Buffer;
        try {
          plaintext = decryptWithResultKey(privateKeyPem, delivered.encryptedResult);
        } catch (error) {
          throw badGateway(`the delivered result does not decrypt: ${(error as Error).message}`);
        }
        const digest = sha256Hex(plaintext);
        if (digest !== delivered.resultDigest) {
          throw badGateway(
            `the delivered result's digest ${digest} differs from the ledger's ${delivered.resultDigest}`,
          );
        }
        res.json({
          tradeId,
          resultDigest: digest,
          verified: true,
          result: JSON.parse(plaintext.toString('utf8')) as PlainResult,
        });
      },
    },

    // ---- seller ----
    {
      method: 'get',
      path: '/api/channels/:channel/datasets',
      role: 'seller',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        res.json({ records: await store.listDatasets(channelOf(req)) });
      },
    },
    {
      method: 'post',
      path: '/api/channels/:channel/datasets',
      role: 'seller',
      auth: 'token',
      body: 'dataset',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const body = jsonBody(req);
        const fields = listingFields(body.listing, false);
        const datasetId = fields.id;
        if (typeof datasetId !== 'string' || !ID.test(datasetId))
          throw badRequest("'listing.id' is missing or malformed");
        if (await store.getDataset(channel, datasetId))
          throw conflict(`dataset ${datasetId} is already in this store`);
        const table = await datasetFrom(body);
        await store.putDataset({
          channel,
          datasetId,
          columns: table.columns,
          rows: table.rows,
          owner: userOf(res),
        });
        const terms = {
          sellerGatewayUrl: deps.publicUrl(),
          ...fields,
          schema: { columns: table.columns, rowCount: table.rows.length },
        } as ListingInput;
        try {
          const created = await ledger.submitJson<Listing>(
            userOf(res),
            channel,
            'CreateListing',
            JSON.stringify(terms),
          );
          res.status(201).json({
            listing: created,
            rowCount: table.rows.length,
            droppedRows: table.droppedRows,
          });
        } catch (error) {
          await store.deleteDataset(channel, datasetId);
          throw error;
        }
      },
    },
    {
      method: 'patch',
      path: '/api/channels/:channel/datasets/:datasetId',
      role: 'seller',
      auth: 'token',
      body: 'dataset',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const datasetId = param(req, 'datasetId');
        const body = jsonBody(req);
        const fields = body.listing === undefined ? {} : listingFields(body.listing, true);
        const current = await callersListing(res, channel, datasetId);
        const hasData = body.csv !== undefined || body.path !== undefined;
        const table = hasData ? await datasetFrom(body) : undefined;
        if (!table && Object.keys(fields).length === 0) throw badRequest('nothing to update');
        const update = {
          ...fields,
          id: datasetId,
          ...(table ? { schema: { columns: table.columns, rowCount: table.rows.length } } : {}),
        };
        const updated = await ledger.submitJson<Listing>(
          userOf(res),
          channel,
          'UpdateListing',
          JSON.stringify(update),
        );
        if (table) {
          // Open trades keep their bundles; new purchases get the new data.
          await store.putDataset({
            channel,
            datasetId,
            columns: table.columns,
            rows: table.rows,
            owner: userOf(res),
          });
          await store.deleteSample(channel, datasetId);
        }
        res.json({ listing: updated, rowCount: table?.rows.length ?? current.schema.rowCount });
      },
    },
    {
      method: 'delete',
      path: '/api/channels/:channel/datasets/:datasetId',
      role: 'seller',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const datasetId = param(req, 'datasetId');
        await callersListing(res, channel, datasetId);
        // The data stays in the store: open trades may still need it.
        res.json({
          listing: await ledger.submitJson<Listing>(userOf(res), channel, 'Delist', datasetId),
        });
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/trades/:tradeId/pump-log',
      role: 'seller',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const tradeId = param(req, 'tradeId', TX_ID);
        await callersTrade(
          res,
          channel,
          tradeId,
          ['seller'],
          `trade ${tradeId} is not a sale of yours`,
        );
        res.json({ tradeId, entries: await store.pumpLog(channel, tradeId) });
      },
    },
    {
      method: 'get',
      path: '/peer/channels/:channel/trades/:tradeId/bundle',
      role: 'seller',
      auth: 'signed',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const tradeId = param(req, 'tradeId', TX_ID);
        const { trade: found } = await mySellerTrade(channel, tradeId);
        if (found.buyer !== callerOf(res).accountId)
          throw forbidden("only the trade's buyer may download its bundle");
        if (!BUNDLE_STATES.has(found.state)) {
          throw conflict(
            `trade ${tradeId} is ${found.state}: the bundle is served in DELIVERED or RESULT_SUBMITTED`,
          );
        }
        const bundle = await store.getBundle(channel, tradeId);
        if (!bundle) throw notFound(`no bundle stored for trade ${tradeId}`);
        sendBytes(res, bundle.bytes, bundle.sha256);
      },
    },
    {
      method: 'put',
      path: '/peer/channels/:channel/trades/:tradeId/result',
      role: 'seller',
      auth: 'signed',
      body: 'raw',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const tradeId = param(req, 'tradeId', TX_ID);
        const body = rawBody(req, config.limits.result);
        const { trade: found } = await mySellerTrade(channel, tradeId);
        if (found.buyer !== callerOf(res).accountId)
          throw forbidden("only the trade's buyer may upload its result");
        if (found.state !== 'DELIVERED') {
          throw conflict(
            `trade ${tradeId} is ${found.state}: results are accepted only in DELIVERED`,
          );
        }
        const sha256 = sha256Hex(body);
        await store.putResult({ channel, tradeId, bytes: body, sha256 });
        res.status(201).json({ tradeId, sha256, bytes: body.length });
      },
    },
    {
      method: 'get',
      path: '/peer/channels/:channel/datasets/:datasetId/sample',
      role: 'seller',
      auth: 'signed',
      body: 'none',
      handler: async (req, res) => {
        const { sample } = await sampleFor(channelOf(req), param(req, 'datasetId'));
        sendBytes(res, sample.bytes, sample.sha256);
      },
    },
    {
      method: 'post',
      path: '/peer/channels/:channel/datasets/:datasetId/sample/result',
      role: 'seller',
      auth: 'signed',
      body: 'raw',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const datasetId = param(req, 'datasetId');
        const body = rawBody(req, config.limits.result);
        const remaining = limiter.take(
          `${callerOf(res).accountId}\u0000${channel}\u0000${datasetId}`,
        );
        const { listing: found, sample } = await sampleFor(channel, datasetId);
        const secretKey = sealer.open(sample.sealedSecretKey, labels.sampleKey(channel, datasetId));
        try {
          const values = await engine().decryptResult({
            secretKey,
            bundle: sample.bytes,
            result: body,
            preset: found.ckksPreset,
            maxValues: found.leakageBound,
          });
          res.json({ datasetId, values, remaining });
        } catch (error) {
          if (error instanceof ResultRefused)
            throw new HttpError(422, error.message, 'RESULT_REFUSED');
          throw error;
        } finally {
          secretKey.fill(0);
        }
      },
    },

    // ---- auditor ----
    {
      method: 'get',
      path: '/api/channels/:channel/audit/trades',
      role: 'auditor',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const filters = (['dataset', 'buyer', 'seller', 'state'] as const).filter(
          (f) => query(req, f) !== undefined,
        );
        if (filters.length !== 1)
          throw badRequest('give exactly one of dataset, buyer, seller, state');
        const filter = filters[0]!;
        const value = query(req, filter)!;
        if (filter === 'state' && !TRADE_STATES.includes(value as Trade['state'])) {
          throw badRequest(`state must be one of ${TRADE_STATES.join(', ')}`);
        }
        const fn = {
          dataset: 'ListTradesByDataset',
          buyer: 'ListTradesByBuyer',
          seller: 'ListTradesBySeller',
          state: 'ListTradesByState',
        }[filter];
        res.json(
          await ledger.evaluateJson<Page<Trade>>(userOf(res), channel, fn, value, ...pageArgs(req)),
        );
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/audit/trades/:tradeId/history',
      role: 'auditor',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const tradeId = param(req, 'tradeId', TX_ID);
        res.json({
          tradeId,
          history: await ledger.evaluateJson<unknown[]>(
            userOf(res),
            channel,
            'GetTradeHistory',
            tradeId,
          ),
        });
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/audit/supply',
      role: 'auditor',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        res.json(await ledger.evaluateJson<unknown>(userOf(res), channelOf(req), 'AuditSupply'));
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/audit/chain',
      role: 'auditor',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        res.json({
          channel,
          ...decodeChainInfo(await ledger.qscc(userOf(res), channel, 'GetChainInfo')),
        });
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/audit/blocks/:number',
      role: 'auditor',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const number = param(req, 'number', /^\d{1,18}$/);
        const info = decodeChainInfo(await ledger.qscc(userOf(res), channel, 'GetChainInfo'));
        if (BigInt(number) >= BigInt(info.height)) {
          throw notFound(`block ${number} does not exist yet (height ${info.height})`);
        }
        res.json(decodeBlock(await ledger.qscc(userOf(res), channel, 'GetBlockByNumber', number)));
      },
    },
    {
      method: 'get',
      path: '/api/channels/:channel/audit/transactions/:txId',
      role: 'auditor',
      auth: 'token',
      body: 'none',
      handler: async (req, res) => {
        const channel = channelOf(req);
        const txId = param(req, 'txId', TX_ID);
        let bytes: Uint8Array;
        try {
          bytes = await ledger.qscc(userOf(res), channel, 'GetTransactionByID', txId);
        } catch (error) {
          if (
            /not found|no such transaction/i.test(
              JSON.stringify((error as { details?: unknown }).details ?? '') + String(error),
            )
          ) {
            throw notFound(`no transaction ${txId} on channel ${channel}`);
          }
          throw error;
        }
        res.json(decodeProcessedTransaction(bytes));
      },
    },
  ];
  return routes;
}

/** Builds the express app for the roles in the config. */
export function createApp(deps: AppDeps): express.Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const parsers: Record<Body, RequestHandler[]> = {
    none: [],
    json: [express.json({ limit: config.limits.json, strict: true })],
    dataset: [express.json({ limit: config.limits.dataset, strict: true })],
    raw: [express.raw({ limit: config.limits.result, type: () => true })],
  };
  const tokenAuth = authenticate(config.users);
  const signedAuth = requireSignedCaller(deps.trustedCas);
  for (const route of buildRoutes(deps)) {
    if (route.role !== 'any' && !config.roles.includes(route.role)) continue;
    const auth = route.auth === 'token' ? [tokenAuth] : route.auth === 'signed' ? [signedAuth] : [];
    // Token auth runs before the body is read; signed requests need the body for the signature.
    const chain =
      route.auth === 'signed'
        ? [...parsers[route.body], ...auth]
        : [...auth, ...parsers[route.body]];
    app[route.method](route.path, ...chain, async (req: Request, res: Response) => {
      await route.handler(req, res);
    });
  }
  app.use(notFoundRoute);
  app.use(errorHandler);
  return app;
}

/** Method + OpenAPI-style path of every route an app built with these roles serves. */
export function mountedRoutes(app: express.Express): string[] {
  const router = (
    app as unknown as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    }
  ).router;
  const found: string[] = [];
  for (const layer of router.stack) {
    if (!layer.route) continue;
    const path = layer.route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    for (const method of Object.keys(layer.route.methods))
      found.push(`${method.toUpperCase()} ${path}`);
  }
  return found.sort();
}

export { encryptToResultKey };
