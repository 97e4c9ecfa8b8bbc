import { expect } from 'chai';
import type { Page, Trade } from '../../../../src/gateway/types.js';
import { call, CHANNEL, type RouteFixture } from './fixture.js';
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
