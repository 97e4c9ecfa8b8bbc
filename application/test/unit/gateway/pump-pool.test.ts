import { expect } from 'chai';
import { DEFAULT_PUMP_CONCURRENCY } from '../../../src/gateway/pump.js';
import { WorkerPool } from '../../../src/gateway/pump/pool.js';
import { CHANNEL, eventually, pumpFixture, untilState, type PumpFixture } from './pump-fixture.js';

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  const wakers: (() => void)[] = [];
  const opened = new Promise<void>((resolve) => wakers.push(resolve));
  return {
    opened,
    open: () => {
      for (const wake of wakers) wake();
    },
  };
}

describe('gateway pump (in-process): worker pool', () => {
  let f: PumpFixture;
  beforeEach(async () => {
    f = await pumpFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  it(`works on up to pumpConcurrency (${String(DEFAULT_PUMP_CONCURRENCY)}) trades at once, never more`, async () => {
    await f.list('heart');
    let active = 0;
    let most = 0;
    const release = gate();
    f.startPump({
      beforeConfirmDelivery: async () => {
        active += 1;
        most = Math.max(most, active);
        await release.opened;
        active -= 1;
      },
    });
    const trades: string[] = [];
    for (let i = 0; i < DEFAULT_PUMP_CONCURRENCY + 3; i += 1)
      trades.push(await f.purchase('heart'));
    await eventually(() => active === DEFAULT_PUMP_CONCURRENCY, 'a full pool');
    release.open();
    for (const tradeId of trades) await untilState(f, tradeId, 'DELIVERED');
    expect(most).to.equal(DEFAULT_PUMP_CONCURRENCY);
  });

  it('one stuck trade does not hold up the others; the checkpoint stays before it until it is done', async () => {
    await f.list('heart');
    const stuck = gate();
    let stuckTrade = '';
    f.startPump({
      beforeConfirmDelivery: async (_channel, tradeId) => {
        if (tradeId === stuckTrade) await stuck.opened;
      },
    });
    stuckTrade = await f.purchase('heart');
    const others = [await f.purchase('heart'), await f.purchase('heart')];
    for (const tradeId of others) await untilState(f, tradeId, 'DELIVERED');
    expect((await f.trade(stuckTrade)).state).to.equal('PAID');
    const checkpoint = await f.store.getCheckpoint(`pump:${CHANNEL}`);
    const purchaseTx = f.network
      .channel(CHANNEL)
      ?.transactions.find((tx) => tx.txId === stuckTrade);
    expect(
      checkpoint === undefined || checkpoint.blockNumber < (purchaseTx?.blockNumber ?? 0n),
    ).to.equal(true);
    stuck.open();
    await untilState(f, stuckTrade, 'DELIVERED');
    await eventually(
      async () =>
        (await f.store.getCheckpoint(`pump:${CHANNEL}`))?.transactionId !==
        checkpoint?.transactionId,
      'the checkpoint moving past the stuck trade',
    );
  });
});

describe('gateway pump: WorkerPool', () => {
  it('runs tasks of one key in order and of different keys side by side', async () => {
    const pool = new WorkerPool(3);
    const order: string[] = [];
    const first = gate();
    await pool.admit('a', async () => {
      await first.opened;
      order.push('a1');
    });
    await pool.admit('a', () => {
      order.push('a2');
      return Promise.resolve();
    });
    await pool.admit('b', () => {
      order.push('b1');
      return Promise.resolve();
    });
    await eventually(() => order.includes('b1'), 'b1 running while a1 waits');
    expect(order).to.deep.equal(['b1']);
    first.open();
    await pool.idle();
    expect(order).to.deep.equal(['b1', 'a1', 'a2']);
    expect(pool.busy).to.equal(0);
  });
});
