import type { Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { retryWhileEndorsersSettle } from '../../src/fabric/index.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tokenSha256Hex } from '../../src/gateway/auth.js';
import { withDefaults, type GatewayConfig, type Role } from '../../src/gateway/config.js';
import { ResultRefused, type SellerCrypto } from '../../src/gateway/seller-crypto.js';
import { startGateway, type RunningGateway, type StartOptions } from '../../src/gateway/server.js';
import { checkResponse } from '../support/openapi-check.js';

/**
 * A stand-in for the CKKS engine that lets the network tests check the ledger flow on their
 * own: the "bundle" is the data's shape plus a random tag, the "secret key" the tag, and a
 * "result" is JSON `{values: [...]}` (not encrypted). decryptResult enforces the leakage
 * bound and the declared count like the real adapter does.
 */
export const plainTestCrypto: SellerCrypto = {
  createBundle(dataset) {
    const tag = randomBytes(16);
    const bundle = Buffer.from(
      JSON.stringify({
        kind: 'plain-test-bundle',
        columns: dataset.columns,
        rows: dataset.rows.length,
        tag: tag.toString('hex'),
      }),
    );
    return Promise.resolve({ bundle, secretKey: tag });
  },
  decryptResult({ result, maxValues, declaredValues }) {
    let values: number[];
    try {
      values = (JSON.parse(Buffer.from(result).toString('utf8')) as { values: number[] }).values;
    } catch {
      throw new ResultRefused('the result is not a well-formed result');
    }
    if (!Array.isArray(values)) throw new ResultRefused('the result is not a well-formed result');
    if (values.length > maxValues) {
      throw new ResultRefused(
        `the result holds ${values.length} values, over the leakage bound ${maxValues}`,
      );
    }
    if (declaredValues !== undefined && values.length !== declaredValues) {
      throw new ResultRefused(
        `the result holds ${values.length} values, not the ${declaredValues} declared on chain`,
      );
    }
    return Promise.resolve(values.map((v) => Math.round(v * 1000) / 1000));
  },
};

export interface AppHandle {
  gateway: RunningGateway;
  tokens: Record<string, string>;
  url: string;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function gatewayConfig(
  runDir: string,
  org: string,
  roles: Role[],
  channels: string[],
  users: string[],
  extra: Partial<GatewayConfig> = {},
): { config: GatewayConfig; tokens: Record<string, string> } {
  const issued = users.map((user) => ({ user, token: newToken() }));
  const tokens = Object.fromEntries(issued.map(({ user, token }) => [user, token]));
  const dir = mkdtempSync(path.join(tmpdir(), `dm-${org}-`));
  const config = withDefaults({
    org,
    roles,
    channels,
    networkRunDir: runDir,
    storePath: path.join(dir, 'store.db'),
    storeSecret: `test secret ${newToken()}`,
    users: issued.map(({ user, token }) => ({ user, tokenSha256: tokenSha256Hex(token) })),
    // A seller app registers its URL on chain (as its org's admin) so listings may name it.
    ...(roles.includes('seller') ? { registerAppAs: 'Admin' } : {}),
    ...extra,
  });
  return { config, tokens };
}

export async function startApp(
  config: GatewayConfig,
  tokens: Record<string, string>,
  options: StartOptions = {},
): Promise<AppHandle> {
  const gateway = await startGateway(config, { log: () => undefined, ...options });
  return { gateway, tokens, url: gateway.url };
}

/** The value, or a test failure naming what is missing (instead of a non-null assertion). */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null)
    throw new Error(`expected ${what}, got ${String(value)}`);
  return value;
}

/** The first user's token of an app (the one `call` uses by default). */
export function firstToken(app: AppHandle): string {
  return present(Object.values(app.tokens)[0], 'an app with at least one user');
}

/**
 * Closes what a suite opened, from its after hook: every close runs even when another fails,
 * and a handle its before hook never got to open (undefined at run time) is skipped.
 */
export async function closeAll(...closers: (() => unknown)[]): Promise<void> {
  await Promise.allSettled(closers.map((close) => Promise.resolve().then(close)));
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  bytes?: Buffer;
  headers: Headers;
}

/**
 * Calls an app route and checks the reply against the app's OpenAPI description: the status
 * must be documented for that route, JSON bodies must validate against its schema.
 */
export async function call<T = Record<string, unknown>>(
  app: AppHandle,
  method: string,
  pathTemplate: string,
  params: Record<string, string>,
  options: {
    user?: string;
    json?: unknown;
    raw?: Uint8Array;
    query?: Record<string, string>;
    token?: string;
  } = {},
): Promise<Reply<T>> {
  let url = pathTemplate.replace(/\{(\w+)\}/g, (_m, name: string) =>
    encodeURIComponent(params[name] ?? ''),
  );
  if (options.query) url += `?${new URLSearchParams(options.query).toString()}`;
  const headers: Record<string, string> = {};
  const token =
    options.token ?? (options.user ? app.tokens[options.user] : Object.values(app.tokens)[0]);
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
  } else if (options.raw) {
    headers['content-type'] = 'application/octet-stream';
    body = Buffer.from(options.raw);
  }
  const response = await fetch(`${app.url}${url}`, { method, headers, body });
  const type = response.headers.get('content-type') ?? '';
  const reply: Reply<T> = {
    status: response.status,
    headers: response.headers,
    body: undefined as T,
  };
  if (type.includes('application/json')) reply.body = (await response.json()) as T;
  else reply.bytes = Buffer.from(await response.arrayBuffer());
  const problems = checkResponse(
    app.gateway.config.roles,
    method,
    pathTemplate,
    response.status,
    reply.body,
  );
  expect(
    problems,
    `${method} ${url} → ${response.status} ${JSON.stringify(reply.body)}`,
  ).to.deep.equal([]);
  return reply;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * ensureInitialized, also riding out discovery right after a deploy (the fixture's retry
 * covers UNAVAILABLE only; the first endorsement may also fail FAILED_PRECONDITION).
 */
export async function initialized(contract: Contract): Promise<void> {
  try {
    await contract.evaluateTransaction('GetConfig');
  } catch {
    try {
      await retryWhileEndorsersSettle(
        () => contract.submitTransaction('Initialize', 'AuditorMSP'),
        60_000,
      );
    } catch (error) {
      const details = JSON.stringify((error as { details?: unknown }).details ?? '');
      if (!details.includes('ALREADY_EXISTS')) {
        throw error;
      }
    }
  }
}
