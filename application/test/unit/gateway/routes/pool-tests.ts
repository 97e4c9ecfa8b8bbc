/**
 * Pool routes in process (docs/pools.md): two seller users of the seller app form a pool through
 * its routes (the mask keys made and sealed there), the buyer buys it, the seller app's pool
 * pump (seats read from its store) delivers, the buyer downloads each member's bundle and
 * uploads each partial through its own app (signed calls to the member's registered app),
 * records the partials, and reads the aggregate: the sum of the members' partials.
 */
import { expect } from 'chai';
import type { Pool, PoolTrade } from '@datamarket/chaincode/api';
import { Sealer } from '../../../../src/gateway/crypto/sealing.js';
import { PoolLedger } from '../../../../src/gateway/pools/pool-ledger.js';
import { PoolMemberPump } from '../../../../src/gateway/pools/pool-pump.js';
import { storedSeats } from '../../../../src/gateway/pools/seats.js';
import { inProcessCaller, until } from '../../aggregation/pool-fixture.js';
import { ORG_ADMIN } from '../../../support/index.js';
import { call, CHANNEL, fakeCrypto, type RouteFixture } from './fixture.js';
import {
  BUNDLE,
  ch,
  COLUMNS,
  formPool as formPoolOf,
  PARTIAL,
  partialOf,
  POOL,
  POOLS,
  proposal,
  TRADE,
} from './pool-route-steps.js';
import { poolScoresRouteTests } from './pool-scores-tests.js';

const PEER_BUNDLE = '/peer/channels/{channel}/pool-trades/{tradeId}/seats/{seat}/bundle';
const PEER_PARTIAL =
  '/peer/channels/{channel}/pool-trades/{tradeId}/rounds/{round}/seats/{seat}/partial';

export function poolRouteTests(fx: () => RouteFixture): void {
  describe('pool routes', () => {
    let pump: PoolMemberPump | undefined;
    before(() => {
      const { sellerApp } = fx();
      const sealer = new Sealer(sellerApp.config.storeSecret);
      pump = new PoolMemberPump({
        pools: new PoolLedger(inProcessCaller(fx().seller)),
        store: sellerApp.store,
        sealer,
        crypto: fakeCrypto,
        now: () => fx().network.now(),
        log: () => undefined,
        events: fx().seller,
        seats: () => storedSeats(sellerApp.store, sealer),
        channels: [CHANNEL],
        reader: 'Admin',
        resumeDelayMs: 5,
      });
      pump.start();
    });
    after(async () => {
      await pump?.stop();
    });

    const formPool = (id: string, policy?: unknown) => formPoolOf(fx, id, policy);

    it('sellers propose and join, everyone reads the pool; the buyer buys, downloads, uploads and reads the sum', async () => {
      const { sellerApp, buyerApp, auditorApp } = fx();
      await formPool('rp-1');
      const pool = await call<Pool>(auditorApp, 'GET', POOL, { ...ch, poolId: 'rp-1' });
      expect(pool.body.state).to.equal('READY');
      expect(pool.body.seats.map((s) => s.member?.rowCount)).to.deep.equal([2, 3]);
      const list = await call<{ records: Pool[] }>(auditorApp, 'GET', POOLS, ch);
      expect(list.body.records.map((p) => p.id)).to.include('rp-1');

      const bought = await call<PoolTrade>(
        buyerApp,
        'POST',
        `${POOL}/trades`,
        { ...ch, poolId: 'rp-1' },
        {
          json: { rounds: 1, expectedPrice: '30', expectedDeposit: '5' },
        },
      );
      expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
      const tradeId = bought.body.tradeId;
      const read = async () =>
        (await call<PoolTrade>(auditorApp, 'GET', TRADE, { ...ch, tradeId })).body;
      await until(async () => (await read()).state === 'COMPUTING', 'both bundles delivered');
      const byPool = await call<{ records: PoolTrade[] }>(auditorApp, 'GET', `${POOL}/trades`, {
        ...ch,
        poolId: 'rp-1',
      });
      expect(byPool.body.records.map((t) => t.tradeId)).to.deep.equal([tradeId]);

      const appUrl = sellerApp.url;
      const hashes: string[] = [];
      // The seller org registered one app: seat 1 names none and the buyer app finds it.
      const registered = await fx().seller.listOrgApps(ORG_ADMIN, CHANNEL, 'SellerMSP');
      expect(registered.map((a) => a.url)).to.deep.equal([new URL(appUrl).href]);
      for (const seat of ['0', '1']) {
        const query: Record<string, string> = seat === '0' ? { appUrl } : {};
        const bundle = await call(buyerApp, 'GET', BUNDLE, { ...ch, tradeId, seat }, { query });
        expect(bundle.status).to.equal(200);
        expect(bundle.bytes.toString()).to.match(/^bundle rp-1-/);
        const values = seat === '0' ? [1.5, -2] : [10, 20.25];
        const uploaded = await call<{ sha256: string }>(
          buyerApp,
          'PUT',
          PARTIAL,
          { ...ch, tradeId, round: '1', seat },
          { query, raw: partialOf(values) },
        );
        expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(201);
        hashes.push(uploaded.body.sha256);
      }
      // Only registered app URLs are called.
      const elsewhere = await call(
        buyerApp,
        'GET',
        BUNDLE,
        { ...ch, tradeId, seat: '0' },
        {
          query: { appUrl: 'http://127.0.0.1:9/' },
        },
      );
      expect(elsewhere.status).to.equal(502);
      // Two registered apps: the buyer must name one (400 naming both), nothing is guessed.
      const second = 'https://second.seller.example.com/gateway';
      await fx().seller.registerOrgApp(ORG_ADMIN, CHANNEL, second);
      try {
        const ambiguous = await call<{ error: string; code: string }>(buyerApp, 'GET', BUNDLE, {
          ...ch,
          tradeId,
          seat: '0',
        });
        expect(ambiguous.status).to.equal(400);
        expect(ambiguous.body.code).to.equal('APP_URL_REQUIRED');
        expect(ambiguous.body.error).to.include(second).and.include(new URL(appUrl).href);
      } finally {
        await fx().seller.invoke(ORG_ADMIN, CHANNEL, 'UnregisterOrgApp', second);
      }
      const submitted = await call<PoolTrade>(
        buyerApp,
        'POST',
        `${TRADE}/rounds/{round}/partials`,
        {
          ...ch,
          tradeId,
          round: '1',
        },
        { json: { valueCount: 2, partialHashes: hashes } },
      );
      expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
      await until(async () => (await read()).state === 'SETTLED', 'the last share to settle');
      const aggregate = await call<{ values: number[] }>(
        buyerApp,
        'GET',
        `${TRADE}/rounds/{round}/aggregate`,
        { ...ch, tradeId, round: '1' },
      );
      expect(aggregate.status).to.equal(200);
      expect(aggregate.body.values[0]).to.be.closeTo(11.5, 1e-5);
      expect(aggregate.body.values[1]).to.be.closeTo(18.25, 1e-5);
      // Rows 2 and 3: 30 tokens split 12 / 18.
      expect((await read()).members.map((m) => m.paid)).to.deep.equal(['12', '18']);
    });

    it('a non-buyer cannot fetch a bundle or upload a partial; a second, different partial is refused', async () => {
      const { sellerApp, buyerApp, buyerPki } = fx();
      await formPool('rp-2');
      const bought = await call<PoolTrade>(
        buyerApp,
        'POST',
        `${POOL}/trades`,
        { ...ch, poolId: 'rp-2' },
        {
          json: { rounds: 1, expectedPrice: '30', expectedDeposit: '5' },
        },
      );
      const tradeId = bought.body.tradeId;
      const stranger = buyerPki.identities.get('User2');
      const buyer = buyerPki.identities.get('User1');
      if (!stranger || !buyer) throw new Error('no identities');
      const pools = new PoolLedger(inProcessCaller(fx().buyer));
      await until(
        async () => (await pools.getPoolTrade('User1', CHANNEL, tradeId)).state === 'COMPUTING',
        'delivered',
      );
      const seat = { ...ch, tradeId, seat: '1' };
      expect(
        (await call(sellerApp, 'GET', PEER_BUNDLE, seat, { signAs: stranger })).status,
      ).to.equal(403);
      const own = await call(sellerApp, 'GET', PEER_BUNDLE, seat, { signAs: buyer });
      expect(own.status).to.equal(200);
      expect(own.bytes.toString()).to.equal('bundle rp-2-1 n8192-d2 3');
      const partial = { ...seat, round: '1' };
      expect(
        (
          await call(sellerApp, 'PUT', PEER_PARTIAL, partial, {
            signAs: stranger,
            raw: partialOf([1, 2]),
          })
        ).status,
      ).to.equal(403);
      expect(
        (
          await call(sellerApp, 'PUT', PEER_PARTIAL, partial, {
            signAs: buyer,
            raw: partialOf([1, 2]),
          })
        ).status,
      ).to.equal(201);
      expect(
        (
          await call(sellerApp, 'PUT', PEER_PARTIAL, partial, {
            signAs: buyer,
            raw: partialOf([1, 2]),
          })
        ).status,
      ).to.equal(201);
      expect(
        (
          await call(sellerApp, 'PUT', PEER_PARTIAL, partial, {
            signAs: buyer,
            raw: partialOf([3, 4]),
          })
        ).status,
      ).to.equal(409);
      const wrongRound = { ...partial, round: '2' };
      expect(
        (
          await call(sellerApp, 'PUT', PEER_PARTIAL, wrongRound, {
            signAs: buyer,
            raw: partialOf([1]),
          })
        ).status,
      ).to.equal(409);
      // Another buyer of the buyer org is not this trade's buyer, in its own app either.
      expect(
        (
          await call(buyerApp, 'GET', BUNDLE, seat, {
            user: 'User2',
            query: { appUrl: sellerApp.url },
          })
        ).status,
      ).to.equal(403);
      const refunded = await call<PoolTrade>(buyerApp, 'POST', `${TRADE}/refund`, {
        ...ch,
        tradeId,
      });
      expect(refunded.body.state).to.equal('REFUNDED');
      // No trade is open: a member may leave, and the pool is forming again.
      const left = await call<Pool>(
        sellerApp,
        'POST',
        `${POOL}/leave`,
        { ...ch, poolId: 'rp-2' },
        { user: 'User1' },
      );
      expect(left.status).to.equal(200);
      expect(left.body.state).to.equal('FORMING');
      expect(await sellerApp.store.getPoolSeat(CHANNEL, 'rp-2', 'User1')).to.equal(undefined);
    });

    it('join refuses a dataset that is missing or another user’s, and a malformed proposal', async () => {
      const { sellerApp } = fx();
      await sellerApp.store.putDataset({
        channel: CHANNEL,
        datasetId: 'rp-3-0',
        columns: COLUMNS,
        rows: [[1, 2]],
        owner: 'Admin',
      });
      expect(
        (await call(sellerApp, 'POST', POOLS, ch, { user: 'Admin', json: proposal('rp-3') }))
          .status,
      ).to.equal(201);
      const join = (user: string, datasetId: string) =>
        call(
          sellerApp,
          'POST',
          `${POOL}/join`,
          { ...ch, poolId: 'rp-3' },
          { user, json: { datasetId } },
        );
      expect((await join('User1', 'rp-3-0')).status).to.equal(403);
      expect((await join('User1', 'nothing')).status).to.equal(404);
      const bad = { ...proposal('rp-4'), aggregation: { valueBound: -1, fractionalBits: 99 } };
      expect(
        (await call(sellerApp, 'POST', POOLS, ch, { user: 'Admin', json: bad })).status,
      ).to.equal(400);
    });
    it('an approved pool: a partial that names no computation, or one that does not re-execute, is rejected', async () => {
      const { sellerApp, buyerApp } = fx();
      for (const [id, named] of [
        ['rp-5', undefined],
        ['rp-6', 'mean'],
      ] as const) {
        await formPool(id, { kind: 'approved', computations: ['mean'] });
        const bought = await call<PoolTrade>(
          buyerApp,
          'POST',
          `${POOL}/trades`,
          { ...ch, poolId: id },
          {
            json: { rounds: 1, expectedPrice: '30', expectedDeposit: '5' },
          },
        );
        const tradeId = bought.body.tradeId;
        const read = async () =>
          (await call<PoolTrade>(buyerApp, 'GET', TRADE, { ...ch, tradeId })).body;
        await until(async () => (await read()).state === 'COMPUTING', 'delivered');
        const hashes: string[] = [];
        for (const seat of ['0', '1']) {
          const query: Record<string, string> = { appUrl: sellerApp.url };
          if (named) Object.assign(query, { computation: named, params: '{}' });
          const uploaded = await call<{ sha256: string }>(
            buyerApp,
            'PUT',
            PARTIAL,
            { ...ch, tradeId, round: '1', seat },
            { query, raw: partialOf([1, 2]) },
          );
          expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(201);
          hashes.push(uploaded.body.sha256);
        }
        await call(
          buyerApp,
          'POST',
          `${TRADE}/rounds/{round}/partials`,
          { ...ch, tradeId, round: '1' },
          {
            json: { valueCount: 2, partialHashes: hashes },
          },
        );
        await until(async () => (await read()).state === 'REJECTED', 'the member to reject');
        const log = await sellerApp.store.pumpLog(CHANNEL, tradeId);
        const why = log.find((e) => e.action === 'pool-partial-rejected')?.detail ?? '';
        expect(why).to.match(named ? /COMPUTATION_UNVERIFIABLE|is not 'mean'/ : /names none/);
      }
    });

    poolScoresRouteTests(fx);
  });
}
