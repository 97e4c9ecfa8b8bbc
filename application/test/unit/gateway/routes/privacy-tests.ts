import { expect } from 'chai';
import { paramsHash, scriptHash } from '../../../../src/computations/index.js';
import type { SigningIdentity } from '../../../../src/gateway/auth.js';
import { labels } from '../../../../src/gateway/key-labels.js';
import type { Listing, Trade } from '../../../../src/gateway/types.js';
import { call, CHANNEL, fakeCrypto, type RouteFixture } from './fixture.js';
import { BUYER, deliver, listDataset, purchase, SELLER } from './scenario.js';

const ch = { channel: CHANNEL };
const SAMPLE = '/peer/channels/{channel}/datasets/{datasetId}/sample';
const APPROVED = {
  mode: 'approved',
  computations: [{ id: 'column-means', kind: 'builtin' }],
};

function identity(fx: RouteFixture, user: string): SigningIdentity {
  const found = fx.buyerPki.identities.get(user);
  if (!found) throw new Error(`no identity for ${user}`);
  return found;
}

/** The real rows behind the route tests' CSV (scenario.ts), the NA row dropped. */
const REAL_ROWS = [
  [1, 2],
  [3, 4],
  [7, 8],
];

export function privacyRouteTests(fx: () => RouteFixture): void {
  describe('privacy routes (synthetic samples, key budgets, named computations)', () => {
    it('the listing tells the buyer its policy, sample kind, budget and column ranges', async () => {
      const listed = await listDataset(fx(), 'privacy-0', {
        computationPolicy: APPROVED,
        sampleKind: 'marginals',
      });
      const listing = (listed.body as { listing: Listing }).listing;
      expect(listing.computationPolicy).to.deep.equal(APPROVED);
      expect(listing.sampleKind).to.equal('marginals');
      expect(listing.sampleDiscloses).to.include('each column mean');
      expect(listing.maxValuesPerKey).to.equal(64);
      expect(listing.columnRanges).to.deep.equal([
        { min: 1, max: 7, decimals: 0 },
        { min: 2, max: 8, decimals: 0 },
      ]);
    });

    it('a sample is synthetic, never the real rows, with fresh keys per request', async () => {
      await listDataset(fx(), 'privacy-1');
      const buyer = identity(fx(), 'User2');
      const encrypted: number[][][] = [];
      const original = fakeCrypto.createBundle.bind(fakeCrypto);
      fakeCrypto.createBundle = (dataset, preset) => {
        encrypted.push(dataset.rows);
        return original(dataset, preset);
      };
      try {
        for (let i = 0; i < 2; i++) {
          const got = await call(
            fx().sellerApp,
            'GET',
            SAMPLE,
            { ...ch, datasetId: 'privacy-1' },
            {
              signAs: buyer,
            },
          );
          expect(got.status).to.equal(200);
        }
      } finally {
        fakeCrypto.createBundle = original;
      }
      // Two requests, and the sample made ahead of them: every one synthetic.
      expect(encrypted.length).to.be.at.least(2);
      const real = new Set(REAL_ROWS.map((r) => r.join(',')));
      for (const rows of encrypted) {
        expect(rows).to.have.length(2);
        for (const row of rows) {
          row.forEach((v, j) => {
            expect(v).to.be.within(j === 0 ? 1 : 2, j === 0 ? 7 : 8);
          });
        }
      }
      // Each request is a draw of its own. A drawn row equals a real one only by chance (about
      // one in 25 with these integer ranges: the generator never looks at the real rows, and
      // leaving them out would reveal them by their absence; synthetic-samples.test measures
      // the rate), so some rows may be copies, but not every one (by chance: 1 in 10^8).
      expect(encrypted[0]).to.not.deep.equal(encrypted[1]);
      const drawn = encrypted.flat();
      const copies = drawn.filter((row) => real.has(row.join(','))).length;
      expect(copies).to.be.lessThan(drawn.length);
    });

    it('a sample key releases at most its budget; a refused result counts nothing', async () => {
      await listDataset(fx(), 'privacy-2', { leakageBound: 4, maxValuesPerKey: 6 });
      const buyer = identity(fx(), 'User1');
      const params = { ...ch, datasetId: 'privacy-2' };
      expect(
        (await call(fx().sellerApp, 'GET', SAMPLE, params, { signAs: buyer })).status,
      ).to.equal(200);
      const post = (values: number[]) =>
        call<{ values: number[]; code: string }>(
          fx().sellerApp,
          'POST',
          `${SAMPLE}/result`,
          params,
          {
            signAs: buyer,
            raw: Buffer.from(JSON.stringify({ values })),
          },
        );
      expect((await post([1, 2, 3, 4])).body.values).to.deep.equal([1, 2, 3, 4]);
      const over = await post([1, 2, 3, 4]);
      expect(over.status).to.equal(422);
      const key = await fx().sellerApp.store.getSampleKey(
        CHANNEL,
        'privacy-2',
        fx().buyer.accountOf('User1'),
      );
      const label = labels.sampleRequestKey(CHANNEL, 'privacy-2', key?.keyId ?? '');
      expect(await fx().sellerApp.store.keyBudgetSpent(label)).to.equal(4);
    });

    it('a result without a sample request first is a 409', async () => {
      await listDataset(fx(), 'privacy-3');
      const reply = await call(
        fx().sellerApp,
        'POST',
        `${SAMPLE}/result`,
        { ...ch, datasetId: 'privacy-3' },
        {
          signAs: identity(fx(), 'User2'),
          raw: Buffer.from(JSON.stringify({ values: [1] })),
        },
      );
      expect(reply.status).to.equal(409);
    });

    it('a seller-file sample serves only a file that fits the schema', async () => {
      await listDataset(fx(), 'privacy-4', { sampleKind: 'seller-file' });
      const params = { ...ch, datasetId: 'privacy-4' };
      const buyer = identity(fx(), 'User2');
      expect(
        (await call(fx().sellerApp, 'GET', SAMPLE, params, { signAs: buyer })).status,
      ).to.equal(409);
      const put = (csv: string) =>
        call(
          fx().sellerApp,
          'PUT',
          '/api/channels/{channel}/datasets/{datasetId}/sample-file',
          params,
          {
            user: SELLER,
            raw: Buffer.from(csv),
          },
        );
      expect((await put('x,b\n1,2\n')).status).to.equal(422);
      expect((await put('a,b\n100,2\n')).status).to.equal(422);
      expect((await put('a,b\n2,3\n5,5\n')).status).to.equal(200);
      const got = await call(fx().sellerApp, 'GET', SAMPLE, params, { signAs: buyer });
      expect(got.bytes.toString()).to.equal('bundle privacy-4 test-preset 2');
    });

    it('a computed result: parameters to the seller app, hashes on chain', async () => {
      await listDataset(fx(), 'privacy-5', { computationPolicy: APPROVED });
      const trade = await purchase(fx(), 'privacy-5');
      await deliver(fx(), trade);
      const params = { columns: ['a'] };
      // Malformed or oversized parameters are the caller's mistake: 400, nothing sent on.
      for (const bad of ['{not json', JSON.stringify({ columns: ['a'.repeat(9000)] })]) {
        const refused = await call(
          fx().buyerApp,
          'POST',
          '/api/channels/{channel}/trades/{tradeId}/computed-result',
          { ...ch, tradeId: trade.tradeId },
          {
            user: BUYER,
            raw: Buffer.from('{}'),
            query: { valueCount: '1', computation: 'column-means', params: bad },
          },
        );
        expect(refused.status).to.equal(400);
      }
      const submitted = await call<Trade>(
        fx().buyerApp,
        'POST',
        '/api/channels/{channel}/trades/{tradeId}/computed-result',
        { ...ch, tradeId: trade.tradeId },
        {
          user: BUYER,
          raw: Buffer.from(JSON.stringify({ values: [4] })),
          query: { valueCount: '1', computation: 'column-means', params: JSON.stringify(params) },
        },
      );
      expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
      expect(submitted.body.state).to.equal('RESULT_SUBMITTED');
      expect(submitted.body.computation?.paramsHash).to.equal(paramsHash(params));
      const stored = await fx().sellerApp.store.getTradeComputation(CHANNEL, trade.tradeId);
      expect(stored?.computationId).to.equal('column-means');
      // The buyer cannot swap the parameters afterwards.
      const swap = await call(
        fx().sellerApp,
        'PUT',
        '/peer/channels/{channel}/trades/{tradeId}/computation',
        { ...ch, tradeId: trade.tradeId },
        {
          signAs: identity(fx(), BUYER),
          raw: Buffer.from(
            JSON.stringify({ computationId: 'column-means', params: { columns: ['b'] } }),
          ),
        },
      );
      expect(swap.status).to.equal(409);
    });

    it('a seller script: registered only with the hash the listing approves, served to buyers', async () => {
      const code = 'export default ({ table }) => ({ means: table.mean(0) });\n';
      await listDataset(fx(), 'privacy-7', {
        computationPolicy: {
          mode: 'approved',
          computations: [{ id: 'my-means', kind: 'script', sha256: scriptHash(code) }],
        },
      });
      const params = { ...ch, datasetId: 'privacy-7', computationId: 'my-means' };
      const put = (text: string, computationId = 'my-means') =>
        call(
          fx().sellerApp,
          'PUT',
          '/api/channels/{channel}/datasets/{datasetId}/scripts/{computationId}',
          { ...params, computationId },
          {
            user: SELLER,
            raw: Buffer.from(text),
          },
        );
      expect((await put(`${code}// changed`)).status).to.equal(422);
      expect((await put(code, 'other')).status).to.equal(404);
      expect((await put(code)).status).to.equal(200);
      const got = await call(
        fx().buyerApp,
        'GET',
        '/api/channels/{channel}/listings/{datasetId}/scripts/{computationId}',
        params,
        {
          user: BUYER,
        },
      );
      expect(got.status).to.equal(200);
      expect(got.bytes.toString()).to.equal(code);
      const peer = await call(
        fx().sellerApp,
        'GET',
        '/peer/channels/{channel}/datasets/{datasetId}/scripts/{computationId}',
        params,
        {
          signAs: identity(fx(), 'User2'),
        },
      );
      expect(peer.status).to.equal(200);
    });

    it('the seller app stores a named computation once (201), from the buyer only', async () => {
      await listDataset(fx(), 'privacy-6', { computationPolicy: APPROVED });
      const trade = await purchase(fx(), 'privacy-6');
      await deliver(fx(), trade);
      const path = '/peer/channels/{channel}/trades/{tradeId}/computation';
      const body = Buffer.from(
        JSON.stringify({ computationId: 'column-means', params: { columns: ['a'] } }),
      );
      const stranger = await call(
        fx().sellerApp,
        'PUT',
        path,
        { ...ch, tradeId: trade.tradeId },
        {
          signAs: identity(fx(), 'User2'),
          raw: body,
        },
      );
      expect(stranger.status).to.equal(403);
      const first = await call(
        fx().sellerApp,
        'PUT',
        path,
        { ...ch, tradeId: trade.tradeId },
        {
          signAs: identity(fx(), BUYER),
          raw: body,
        },
      );
      expect(first.status).to.equal(201);
      const bad = await call(
        fx().sellerApp,
        'PUT',
        path,
        { ...ch, tradeId: trade.tradeId },
        {
          signAs: identity(fx(), BUYER),
          raw: Buffer.from('not json'),
        },
      );
      expect(bad.status).to.equal(400);
    });
  });
}
