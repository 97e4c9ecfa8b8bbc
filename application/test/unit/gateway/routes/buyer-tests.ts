import { expect } from 'chai';
import { DataMarketClient } from '../../../../src/client/client.js';
import type { Trade } from '../../../../src/gateway/types.js';
import { call, CHANNEL, type RouteFixture } from './fixture.js';
import { encryptToResultKey, sha256Hex } from '../../../../src/gateway/crypto/result-envelope.js';
import { BUYER, deliver, listDataset, purchase, SELLER, settle, submitResult } from './scenario.js';

const ch = { channel: CHANNEL };
const TRADES = '/api/channels/{channel}/trades';
const TRADE = '/api/channels/{channel}/trades/{tradeId}';
/** Terms that leave the buyer's funds for the other tests. */
const CHEAP = { price: '1', deposit: '1' };

export function buyerRouteTests(fx: () => RouteFixture): void {
  describe('buyer routes', () => {
    it('POST trades: purchases at the seen price; 400 for amounts that are not strings, 409 changed terms', async () => {
      await listDataset(fx(), 'buyer-1');
      const post = (json: unknown) =>
        call<Trade & { error: string }>(fx().buyerApp, 'POST', TRADES, ch, { user: BUYER, json });
      const numeric = await post({
        datasetId: 'buyer-1',
        expectedPrice: 100,
        expectedDeposit: '10',
      });
      expect(numeric.status).to.equal(400);
      expect(numeric.body.error).to.match(
        /^body field 'expectedPrice': .*expected string, received number/,
      );
      expect((await post({ datasetId: 'buyer-1', expectedPrice: '100' })).status).to.equal(400);
      expect((await post({ datasetId: '' })).status).to.equal(400);
      const changed = await post({
        datasetId: 'buyer-1',
        expectedPrice: '90',
        expectedDeposit: '10',
      });
      expect(changed.status).to.equal(409);
      expect(changed.body.error).to.match(/TERMS_CHANGED/);
      const bought = await post({
        datasetId: 'buyer-1',
        expectedPrice: '100',
        expectedDeposit: '10',
      });
      expect(bought.status).to.equal(201);
      expect(bought.headers.get('location')).to.equal(
        `/api/channels/${CHANNEL}/trades/${bought.body.tradeId}`,
      );
      expect(await fx().buyerApp.store.getBuyerKey(CHANNEL, bought.body.tradeId)).not.to.equal(
        undefined,
      );
      expect((await post({ datasetId: 'nothing-here' })).status).to.equal(404);
    });

    it('POST trades: expectedPrice / expectedDeposit of any type but a string are 400s naming the field', async () => {
      await listDataset(fx(), 'buyer-types');
      const post = (json: unknown) =>
        call<{ error: string }>(fx().buyerApp, 'POST', TRADES, ch, { user: BUYER, json });
      for (const field of ['expectedPrice', 'expectedDeposit']) {
        for (const wrong of [10, 100, null, true, [], {}, ['100']]) {
          const json = {
            datasetId: 'buyer-types',
            expectedPrice: '100',
            expectedDeposit: '10',
            [field]: wrong,
          };
          const reply = await post(json);
          expect(reply.status, `${field}: ${JSON.stringify(wrong)}`).to.equal(400);
          expect(reply.body.error).to.match(new RegExp(`^body field '${field}': `));
        }
      }
      const { records } = (
        await call<{ records: Trade[] }>(fx().buyerApp, 'GET', TRADES, ch, { user: BUYER })
      ).body;
      expect(records.filter((t) => t.datasetId === 'buyer-types')).to.deep.equal([]);
    });

    it('POST trades: conflicts (MVCC, endorsers disagreeing) are retried, then answered 409 with the reason', async () => {
      await listDataset(fx(), 'buyer-conflict', CHEAP);
      const post = () =>
        call<Trade & { error: string; code: string }>(fx().buyerApp, 'POST', TRADES, ch, {
          user: BUYER,
          json: { datasetId: 'buyer-conflict' },
        });
      fx().buyer.failNext('TransactionConflict', { fn: 'Purchase', times: 3 });
      const bought = await post();
      expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
      expect(await fx().buyerApp.store.getBuyerKey(CHANNEL, bought.body.tradeId)).not.to.equal(
        undefined,
      );
      fx().buyer.failNext('TransactionConflict', { fn: 'Purchase', times: 4 });
      const refused = await post();
      expect(refused.status).to.equal(409);
      expect(refused.body.code).to.equal('TRANSACTION_CONFLICT');
      expect(refused.body.error).to.match(/MVCC_READ_CONFLICT .*\(tried 4 times\)/);
      const { records } = (
        await call<{ records: Trade[] }>(fx().buyerApp, 'GET', TRADES, ch, { user: BUYER })
      ).body;
      expect(records.filter((t) => t.datasetId === 'buyer-conflict')).to.have.length(1);
    });

    it('POST trades, commit outcome unknown: 202 with the trade id to follow, the result key kept', async () => {
      await listDataset(fx(), 'buyer-unknown', CHEAP);
      const post = () =>
        call<{ pending: boolean; txId: string; tradeId: string; location: string }>(
          fx().buyerApp,
          'POST',
          TRADES,
          ch,
          { user: BUYER, json: { datasetId: 'buyer-unknown' } },
        );
      // Committed, but the app could not read the commit status.
      fx().buyer.failNext('CommitOutcomeUnknown', { fn: 'Purchase', committed: true });
      const committed = await post();
      expect(committed.status).to.equal(202);
      const { tradeId, txId, location } = committed.body;
      expect(tradeId).to.equal(txId);
      expect(location).to.equal(`/api/channels/${CHANNEL}/trades/${tradeId}`);
      expect(committed.headers.get('location')).to.equal(location);
      const trade = await call<Trade>(
        fx().buyerApp,
        'GET',
        TRADE,
        { ...ch, tradeId },
        { user: BUYER },
      );
      expect([trade.status, trade.body.state]).to.deep.equal([200, 'PAID']);
      expect(await fx().buyerApp.store.getBuyerKey(CHANNEL, tradeId)).not.to.equal(undefined);
      // Never committed: still 202 (the app cannot know), the key kept, the trade never appears.
      fx().buyer.failNext('CommitOutcomeUnknown', { fn: 'Purchase' });
      const lost = await post();
      expect(lost.status).to.equal(202);
      const params = { ...ch, tradeId: lost.body.tradeId };
      expect((await call(fx().buyerApp, 'GET', TRADE, params, { user: BUYER })).status).to.equal(
        404,
      );
      expect(await fx().buyerApp.store.getBuyerKey(CHANNEL, lost.body.tradeId)).not.to.equal(
        undefined,
      );
    });

    it('the client follows a 202 purchase to its trade instead of failing', async () => {
      await listDataset(fx(), 'buyer-client', CHEAP);
      const client = new DataMarketClient({
        url: fx().buyerApp.url,
        token: fx().buyerApp.tokens[BUYER] ?? '',
        channel: CHANNEL,
      });
      fx().buyer.failNext('CommitOutcomeUnknown', { fn: 'PurchaseOnce', committed: true });
      const trade = await client.buy('buyer-client');
      expect([trade.datasetId, trade.state]).to.deep.equal(['buyer-client', 'PAID']);
    });

    it("GET result verifies the delivered plaintext: not JSON, or another trade's, is 502 RESULT_MISMATCH", async () => {
      const cases = [
        ['not JSON', () => 'values: 1, 2'],
        ['not a result', () => JSON.stringify({ values: 'x' })],
        [
          'another trade',
          (t: Trade) =>
            JSON.stringify({ tradeId: 'f'.repeat(64), datasetId: t.datasetId, values: [1] }),
        ],
      ] as const;
      for (const [what, plaintextOf] of cases) {
        const id = `buyer-bad-result-${what.replace(/ /g, '-').toLowerCase()}`;
        await listDataset(fx(), id, CHEAP);
        const trade = await purchase(fx(), id);
        await deliver(fx(), trade);
        expect((await submitResult(fx(), trade, [1])).status).to.equal(200);
        const plaintext = Buffer.from(plaintextOf(trade));
        const envelope = encryptToResultKey(trade.buyerResultKey, plaintext);
        await fx().seller.deliverResult(
          SELLER,
          CHANNEL,
          trade.tradeId,
          envelope,
          sha256Hex(plaintext),
        );
        const reply = await call<{ code: string; error: string }>(
          fx().buyerApp,
          'GET',
          `${TRADE}/result`,
          { ...ch, tradeId: trade.tradeId },
          { user: BUYER },
        );
        expect([what, reply.status, reply.body.code]).to.deep.equal([what, 502, 'RESULT_MISMATCH']);
      }
    });

    it('a purchase sent again with its request id returns the first trade, paid once', async () => {
      await listDataset(fx(), 'buyer-request-id', CHEAP);
      const account = fx().buyer.accountOf(BUYER);
      const before = await fx().buyer.balanceOf(BUYER, CHANNEL, account);
      const json = { datasetId: 'buyer-request-id', requestId: 'order-77' };
      const post = () => call<Trade>(fx().buyerApp, 'POST', TRADES, ch, { user: BUYER, json });
      const first = await post();
      const again = await post();
      expect([first.status, again.status]).to.deep.equal([201, 201]);
      expect(again.body.tradeId).to.equal(first.body.tradeId);
      expect(again.headers.get('location')).to.equal(
        `/api/channels/${CHANNEL}/trades/${first.body.tradeId}`,
      );
      const after = await fx().buyer.balanceOf(BUYER, CHANNEL, account);
      expect(BigInt(before) - BigInt(after)).to.equal(2n);
      const bad = await call<{ error: string }>(fx().buyerApp, 'POST', TRADES, ch, {
        user: BUYER,
        json: { datasetId: 'buyer-request-id', requestId: 'no spaces' },
      });
      expect(bad.status).to.equal(400);
      expect(bad.body.error).to.match(/requestId/);
    });

    it('the client re-sends a purchase whose answer was lost (503 after commit) and gets one trade', async () => {
      await listDataset(fx(), 'buyer-lost-answer', CHEAP);
      const client = new DataMarketClient({
        url: fx().buyerApp.url,
        token: fx().buyerApp.tokens[BUYER] ?? '',
        channel: CHANNEL,
      });
      fx().buyer.failNext('LedgerUnavailable', { fn: 'PurchaseOnce', committed: true });
      const trade = await client.buy('buyer-lost-answer');
      const mine = await fx().buyer.listTrades(
        BUYER,
        CHANNEL,
        { by: 'dataset', datasetId: 'buyer-lost-answer' },
        {},
      );
      expect(mine.records.map((t) => t.tradeId)).to.deep.equal([trade.tradeId]);
    });

    it('a whole trade: bundle (checked against the ledger), result, decrypted delivery', async () => {
      await listDataset(fx(), 'buyer-2');
      const trade = await purchase(fx(), 'buyer-2');
      const params = { ...ch, tradeId: trade.tradeId };
      const early = await call(fx().buyerApp, 'GET', `${TRADE}/bundle`, params, { user: BUYER });
      expect(early.status).to.equal(409);
      expect((await submitResult(fx(), trade, [1])).status).to.equal(409);
      const bundle = await deliver(fx(), trade);
      const other = await call(fx().buyerApp, 'GET', `${TRADE}/bundle`, params, { user: 'User2' });
      expect(other.status).to.equal(403);
      const got = await call(fx().buyerApp, 'GET', `${TRADE}/bundle`, params, { user: BUYER });
      expect(got.status).to.equal(200);
      expect(got.bytes.equals(bundle)).to.equal(true);
      const resultPath = `${TRADE}/result`;
      const noCount = await call(fx().buyerApp, 'POST', resultPath, params, {
        raw: Buffer.from('x'),
      });
      expect(noCount.status).to.equal(400);
      const over = await call(fx().buyerApp, 'POST', resultPath, params, {
        raw: Buffer.from('x'),
        query: { valueCount: '5' },
      });
      expect(over.status).to.equal(400);
      const big = await call(fx().buyerApp, 'POST', resultPath, params, {
        raw: Buffer.alloc(9000),
        query: { valueCount: '1' },
      });
      expect(big.status).to.equal(413);
      expect((await call(fx().buyerApp, 'GET', resultPath, params)).status).to.equal(409);
      const submitted = await submitResult(fx(), trade, [1.5, 2.5]);
      expect(submitted.status).to.equal(200);
      expect(submitted.body.state).to.equal('RESULT_SUBMITTED');
      expect(await fx().sellerApp.store.getResult(CHANNEL, trade.tradeId)).not.to.equal(undefined);
      await settle(fx(), trade, [1.5, 2.5]);
      const result = await call<{ verified: boolean; result: { values: number[] } }>(
        fx().buyerApp,
        'GET',
        resultPath,
        params,
      );
      expect(result.status).to.equal(200);
      expect(result.body.result.values).to.deep.equal([1.5, 2.5]);
      expect(
        (await call(fx().buyerApp, 'GET', resultPath, params, { user: 'User2' })).status,
      ).to.equal(403);
    });

    it('POST refund: the buyer withdraws; 403 for another account, 409 once closed', async () => {
      await listDataset(fx(), 'buyer-3');
      const trade = await purchase(fx(), 'buyer-3');
      const path = `${TRADE}/refund`;
      const params = { ...ch, tradeId: trade.tradeId };
      expect((await call(fx().buyerApp, 'POST', path, params, { user: 'User2' })).status).to.equal(
        403,
      );
      const refunded = await call<Trade>(fx().buyerApp, 'POST', path, params, { user: BUYER });
      expect(refunded.status).to.equal(200);
      expect(refunded.body.state).to.equal('REFUNDED');
      expect((await call(fx().buyerApp, 'POST', path, params, { user: BUYER })).status).to.equal(
        409,
      );
    });

    it("the free test sample through the seller's app: bundle, decryption, refusals and rate limit", async () => {
      await listDataset(fx(), 'buyer-4');
      await listDataset(fx(), 'buyer-5', { freeSample: false });
      const sample = '/api/channels/{channel}/listings/{datasetId}/sample';
      const got = await call(fx().buyerApp, 'GET', sample, { ...ch, datasetId: 'buyer-4' });
      expect(got.status).to.equal(200);
      expect(got.bytes.toString()).to.equal('bundle buyer-4 test-preset 2');
      expect(
        (await call(fx().buyerApp, 'GET', sample, { ...ch, datasetId: 'buyer-5' })).status,
      ).to.equal(404);
      const post = (values: number[]) =>
        call<{ values: number[]; remaining: number }>(
          fx().buyerApp,
          'POST',
          `${sample}/result`,
          { ...ch, datasetId: 'buyer-4' },
          {
            raw: Buffer.from(JSON.stringify({ values })),
          },
        );
      const decrypted = await post([3]);
      expect(decrypted.body).to.deep.equal({ datasetId: 'buyer-4', values: [3], remaining: 1 });
      expect((await post([1, 2, 3, 4, 5])).status).to.equal(422);
      expect((await post([1])).status).to.equal(429);
    });
  });
}
