import { expect } from 'chai';
import { signRequest, type SigningIdentity } from '../../../../src/gateway/auth.js';
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
    it('signed requests are single-use: a replay is a 409 that uses up nothing', async () => {
      await listDataset(fx(), 'peer-replay');
      const params = { ...ch, datasetId: 'peer-replay' };
      const buyer = identity(fx(), 'User1');
      // Each sample request gets fresh keys: results are decrypted under the newest one.
      await call(fx().sellerApp, 'GET', SAMPLE, params, { signAs: buyer });
      const raw = Buffer.from(JSON.stringify({ values: [1] }));
      const url = `/peer/channels/${CHANNEL}/datasets/peer-replay/sample/result`;
      const signed = signRequest(buyer, 'POST', url, raw);
      const first = await call<{ remaining: number }>(
        fx().sellerApp,
        'POST',
        `${SAMPLE}/result`,
        params,
        { signedWith: signed, raw },
      );
      expect([first.status, first.body.remaining]).to.deep.equal([200, 1]);
      for (let i = 0; i < 3; i += 1) {
        const replay = await call<{ code: string; error: string }>(
          fx().sellerApp,
          'POST',
          `${SAMPLE}/result`,
          params,
          { signedWith: signed, raw },
        );
        expect(replay.status).to.equal(409);
        expect(replay.body.code).to.equal('REQUEST_REPLAYED');
        expect(replay.body.error).to.match(/already used .*sign a new one/);
      }
      // The replays took no free decryption: a fresh request still has its one left.
      const fresh = await call<{ remaining: number }>(
        fx().sellerApp,
        'POST',
        `${SAMPLE}/result`,
        params,
        { signAs: buyer, raw },
      );
      expect([fresh.status, fresh.body.remaining]).to.deep.equal([200, 0]);
      // The nonce is in the store (it survives a restart of the app).
      const nonce = signed['x-datamarket-nonce'] ?? '';
      const account = fx().buyer.accountOf('User1');
      expect(
        await fx().sellerApp.store.rememberNonce(account, nonce, Date.now() + 60_000),
      ).to.equal(false);
    });

    it('a result is accepted once per trade: a replayed or different upload is a 409, the first stays; the same bytes again are a retry', async () => {
      await listDataset(fx(), 'peer-once', { price: '1', deposit: '1' });
      const trade = await purchase(fx(), 'peer-once');
      await deliver(fx(), trade);
      const params = { ...ch, tradeId: trade.tradeId };
      const buyer = identity(fx(), 'User1');
      const url = `/peer/channels/${CHANNEL}/trades/${trade.tradeId}/result`;
      const older = Buffer.from('older result');
      const olderSigned = signRequest(buyer, 'PUT', url, older);
      const newer = Buffer.from('newer result');
      const upload = await call(fx().sellerApp, 'PUT', RESULT, params, {
        signAs: buyer,
        raw: newer,
      });
      expect(upload.status).to.equal(201);
      const replayed = await call<{ code: string }>(fx().sellerApp, 'PUT', RESULT, params, {
        signedWith: olderSigned,
        raw: older,
      });
      expect([replayed.status, replayed.body.code]).to.deep.equal([409, 'RESULT_EXISTS']);
      const again = await call<{ code: string }>(fx().sellerApp, 'PUT', RESULT, params, {
        signedWith: olderSigned,
        raw: older,
      });
      expect([again.status, again.body.code]).to.deep.equal([409, 'REQUEST_REPLAYED']);
      const stored = await fx().sellerApp.store.getResult(CHANNEL, trade.tradeId);
      expect(Buffer.from(stored?.bytes ?? []).toString()).to.equal('newer result');
      // The same bytes in a fresh request are a retry (the buyer's SubmitResult may have failed).
      const retry = await call(fx().sellerApp, 'PUT', RESULT, params, {
        signAs: buyer,
        raw: newer,
      });
      expect(retry.status).to.equal(201);
      expect(retry.body).to.include({ tradeId: trade.tradeId, bytes: newer.length });
    });
  });
}
