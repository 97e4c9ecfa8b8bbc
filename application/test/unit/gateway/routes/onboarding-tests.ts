import { expect } from 'chai';
import { call, CHANNEL, type RouteFixture } from './fixture.js';

const ch = { channel: CHANNEL };
const txId = 'a'.repeat(64);

/**
 * The onboarding and non-custodial routes in process, where the apps have no CA and no
 * offline signing: who may call them, and what they answer without those (their success is
 * in the network test e2e-onboarding).
 */
export function onboardingRouteTests(fx: () => RouteFixture): void {
  describe('onboarding and non-custodial routes (no CA here)', () => {
    it('admin routes: the org Admin only (403), 503 NO_CA without a CA, 400 for a bad body, 401 without a token', async () => {
      const app = fx().sellerApp;
      const body = { name: 'dora', role: 'buyer' };
      const notAdmin = await call(
        app,
        'POST',
        '/api/admin/users',
        {},
        { user: 'User1', json: body },
      );
      expect(notAdmin.status).to.equal(403);
      const noCa = await call(app, 'POST', '/api/admin/users', {}, { user: 'Admin', json: body });
      expect(noCa.status).to.equal(503);
      expect(noCa.body).to.include({ code: 'NO_CA' });
      for (const bad of [
        { name: 'no spaces allowed', role: 'buyer' },
        { name: 'dora', role: 'king' },
        { name: 'dora', role: 'buyer', csr: 'not a csr' },
        { name: 'dora', role: 'buyer', extra: 1 },
      ]) {
        const refused = await call(
          app,
          'POST',
          '/api/admin/users',
          {},
          { user: 'Admin', json: bad },
        );
        expect(refused.status, JSON.stringify(bad)).to.equal(400);
      }
      const revoke = '/api/admin/users/{name}/revoke';
      expect(
        (await call(app, 'POST', revoke, { name: 'dora' }, { user: 'User1' })).status,
      ).to.equal(403);
      expect(
        (await call(app, 'POST', revoke, { name: 'dora' }, { user: 'Admin' })).status,
      ).to.equal(503);
      expect((await call(app, 'GET', '/api/admin/users', {}, { token: null })).status).to.equal(
        401,
      );
      expect((await call(app, 'GET', '/api/admin/users', {}, { user: 'User1' })).status).to.equal(
        403,
      );
    });

    it('self routes: 503 without non-custodial mode, 400 for a bad function or signature', async () => {
      const app = fx().buyerApp;
      const account = await call(app, 'GET', '/api/self/channels/{channel}/account', ch, {
        user: 'User1',
      });
      expect(account.status).to.equal(503);
      const path = '/api/self/channels/{channel}/transactions';
      const transfer = await call(app, 'POST', path, ch, {
        user: 'User1',
        json: { fn: 'MintTo', args: [] },
      });
      expect(transfer.status, 'only buyer functions are signed offline').to.equal(400);
      const endorse = `${path}/{txId}/endorse`;
      const badSignature = await call(
        app,
        'POST',
        endorse,
        { ...ch, txId },
        { user: 'User1', json: { signature: '!!' } },
      );
      expect(badSignature.status).to.equal(400);
      const badTx = await call(
        app,
        'POST',
        endorse,
        { ...ch, txId: 'xyz' },
        { user: 'User1', json: { signature: 'AAAAAAAA' } },
      );
      expect(badTx.status).to.equal(400);
    });
  });
}
