import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { call, CHANNEL, type RouteFixture } from './fixture.js';
import { CSV, listDataset, purchase, SELLER, terms } from './scenario.js';

const ch = { channel: CHANNEL };
const DATASETS = '/api/channels/{channel}/datasets';
const DATASET = '/api/channels/{channel}/datasets/{datasetId}';

export function sellerRouteTests(fx: () => RouteFixture): void {
  describe('seller routes', () => {
    it('POST datasets: stores and lists; 400 malformed, 409 taken, 413 oversized', async () => {
      const created = await listDataset(fx(), 'seller-1');
      expect(created.body).to.deep.include({ rowCount: 3, droppedRows: 1 });
      const listing = (created.body as { listing: { sellerGatewayUrl: string } }).listing;
      expect(listing.sellerGatewayUrl).to.equal(fx().sellerApp.url);
      const post = (json: unknown) =>
        call<{ error: string }>(fx().sellerApp, 'POST', DATASETS, ch, { user: SELLER, json });
      expect((await post({ listing: terms('seller-1'), csv: CSV })).status).to.equal(409);
      const noData = await post({ listing: terms('seller-2') });
      expect(noData.status).to.equal(400);
      expect(noData.body.error).to.match(/exactly one of 'csv'/);
      const schema = await post({ listing: { ...terms('seller-2'), schema: {} }, csv: CSV });
      expect(schema.body.error).to.equal("body field 'listing.schema': unknown field");
      const price = await post({ listing: terms('seller-2', { price: 100 }), csv: CSV });
      expect(price.body.error).to.match(/^body field 'listing.price': /);
      expect((await post({ listing: terms('seller-2'), csv: 'a,b\n' })).status).to.equal(400);
      expect((await post({ listing: terms('seller-2'), csv: 'x'.repeat(70_000) })).status).to.equal(
        413,
      );
      expect((await post('[1]')).status).to.equal(400);
      const refused = await post({ listing: terms('seller-2', { leakageBound: 1000 }), csv: CSV });
      expect(refused.status).to.equal(400);
      expect(await fx().sellerApp.store.getDataset(CHANNEL, 'seller-2')).to.equal(undefined);
      const stored = await call<{ records: { datasetId: string }[] }>(
        fx().sellerApp,
        'GET',
        DATASETS,
        ch,
      );
      expect(stored.body.records.map((d) => d.datasetId)).to.include('seller-1');
    });

    it('POST datasets three times at once: one 201, 409s, and the winner keeps its data', async () => {
      // From a file: reading it lets the requests overlap, as on a real network.
      const file = path.join(fx().sellerApp.config.dataDir ?? tmpdir(), 'race.csv');
      writeFileSync(file, CSV);
      const post = () =>
        call<{ error: string }>(fx().sellerApp, 'POST', DATASETS, ch, {
          user: SELLER,
          json: { listing: terms('seller-race'), path: file },
        });
      const replies = await Promise.all([post(), post(), post()]);
      expect(replies.map((r) => r.status).sort()).to.deep.equal([201, 409, 409]);
      const stored = await fx().sellerApp.store.getDataset(CHANNEL, 'seller-race');
      expect(stored?.rows).to.have.length(3);
      const listing = await fx().seller.getListing(SELLER, CHANNEL, 'seller-race');
      expect(listing.state).to.equal('ACTIVE');
    });

    it('POST datasets, commit outcome unknown: 202 with the txId and dataset id, the data kept', async () => {
      fx().seller.failNext('CommitOutcomeUnknown', { fn: 'CreateListing', committed: true });
      const reply = await call<{ pending: boolean; txId: string; datasetId: string }>(
        fx().sellerApp,
        'POST',
        DATASETS,
        ch,
        { user: SELLER, json: { listing: terms('seller-unknown'), csv: CSV } },
      );
      expect(reply.status).to.equal(202);
      expect(reply.body).to.deep.include({ pending: true, datasetId: 'seller-unknown' });
      expect(reply.headers.get('location')).to.equal(
        `/api/channels/${CHANNEL}/listings/seller-unknown`,
      );
      const tx = await fx().seller.transaction(SELLER, CHANNEL, reply.body.txId);
      expect(tx.validationCode).to.equal('VALID');
      expect(await fx().sellerApp.store.getDataset(CHANNEL, 'seller-unknown')).not.to.equal(
        undefined,
      );
      // A refusal (nothing on chain) still removes the row the request inserted.
      fx().seller.failNext('LedgerUnavailable', { fn: 'CreateListing' });
      const down = await call(fx().sellerApp, 'POST', DATASETS, ch, {
        user: SELLER,
        json: { listing: terms('seller-down'), csv: CSV },
      });
      expect(down.status).to.equal(503);
      expect(await fx().sellerApp.store.getDataset(CHANNEL, 'seller-down')).to.equal(undefined);
    });

    it("PATCH a dataset: new terms or data; 403 another's, 400 nothing to change, 409 delisted", async () => {
      await listDataset(fx(), 'seller-3');
      const params = { ...ch, datasetId: 'seller-3' };
      const patch = (json: unknown, user = SELLER) =>
        call<{ listing: { price: string; version: number }; rowCount: number }>(
          fx().sellerApp,
          'PATCH',
          DATASET,
          params,
          { user, json },
        );
      const priced = await patch({ listing: { price: '120' } });
      expect(priced.status).to.equal(200);
      expect(priced.body.listing.price).to.equal('120');
      const data = await patch({ csv: 'a,b\n1,1\n2,2\n3,3\n4,4\n' });
      expect(data.body.rowCount).to.equal(4);
      expect((await patch({ listing: { price: '1' } }, 'Admin')).status).to.equal(403);
      expect((await patch({})).status).to.equal(400);
      expect((await patch({ listing: { id: 'x' } })).status).to.equal(400);
      const del = await call(fx().sellerApp, 'DELETE', DATASET, params, { user: 'Admin' });
      expect(del.status).to.equal(403);
      expect(
        (await call(fx().sellerApp, 'DELETE', DATASET, params, { user: SELLER })).status,
      ).to.equal(200);
      expect(
        (await call(fx().sellerApp, 'DELETE', DATASET, params, { user: SELLER })).status,
      ).to.equal(409);
      expect((await patch({ listing: { price: '1' } })).status).to.equal(409);
    });

    it("GET a sale's pump log; 403 to an account that is not its seller", async () => {
      await listDataset(fx(), 'seller-4');
      const trade = await purchase(fx(), 'seller-4');
      await fx().sellerApp.store.logPump(CHANNEL, trade.tradeId, 'noted', 'by the test');
      const path = '/api/channels/{channel}/trades/{tradeId}/pump-log';
      const params = { ...ch, tradeId: trade.tradeId };
      const log = await call<{ entries: { action: string }[] }>(
        fx().sellerApp,
        'GET',
        path,
        params,
        { user: SELLER },
      );
      expect(log.body.entries.map((e) => e.action)).to.deep.equal(['noted']);
      expect((await call(fx().sellerApp, 'GET', path, params, { user: 'Admin' })).status).to.equal(
        403,
      );
    });
  });
}
