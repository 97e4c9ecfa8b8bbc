import { expect } from 'chai';
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { authenticateUsers, newApiToken, tokenSha256Hex } from '../../../src/gateway/auth.js';
import { Sealer } from '../../../src/gateway/crypto/sealing.js';
import { errorHandler } from '../../../src/gateway/http/errors.js';
import { OrgUsers } from '../../../src/gateway/org-users.js';
import type { RouteContext } from '../../../src/gateway/routes/context.js';
import {
  SqliteSellerStore,
  type AppUser,
  type SellerStore,
} from '../../../src/gateway/store/seller-store.js';
import { sessionAuth } from '../../../src/web/session-auth.js';
import { sessionRoutes } from '../../../src/web/session-routes.js';
import { SessionStore } from '../../../src/web/sessions.js';

interface Reply {
  status: number;
  body: { user?: string; roles?: string[]; csrfToken?: string; code?: string; error?: string };
  cookie?: string;
}

/**
 * Sign-in of users the org admin added at run time: the same token lookup the API makes, the
 * same role and custody rules through the session as with a bearer token, and revocation
 * ending a live session.
 */
describe('web sign-in of runtime users', () => {
  let dir: string;
  let store: SellerStore;
  let server: Server;
  let base: string;
  const configToken = 'the-config-users-token-123';
  const cookieName = 'dm_session_t';

  const appUser = (name: string, token: string, extra: Partial<AppUser> = {}): AppUser => ({
    name,
    role: 'buyer',
    tokenSha256: tokenSha256Hex(token),
    custody: 'app',
    certificatePem: 'CERT',
    createdAt: Date.now(),
    ...extra,
  });

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dm-web-signin-'));
    store = new SqliteSellerStore(path.join(dir, 'store.db'));
    const users = new OrgUsers(
      [{ user: 'User1', tokenSha256: tokenSha256Hex(configToken) }],
      store,
      new Sealer('a test store secret'),
    );
    const ctx = {
      publicUrl: () => 'http://127.0.0.1',
      ledger: { org: 'buyer', mspId: 'BuyerMSP' },
      config: { roles: ['buyer', 'seller'], channels: ['ch1'], users: users.configUsers },
      onboarding: { users },
    } as unknown as RouteContext;
    const sessions = new SessionStore(cookieName);
    const auth = authenticateUsers(users);
    const app = express();
    app.use(sessionAuth(sessions, (name) => store.getAppUser(name)));
    app.use(sessionRoutes(ctx, sessions));
    const who = (_req: express.Request, res: express.Response) => {
      res.json({ user: res.locals.user as string });
    };
    app.post('/api/buyer-route', auth('buyer', '/api/buyer-route'), who);
    app.post('/api/seller-route', auth('seller', '/api/seller-route'), who);
    app.use(errorHandler);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (
    method: string,
    route: string,
    headers: Record<string, string> = {},
    body?: unknown,
  ): Promise<Reply> => {
    const reply = await fetch(`${base}${route}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await reply.text();
    const setCookie = reply.headers.get('set-cookie') ?? '';
    const cookie = /^([^;]+)/.exec(setCookie)?.[1];
    return {
      status: reply.status,
      body: text ? (JSON.parse(text) as Reply['body']) : {},
      ...(cookie ? { cookie } : {}),
    };
  };
  const signIn = (token: string) => call('POST', '/web/session', {}, { token });
  /** A state-changing call through the session (cookie + CSRF header), as the page makes. */
  const asSession = (signedIn: Reply, route: string) =>
    call('POST', route, {
      cookie: signedIn.cookie ?? '',
      'x-csrf-token': signedIn.body.csrfToken ?? '',
    });

  it('signs in a runtime user with its token; the page sees its role only', async () => {
    const token = newApiToken();
    await store.insertAppUser(appUser('alice', token));
    const signedIn = await signIn(token);
    expect(signedIn.status).to.equal(201);
    expect(signedIn.body.user).to.equal('alice');
    expect(signedIn.body.roles).to.deep.equal(['buyer']);
    expect(signedIn.cookie).to.match(new RegExp(`^${cookieName}=`));
    const current = await call('GET', '/web/session', { cookie: signedIn.cookie ?? '' });
    expect(current.body).to.include({ user: 'alice' });
    expect(current.body.roles).to.deep.equal(['buyer']);
    // A config user still signs in, with every role of the app.
    const config = await signIn(configToken);
    expect(config.status).to.equal(201);
    expect(config.body.roles).to.deep.equal(['buyer', 'seller']);
    expect((await signIn(newApiToken())).status).to.equal(401);
  });

  it("holds a runtime user's session to its role, as its bearer token is", async () => {
    const token = newApiToken();
    await store.insertAppUser(appUser('alice', token));
    const bearer = { authorization: `Bearer ${token}` };
    expect((await call('POST', '/api/seller-route', bearer)).status).to.equal(403);
    const signedIn = await signIn(token);
    const buyer = await asSession(signedIn, '/api/buyer-route');
    expect(buyer).to.deep.include({ status: 200, body: { user: 'alice' } });
    const seller = await asSession(signedIn, '/api/seller-route');
    expect(seller.status).to.equal(403);
    expect(seller.body.error).to.match(/alice is a buyer: this is a seller route/);
    // A config user's session reaches every route of the app.
    const config = await signIn(configToken);
    expect((await asSession(config, '/api/seller-route')).status).to.equal(200);
  });

  it("refuses a revoked user's token, and ends its live session at the next request", async () => {
    const token = newApiToken();
    await store.insertAppUser(appUser('bob', token));
    const signedIn = await signIn(token);
    expect((await asSession(signedIn, '/api/buyer-route')).status).to.equal(200);
    await store.revokeAppUser('bob', Date.now());
    const after = await asSession(signedIn, '/api/buyer-route');
    expect(after.status).to.equal(401);
    expect(after.body.code).to.equal('SESSION_EXPIRED');
    expect(after.body.error).to.match(/bob was revoked/);
    expect((await call('GET', '/web/session', { cookie: signedIn.cookie ?? '' })).status).to.equal(
      401,
    );
    const again = await signIn(token);
    expect(again.status).to.equal(401);
    expect(again.body.error).to.match(/revoked/);
    expect(again.cookie).to.equal(undefined);
  });

  it('refuses a non-custodial user with a clear 403: the app cannot sign for it', async () => {
    const token = newApiToken();
    await store.insertAppUser(appUser('carol', token, { custody: 'self' }));
    const reply = await signIn(token);
    expect(reply.status).to.equal(403);
    expect(reply.body.error).to.match(/carol signs its own transactions/);
    expect(reply.cookie).to.equal(undefined);
  });
});
