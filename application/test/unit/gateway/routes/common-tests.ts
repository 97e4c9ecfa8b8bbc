import { expect } from 'chai';
import type { Page, Trade } from '../../../../src/gateway/types.js';
import { call, CHANNEL, type RouteFixture } from './fixture.js';
import { BUYER, listDataset, purchase, SELLER } from './scenario.js';

const ch = { channel: CHANNEL };

export function commonRouteTests(fx: () => RouteFixture): void {
  describe('common routes', () => {
    it('GET /health and /openapi.json answer without a token', async () => {
      const health = await call(fx().buyerApp, 'GET', '/health', {}, { token: null });
      expect(health.body).to.include({ status: 'ok', org: 'buyer', mspId: 'BuyerMSP' });
      const spec = await call<{ paths: Record<string, unknown> }>(
        fx().auditorApp,
        'GET',
        '/openapi.json',
        {},
        { token: null },
      );
      expect(Object.keys(spec.body.paths)).to.include('/api/channels/{channel}/audit/supply');
      expect(Object.keys(spec.body.paths)).not.to.include('/api/channels/{channel}/datasets');
    });

    it('GET account: the balance; 401 without a token, 404 for a channel not served, 400 malformed', async () => {
      const path = '/api/channels/{channel}/account';
      const account = await call(fx().buyerApp, 'GET', path, ch, { user: BUYER });
      expect(account.status).to.equal(200);
      expect(account.body).to.include({ balance: '1000', accountId: fx().buyer.accountOf(BUYER) });
      expect((await call(fx().buyerApp, 'GET', path, ch, { token: null })).status).to.equal(401);
      expect(
        (await call(fx().buyerApp, 'GET', path, ch, { token: 'x'.repeat(20) })).status,
      ).to.equal(401);
      expect((await call(fx().buyerApp, 'GET', path, { channel: 'other' })).status).to.equal(404);
      const bad = await call<{ error: string }>(fx().buyerApp, 'GET', path, { channel: '-bad' });
      expect(bad.status).to.equal(400);
      expect(bad.body.error).to.match(/^path parameter 'channel': /);
    });

    it("GET trades and a trade: the caller's as buyer or seller; 403 to others, 400 malformed", async () => {
      await listDataset(fx(), 'common-1');
      const trade = await purchase(fx(), 'common-1');
      const list = '/api/channels/{channel}/trades';
      const mine = await call<Page<Trade>>(fx().buyerApp, 'GET', list, ch, { user: BUYER });
      expect(mine.body.records.map((t) => t.tradeId)).to.include(trade.tradeId);
      const sales = await call<Page<Trade>>(fx().sellerApp, 'GET', list, ch, {
        user: SELLER,
        query: { as: 'seller', pageSize: '5' },
      });
      expect(sales.body.records.map((t) => t.tradeId)).to.include(trade.tradeId);
      const badAs = await call<{ error: string }>(fx().buyerApp, 'GET', list, ch, {
        query: { as: 'x' },
      });
      expect(badAs.status).to.equal(400);
      expect(badAs.body.error).to.match(/^query parameter 'as': /);
      const one = '/api/channels/{channel}/trades/{tradeId}';
      const params = { ...ch, tradeId: trade.tradeId };
      expect((await call(fx().buyerApp, 'GET', one, params, { user: BUYER })).status).to.equal(200);
      expect((await call(fx().sellerApp, 'GET', one, params, { user: SELLER })).status).to.equal(
        200,
      );
      expect((await call(fx().buyerApp, 'GET', one, params, { user: 'User2' })).status).to.equal(
        403,
      );
      expect((await call(fx().sellerApp, 'GET', one, params, { user: 'Admin' })).status).to.equal(
        403,
      );
      expect((await call(fx().buyerApp, 'GET', one, { ...ch, tradeId: 'abc' })).status).to.equal(
        400,
      );
      const unknown = { ...ch, tradeId: 'f'.repeat(64) };
      expect((await call(fx().buyerApp, 'GET', one, unknown)).status).to.equal(404);
    });

    it('GET listings and a listing: pages; 404 unknown, 400 bad page size', async () => {
      await listDataset(fx(), 'common-2');
      const list = '/api/channels/{channel}/listings';
      const page = await call<Page<{ id: string }>>(fx().auditorApp, 'GET', list, ch, {
        query: { pageSize: '100' },
      });
      expect(page.body.records.map((l) => l.id)).to.include('common-2');
      expect(
        (await call(fx().buyerApp, 'GET', list, ch, { query: { pageSize: 'ten' } })).status,
      ).to.equal(400);
      const one = '/api/channels/{channel}/listings/{datasetId}';
      const found = await call(fx().buyerApp, 'GET', one, { ...ch, datasetId: 'common-2' });
      expect(found.body).to.include({ id: 'common-2', price: '100' });
      expect(
        (await call(fx().buyerApp, 'GET', one, { ...ch, datasetId: 'nothing' })).status,
      ).to.equal(404);
    });
  });
}
