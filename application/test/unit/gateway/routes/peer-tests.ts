import { expect } from 'chai';
import type { SigningIdentity } from '../../../../src/gateway/auth.js';
import { call, CHANNEL, type RouteFixture } from './fixture.js';
import { deliver, listDataset, purchase } from './scenario.js';

const ch = { channel: CHANNEL };
const BUNDLE = '/peer/channels/{channel}/trades/{tradeId}/bundle';
const RESULT = '/peer/channels/{channel}/trades/{tradeId}/result';
const SAMPLE = '/peer/channels/{channel}/datasets/{datasetId}/sample';

function identity(fx: RouteFixture, user: string): SigningIdentity {
  const found = fx.buyerPki.identities.get(user);
  if (!found) throw new Error(`no identity for ${user}`);
  return found;
}

export function peerRouteTests(fx: () => RouteFixture): void {
  describe('peer routes (signed requests from buyers’ apps)', () => {
    it("bundle and result: the trade's buyer only, in the right states; 401 unsigned", async () => {
      await listDataset(fx(), 'peer-1');
      const trade = await purchase(fx(), 'peer-1');
      const params = { ...ch, tradeId: trade.tradeId };
      const buyer = identity(fx(), 'User1');
      const early = await call(fx().sellerApp, 'GET', BUNDLE, params, { signAs: buyer });
      expect(early.status).to.equal(409);
      const bundle = await deliver(fx(), trade);
      const got = await call(fx().sellerApp, 'GET', BUNDLE, params, { signAs: buyer });
      expect(got.status).to.equal(200);
      expect(got.bytes.equals(bundle)).to.equal(true);
      expect(got.headers.get('x-datamarket-sha256')).to.equal(
        trade.bundleHash ?? got.headers.get('x-datamarket-sha256'),
      );
      const stranger = await call(fx().sellerApp, 'GET', BUNDLE, params, {
        signAs: identity(fx(), 'User2'),
      });
      expect(stranger.status).to.equal(403);
      expect((await call(fx().sellerApp, 'GET', BUNDLE, params, { token: null })).status).to.equal(
        401,
      );
      const upload = await call(fx().sellerApp, 'PUT', RESULT, params, {
        signAs: buyer,
        raw: Buffer.from('r'),
      });
      expect(upload.status).to.equal(201);
      expect(upload.body).to.include({ tradeId: trade.tradeId, bytes: 1 });
      const unknown = { ...ch, tradeId: 'e'.repeat(64) };
      expect(
        (await call(fx().sellerApp, 'GET', BUNDLE, unknown, { signAs: buyer })).status,
      ).to.equal(404);
      const empty = await call(fx().sellerApp, 'PUT', RESULT, params, {
        signAs: buyer,
        raw: Buffer.alloc(0),
      });
      expect(empty.status).to.equal(400);
    });

    it('sample and sample result, for any signed caller', async () => {
      await listDataset(fx(), 'peer-2');
      const params = { ...ch, datasetId: 'peer-2' };
      const buyer = identity(fx(), 'User2');
      const sample = await call(fx().sellerApp, 'GET', SAMPLE, params, { signAs: buyer });
      expect(sample.status).to.equal(200);
      const result = await call(fx().sellerApp, 'POST', `${SAMPLE}/result`, params, {
        signAs: buyer,
        raw: Buffer.from(JSON.stringify({ values: [1, 2] })),
      });
      expect(result.body).to.deep.include({ values: [1, 2] });
      const unsigned = await call(fx().sellerApp, 'POST', `${SAMPLE}/result`, params, {
        token: null,
        raw: Buffer.from('{}'),
      });
      expect(unsigned.status).to.equal(401);
    });
  });
}
