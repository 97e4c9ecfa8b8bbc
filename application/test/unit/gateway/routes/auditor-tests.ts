import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { SupplyCheckpoint, SupplyTotals } from '../../../../src/gateway/schemas/supply.js';
import type { Page, SupplyAudit, Trade } from '../../../../src/gateway/types.js';
import { fundedNetwork } from '../../../support/index.js';
import { call, CHANNEL, listen, type RouteFixture } from './fixture.js';
import { listDataset, purchase } from './scenario.js';

const ch = { channel: CHANNEL };
const AUDIT = '/api/channels/{channel}/audit';

export function auditorRouteTests(fx: () => RouteFixture): void {
  describe('auditor routes', () => {
    it('trades by one index, history, supply; 400 for none or two indexes', async () => {
      await listDataset(fx(), 'audit-1');
      const trade = await purchase(fx(), 'audit-1');
      const app = fx().auditorApp;
      const byDataset = await call<Page<Trade>>(app, 'GET', `${AUDIT}/trades`, ch, {
        query: { dataset: 'audit-1' },
      });
      expect(byDataset.body.records.map((t) => t.tradeId)).to.deep.equal([trade.tradeId]);
      const byState = await call<Page<Trade>>(app, 'GET', `${AUDIT}/trades`, ch, {
        query: { state: 'PAID' },
      });
      expect(byState.body.records.map((t) => t.tradeId)).to.include(trade.tradeId);
      expect(
        (await call(app, 'GET', `${AUDIT}/trades`, ch, { query: { state: 'LOST' } })).status,
      ).to.equal(400);
      expect((await call(app, 'GET', `${AUDIT}/trades`, ch)).status).to.equal(400);
      const two = { dataset: 'audit-1', buyer: trade.buyer };
      expect((await call(app, 'GET', `${AUDIT}/trades`, ch, { query: two })).status).to.equal(400);
      const history = await call<{ history: unknown[] }>(
        app,
        'GET',
        `${AUDIT}/trades/{tradeId}/history`,
        {
          ...ch,
          tradeId: trade.tradeId,
        },
      );
      expect(history.body.history).to.have.length(1);
      const supply = await call<{ balanced: boolean }>(app, 'GET', `${AUDIT}/supply`, ch);
      expect(supply.body.balanced).to.equal(true);
    });

    it('supply totals agree with the full audit; a checkpoint folds no delta of the last minutes', async () => {
      // The earlier tests' trades are open (PAID, DELIVERED, …): escrow is not zero.
      const app = fx().auditorApp;
      const totals = await call<SupplyTotals>(app, 'GET', `${AUDIT}/supply/totals`, ch);
      expect(totals.status).to.equal(200);
      expect(totals.body.balanced, totals.body.problems.join('; ')).to.equal(true);
      const full = await call<SupplyAudit>(app, 'GET', `${AUDIT}/supply`, ch);
      const { totalSupply, sumOfBalances, sumOfEscrow } = full.body;
      expect(totals.body).to.include({ totalSupply, sumOfBalances, sumOfEscrow });
      expect(totals.body.openTrades).to.equal(String(full.body.openTrades));
      expect(totals.body.deltas).to.be.greaterThan(0);
      const checkpoint = await call<SupplyCheckpoint>(
        app,
        'POST',
        `${AUDIT}/supply/checkpoint`,
        ch,
      );
      expect(checkpoint.status).to.equal(200);
      // Every delta is from the last minutes, which a transaction may still write: none folds.
      expect(checkpoint.body.folded).to.equal(0);
      const again = await call<SupplyTotals>(app, 'GET', `${AUDIT}/supply/totals`, ch);
      expect(again.body).to.include({ deltas: totals.body.deltas, totalSupply, balanced: true });
    });

    it('a checkpoint folds the deltas of minutes long past: the next totals audit reads none', async () => {
      const funded = await fundedNetwork({ channels: [CHANNEL] });
      const dir = mkdtempSync(path.join(tmpdir(), 'dm-checkpoint-'));
      const { app, server } = await listen(dir, 'auditor', ['auditor'], funded.auditor, ['User1']);
      const totals = () => call<SupplyTotals>(app, 'GET', `${AUDIT}/supply/totals`, ch);
      try {
        const before = await totals();
        expect(before.status, JSON.stringify(before.body)).to.equal(200);
        expect(before.body.deltas).to.be.greaterThan(0); // Initialize's mints
        expect(before.body.checkpointTxId).to.equal(null);
        // Past the settling time (2 × the clock-skew limit + 60 s): no transaction writes there.
        funded.network.advance(15 * 60_000);
        const checkpoint = await call<SupplyCheckpoint>(
          app,
          'POST',
          `${AUDIT}/supply/checkpoint`,
          ch,
        );
        expect(checkpoint.body.folded).to.equal(before.body.deltas);
        expect(checkpoint.body.totals.supply).to.equal(before.body.totalSupply);
        const after = await totals();
        expect(after.body).to.include({
          deltas: 0,
          balanced: true,
          totalSupply: before.body.totalSupply,
          sumOfBalances: before.body.sumOfBalances,
        });
        expect(after.body.checkpointTxId).to.match(/^[0-9a-f]{64}$/);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await app.store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('chain, blocks and transactions, decoded; 404 past the height or for an unknown id', async () => {
      const app = fx().auditorApp;
      const chain = await call<{ height: string }>(app, 'GET', `${AUDIT}/chain`, ch);
      expect(Number(chain.body.height)).to.be.greaterThan(1);
      const block = await call<{ transactions: { txId: string }[] }>(
        app,
        'GET',
        `${AUDIT}/blocks/{number}`,
        { ...ch, number: '1' },
      );
      expect(block.status).to.equal(200);
      const [first] = block.body.transactions;
      if (!first) throw new Error('block 1 has no transaction');
      const tx = await call(app, 'GET', `${AUDIT}/transactions/{txId}`, {
        ...ch,
        txId: first.txId,
      });
      expect(tx.body).to.include({ txId: first.txId });
      expect(
        (await call(app, 'GET', `${AUDIT}/blocks/{number}`, { ...ch, number: chain.body.height }))
          .status,
      ).to.equal(404);
      expect(
        (await call(app, 'GET', `${AUDIT}/blocks/{number}`, { ...ch, number: 'one' })).status,
      ).to.equal(400);
      const unknown = { ...ch, txId: 'd'.repeat(64) };
      expect((await call(app, 'GET', `${AUDIT}/transactions/{txId}`, unknown)).status).to.equal(
        404,
      );
    });
  });
}
