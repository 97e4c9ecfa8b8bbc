/**
 * In-process route tests: three gateway apps (seller, buyer, auditor roles) listening on
 * 127.0.0.1 ephemeral ports, on one in-process ledger (the real contract on the fake stub),
 * each with a real SQLite store in a temp dir. Buyer → seller calls are real signed HTTP
 * requests (openssl-made certificates). The CKKS engine is a deterministic stand-in.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { signRequest, tokenSha256Hex, type SigningIdentity } from '../../../../src/gateway/auth.js';
import { withDefaults, type GatewayConfig, type Role } from '../../../../src/gateway/config.js';
import { Sealer } from '../../../../src/gateway/crypto/sealing.js';
import type { MarketLedger } from '../../../../src/gateway/ledger/market-ledger.js';
import { createApp } from '../../../../src/gateway/routes/registry.js';
import { ResultRefused, type SellerCrypto } from '../../../../src/gateway/seller-crypto.js';
import { openSellerStore, type SellerStore } from '../../../../src/gateway/store/seller-store.js';
import { checkResponse } from '../../../support/openapi-check.js';
import { fundedNetwork, ORG_ADMIN, TEST_ORGS, type FundedNetwork } from '../../../support/index.js';
import { makeOrgPki, type OrgPki } from './pki.js';
import { PoolLedger } from '../../../../src/gateway/pools/pool-ledger.js';
import { inProcessCaller } from '../../aggregation/pool-fixture.js';

export const CHANNEL = 'market';

/** A fake "bundle" names the dataset; a fake "result" is JSON of the values it decrypts to. */
export const fakeCrypto: SellerCrypto = {
  createBundle(dataset, preset) {
    const text = `bundle ${dataset.datasetId} ${preset} ${String(dataset.rows.length)}`;
    return Promise.resolve({ bundle: Buffer.from(text), secretKey: Buffer.from('secret key') });
  },
  decryptResult({ result, maxValues }) {
    const { values } = JSON.parse(Buffer.from(result).toString('utf8')) as { values: number[] };
    if (values.length > maxValues) {
      return Promise.reject(
        new ResultRefused(`${String(values.length)} values over ${String(maxValues)}`),
      );
    }
    return Promise.resolve(values);
  },
};

export interface TestApp {
  url: string;
  roles: Role[];
  config: GatewayConfig;
  store: SellerStore;
  tokens: Record<string, string>;
}

export interface Reply<T> {
  status: number;
  body: T;
  bytes: Buffer;
  headers: Headers;
}

export interface CallOptions {
  user?: string;
  token?: string | null;
  json?: unknown;
  raw?: Uint8Array;
  query?: Record<string, string>;
  /** Sign the request as this buyer-org identity (for the /peer routes). */
  signAs?: SigningIdentity;
  /** Send these signature headers as they are (a replay of an earlier request). */
  signedWith?: Record<string, string>;
}

/** Every `METHOD path status` a test got back, to check each route answered its success. */
export const answered = new Set<string>();

/** The headers and body of a test call: a token, JSON or bytes, and a signature if asked. */
function requestOf(
  app: TestApp,
  method: string,
  url: string,
  options: CallOptions,
): { headers: Record<string, string>; body: string | Buffer | undefined } {
  const headers: Record<string, string> = {};
  const signed = options.signAs !== undefined || options.signedWith !== undefined;
  const token =
    options.token === null ? undefined : (options.token ?? app.tokens[options.user ?? 'User1']);
  if (token && !signed) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
  } else if (options.raw) {
    headers['content-type'] = 'application/octet-stream';
    body = Buffer.from(options.raw);
  }
  if (options.signedWith) {
    Object.assign(headers, options.signedWith);
  } else if (options.signAs) {
    const raw = options.raw && Buffer.from(options.raw);
    Object.assign(headers, signRequest(options.signAs, method, url, raw));
  }
  return { headers, body };
}

/** Calls a route and checks the reply against the app's OpenAPI document (and its schemas). */
export async function call<T = Record<string, unknown>>(
  app: TestApp,
  method: string,
  pathTemplate: string,
  params: Record<string, string>,
  options: CallOptions = {},
): Promise<Reply<T>> {
  let url = pathTemplate.replace(/\{(\w+)\}/g, (_m, name: string) =>
    encodeURIComponent(params[name] ?? ''),
  );
  if (options.query) url += `?${new URLSearchParams(options.query).toString()}`;
  const { headers, body } = requestOf(app, method, url, options);
  const response = await fetch(`${app.url}${url}`, { method, headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
  const parsed: unknown = isJson ? JSON.parse(bytes.toString('utf8')) : undefined;
  const problems = checkResponse(app.roles, method, pathTemplate, response.status, parsed);
  expect(
    problems,
    `${method} ${url} → ${String(response.status)} ${bytes.toString()}`,
  ).to.deep.equal([]);
  answered.add(`${method} ${pathTemplate} ${String(response.status)}`);
  return { status: response.status, body: parsed as T, bytes, headers: response.headers };
}

export interface RouteFixture extends FundedNetwork {
  seller: FundedNetwork['seller'];
  sellerApp: TestApp;
  buyerApp: TestApp;
  auditorApp: TestApp;
  buyerPki: OrgPki;
  close(): Promise<void>;
}

const newToken = () => randomBytes(24).toString('base64url');

export async function listen(
  dir: string,
  org: keyof typeof TEST_ORGS,
  roles: Role[],
  ledger: MarketLedger,
  users: string[],
  extra: Partial<Parameters<typeof createApp>[0]> = {},
): Promise<{ app: TestApp; server: Server }> {
  const tokens = Object.fromEntries(users.map((user) => [user, newToken()]));
  const storePath = path.join(dir, `${org}.sqlite`);
  const config = withDefaults({
    org,
    roles,
    channels: [CHANNEL],
    networkRunDir: dir,
    storePath,
    storeSecret: `route test secret ${org}`,
    users: users.map((user) => ({ user, tokenSha256: tokenSha256Hex(tokens[user] ?? '') })),
    limits: {
      json: 4096,
      dataset: 64 * 1024,
      result: 8 * 1024,
      datasetRows: 50,
      sample: 16 * 1024,
    },
    otherAppTimeouts: { connectMs: 500, totalMs: 1500 },
    sampleRateLimit: { max: 2, windowMs: 60_000 },
    sampleRows: 2,
    dataDir: dir,
  });
  const store = await openSellerStore(storePath);
  let url = '';
  const express = createApp({
    config,
    ledger,
    store,
    sealer: new Sealer(config.storeSecret),
    trustedCas: new Map(),
    signingIdentity: () => Promise.reject(new Error(`${org} signs no requests`)),
    publicUrl: () => url,
    ...extra,
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = express.listen(0, '127.0.0.1', () => {
      resolve(listening);
    });
  });
  url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  return { app: { url, roles, config, store, tokens }, server };
}

export async function routeFixture(): Promise<RouteFixture> {
  const funded = await fundedNetwork({ channels: [CHANNEL] });
  const dir = mkdtempSync(path.join(tmpdir(), 'datamarket-routes-'));
  const buyerPki = makeOrgPki(dir, 'buyer', TEST_ORGS.buyer.mspId, ['User1', 'User2']);
  const trustedCas = new Map([[TEST_ORGS.buyer.mspId, [buyerPki.ca]]]);
  const seller = await listen(dir, 'seller', ['seller'], funded.seller, ['Admin', 'User1'], {
    crypto: fakeCrypto,
    trustedCas,
    pools: new PoolLedger(inProcessCaller(funded.seller)),
  });
  const buyer = await listen(dir, 'buyer', ['buyer'], funded.buyer, ['User1', 'User2'], {
    pools: new PoolLedger(inProcessCaller(funded.buyer)),
    signingIdentity: (user) => {
      const found = buyerPki.identities.get(user);
      return found ? Promise.resolve(found) : Promise.reject(new Error(`no identity ${user}`));
    },
  });
  const auditor = await listen(dir, 'auditor', ['auditor'], funded.auditor, ['Admin', 'User1'], {
    pools: new PoolLedger(inProcessCaller(funded.auditor)),
  });
  // The seller org's admin registers its app, so its listings may name it.
  await funded.seller.registerOrgApp(ORG_ADMIN, CHANNEL, seller.app.url);
  const servers = [seller, buyer, auditor];
  return {
    ...funded,
    sellerApp: seller.app,
    buyerApp: buyer.app,
    auditorApp: auditor.app,
    buyerPki,
    async close() {
      for (const { server, app } of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await app.store.close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
