import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { authenticate, tokenSha256Hex } from '../../../src/gateway/auth.js';
import { errorHandler } from '../../../src/gateway/http/errors.js';
import { sessionAuth } from '../../../src/web/session-auth.js';
import {
  cookieValue,
  csrfMatches,
  MAX_SESSION_SECONDS,
  sessionCookie,
  SessionStore,
} from '../../../src/web/sessions.js';

describe('web sessions', () => {
  it('expire at their end, never last longer than the maximum, and are forgotten', () => {
    let now = 1_000_000;
    const store = new SessionStore('dm_session_t', () => now);
    const short = store.create('User1', 2);
    const long = store.create('User1', 10 * MAX_SESSION_SECONDS);
    expect(long.expiresAt - long.createdAt).to.equal(MAX_SESSION_SECONDS * 1000);
    expect(store.find(short.id)?.user).to.equal('User1');
    now += 2000;
    expect(store.find(short.id)).to.equal(undefined);
    expect(store.find(long.id)?.user).to.equal('User1');
    store.delete(long.id);
    expect(store.find(long.id)).to.equal(undefined);
    expect(store.find(undefined)).to.equal(undefined);
  });

  it('match the CSRF token exactly and build httpOnly SameSite=Strict cookies', () => {
    const session = new SessionStore('c').create('User1');
    expect(csrfMatches(session, session.csrfToken)).to.equal(true);
    expect(csrfMatches(session, `${session.csrfToken}x`)).to.equal(false);
    expect(csrfMatches(session, undefined)).to.equal(false);
    const cookie = sessionCookie('dm_session_seller', 'abc', 60, true);
    expect(cookie).to.equal(
      'dm_session_seller=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure',
    );
    expect(cookieValue('a=1; dm_session_seller=abc; b=2', 'dm_session_seller')).to.equal('abc');
    expect(cookieValue('dm_session_buyer=zzz', 'dm_session_seller')).to.equal(undefined);
  });

  it('let a cookie stand for its user, refuse expired ones and state changes without CSRF', async () => {
    const store = new SessionStore('dm_session_t');
    const token = 'a-token-of-twenty-four-chars';
    const app = express();
    app.use(sessionAuth(store));
    const users = [{ user: 'User1', tokenSha256: tokenSha256Hex(token) }];
    app.all('/api/who', authenticate(users), (_req, res) => {
      res.json({ user: res.locals.user as string });
    });
    app.use(errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/who`;
    try {
      const session = store.create('User1');
      const cookie = `dm_session_t=${session.id}`;
      const ask = async (method: string, headers: Record<string, string>) => {
        const reply = await fetch(url, { method, headers });
        return {
          status: reply.status,
          body: (await reply.json()) as { user?: string; code?: string },
        };
      };
      expect(await ask('GET', { cookie })).to.deep.equal({ status: 200, body: { user: 'User1' } });
      expect((await ask('POST', { cookie })).body.code).to.equal('CSRF');
      expect((await ask('POST', { cookie, 'x-csrf-token': session.csrfToken })).status).to.equal(
        200,
      );
      expect((await ask('GET', { cookie: 'dm_session_t=unknown' })).body.code).to.equal(
        'SESSION_EXPIRED',
      );
      // A bearer token is checked as before, and a cookie beside it is not looked at.
      expect(
        (await ask('POST', { authorization: `Bearer ${token}`, cookie: 'dm_session_t=x' })).status,
      ).to.equal(200);
      expect((await ask('GET', {})).status).to.equal(401);
    } finally {
      server.close();
    }
  });
});
