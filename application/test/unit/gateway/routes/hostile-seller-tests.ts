import { expect } from 'chai';
import type { ListingInput, Trade } from '../../../../src/gateway/types.js';
import { HostileApp } from '../../../support/hostile-app.js';
import { ORG_ADMIN } from '../../../support/index.js';
import { call, CHANNEL, type RouteFixture } from './fixture.js';
import { BUYER, CSV, purchase, SELLER, terms } from './scenario.js';

const ch = { channel: CHANNEL };
const SAMPLE = '/api/channels/{channel}/listings/{datasetId}/sample';
const BUNDLE = '/api/channels/{channel}/trades/{tradeId}/bundle';

/**
 * A listing (straight on the ledger) whose seller app URL is the hostile app: a hostile member
 * registers its own hostile app, which the registry cannot prevent; the calls stay bounded.
 */
async function hostileListing(fx: RouteFixture, id: string, url: string): Promise<void> {
  await fx.seller.registerOrgApp(ORG_ADMIN, CHANNEL, url);
  const input = {
    ...terms(id, { price: '1', deposit: '1' }),
    sellerGatewayUrl: url,
    schema: { columns: ['a', 'b'], rowCount: 4 },
  } as ListingInput;
  await fx.seller.createListing(SELLER, CHANNEL, input);
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  const value = await work;
  return { value, ms: Date.now() - start };
}

export function hostileSellerTests(fx: () => RouteFixture): void {
  describe('a hostile seller app (bounded calls between apps)', () => {
    const hostile = new HostileApp();
    before(async () => {
      await hostile.start();
      hostile.redirectTo = `${fx().sellerApp.url}/openapi.json`;
    });
    after(async () => {
      await hostile.stop();
    });

    const sample = (datasetId: string) =>
      call<{ error: string; code: string }>(
        fx().buyerApp,
        'GET',
        SAMPLE,
        { ...ch, datasetId },
        {
          user: BUYER,
        },
      );

    it('a huge sample is cut off at the configured limit: 502, the connection dropped', async () => {
      await hostileListing(fx(), 'hostile-huge', `${hostile.url}/huge`);
      const { value, ms } = await timed(sample('hostile-huge'));
      expect(value.status).to.equal(502);
      expect(value.body.code).to.equal('SELLER_APP_TOO_LARGE');
      expect(value.body.error).to.match(/more than the 16384 bytes/);
      expect(ms).to.be.below(1500);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(hostile.abandoned).to.be.at.least(1);
    });

    it('a bundle longer than bundleBytes on chain is refused while it streams', async () => {
      await hostileListing(fx(), 'hostile-bundle', `${hostile.url}/huge`);
      const trade: Trade = await purchase(fx(), 'hostile-bundle');
      await fx().seller.confirmDelivery(SELLER, CHANNEL, trade.tradeId, 'ab'.repeat(32), 100);
      const reply = await call<{ error: string; code: string }>(
        fx().buyerApp,
        'GET',
        BUNDLE,
        { ...ch, tradeId: trade.tradeId },
        { user: BUYER },
      );
      expect(reply.status).to.equal(502);
      expect(reply.body.code).to.equal('SELLER_APP_TOO_LARGE');
      expect(reply.body.error).to.match(/more than the 100 bytes/);
    });

    it('an app that never answers gets a 504 after the connect timeout', async () => {
      await hostileListing(fx(), 'hostile-silent', `${hostile.url}/silent`);
      const { value, ms } = await timed(sample('hostile-silent'));
      expect(value.status).to.equal(504);
      expect(value.body.code).to.equal('SELLER_APP_TIMEOUT');
      expect(value.body.error).to.match(/did not start answering within 500 ms/);
      expect(ms).to.be.below(1400);
    });

    it('an app that stalls mid-answer gets a 504 after the total timeout', async () => {
      await hostileListing(fx(), 'hostile-stalls', `${hostile.url}/stalls`);
      const { value, ms } = await timed(sample('hostile-stalls'));
      expect(value.status).to.equal(504);
      expect(value.body.error).to.match(/did not finish answering within 1500 ms/);
      expect(ms).to.be.below(2500);
    });

    it('a redirect is not followed: 502 that says so, the other body never returned', async () => {
      await hostileListing(fx(), 'hostile-redirect', `${hostile.url}/redirect`);
      const reply = await sample('hostile-redirect');
      expect(reply.status).to.equal(502);
      expect(reply.body.error).to.match(/answered a redirect \(302 to .*openapi\.json\)/);
      expect(reply.body.error).to.match(/redirects are not followed/);
    });

    it('a listing naming a URL its org never registered is refused: 403 APP_NOT_REGISTERED', async () => {
      const reply = await call<{ error: string; code: string }>(
        fx().sellerApp,
        'POST',
        '/api/channels/{channel}/datasets',
        ch,
        {
          user: SELLER,
          json: {
            listing: terms('unregistered-url', { sellerGatewayUrl: `${hostile.url}/never` }),
            csv: CSV,
          },
        },
      );
      expect(reply.status).to.equal(403);
      expect(reply.body.code).to.equal('APP_NOT_REGISTERED');
      const stored = await fx().sellerApp.store.getDataset(CHANNEL, 'unregistered-url');
      expect(stored).to.equal(undefined);
    });

    it('the buyer app calls only URLs registered on chain: 502 SELLER_APP_UNREGISTERED, nothing sent', async () => {
      const url = `${hostile.url}/huge`;
      await hostileListing(fx(), 'hostile-unregistered', url);
      await fx().seller.invoke(ORG_ADMIN, CHANNEL, 'UnregisterOrgApp', url);
      const before = hostile.requests;
      const reply = await sample('hostile-unregistered');
      expect(reply.status).to.equal(502);
      expect(reply.body.code).to.equal('SELLER_APP_UNREGISTERED');
      expect(hostile.requests).to.equal(before);
    });
  });
}
