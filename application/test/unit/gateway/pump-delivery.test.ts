import { expect } from 'chai';
import { DEFAULT_CONFLICT_RETRY } from '../../../src/gateway/ledger/conflict-retry.js';
import { sha256Hex } from '../../../src/gateway/crypto/result-envelope.js';
import {
  BUYER,
  CHANNEL,
  pumpFixture,
  untilAction,
  untilState,
  type PumpFixture,
} from './pump-fixture.js';

describe('gateway pump (in-process): delivery', () => {
  let f: PumpFixture;
  beforeEach(async () => {
    f = await pumpFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  it('Purchased: stores the bundle and its sealed key, confirms delivery, trade DELIVERED', async () => {
    await f.list('heart');
    f.startPump();
    const tradeId = await f.purchase('heart');
    const trade = await untilState(f, tradeId, 'DELIVERED');
    const bundle = await f.store.getBundle(CHANNEL, tradeId);
    expect(bundle).to.not.equal(undefined);
    expect(trade.bundleHash).to.equal(bundle?.sha256);
    expect(trade.bundleHash).to.equal(sha256Hex(bundle?.bytes ?? new Uint8Array()));
    expect(trade.bundleBytes).to.equal(bundle?.bytes.length);
    const key = await f.store.getTradeKey(CHANNEL, tradeId);
    expect(key?.sealedSecretKey).to.be.instanceOf(Uint8Array);
    await untilAction(f, tradeId, 'delivery-confirmed');
    expect(await f.actions(tradeId)).to.deep.equal([
      'bundle-stored',
      'confirm-delivery-sent',
      'delivery-confirmed',
    ]);
    expect(f.crypto.bundles).to.equal(1);
    expect(f.submits('ConfirmDelivery')).to.equal(1);
  });

  it('does not deliver once the delivery deadline has passed', async () => {
    await f.list('heart', { deliverWithin: 60 });
    const tradeId = await f.purchase('heart');
    f.network.advance(61_000);
    f.startPump();
    await untilAction(f, tradeId, 'missed-delivery');
    expect((await f.trade(tradeId)).state).to.equal('PAID');
    expect(f.crypto.bundles).to.equal(0);
    expect(f.submits('ConfirmDelivery')).to.equal(0);
  });

  it("ignores other sellers' trades", async () => {
    // The buyer org lists a dataset of its own, and the seller org's Admin lists one whose id
    // the store also holds under User1: neither trade is User1's to deliver.
    await f.buyer.createListing('User2', CHANNEL, {
      id: 'not-ours',
      title: 'someone else',
      schema: { columns: ['x'], rowCount: 1 },
      price: '5',
      deliverWithin: 3600,
      resultWithin: 3600,
      decryptWithin: 3600,
      leakageBound: 1,
      ckksPreset: 'p',
      sellerGatewayUrl: 'https://other.example.com',
    });
    await f.seller.createListing('Admin', CHANNEL, {
      id: 'admins',
      title: 'the admin lists this one',
      schema: { columns: ['x'], rowCount: 1 },
      price: '5',
      deliverWithin: 3600,
      resultWithin: 3600,
      decryptWithin: 3600,
      leakageBound: 1,
      ckksPreset: 'p',
      sellerGatewayUrl: 'https://seller.example.com',
    });
    await f.store.putDataset({
      channel: CHANNEL,
      datasetId: 'admins',
      columns: ['x'],
      rows: [[1]],
      owner: 'User1',
    });
    await f.list('heart');
    f.startPump();
    const foreign = await f.purchase('not-ours');
    const admins = await f.purchase('admins');
    const ours = await f.purchase('heart');
    await untilState(f, ours, 'DELIVERED');
    expect((await f.trade(foreign)).state).to.equal('PAID');
    expect((await f.trade(admins)).state).to.equal('PAID');
    expect(await f.actions(foreign)).to.deep.equal([]);
    expect(await f.actions(admins)).to.deep.equal([]);
    expect(f.crypto.bundles).to.equal(1);
  });

  it('acts once on an event seen twice: the bundle is reused, nothing is submitted twice', async () => {
    await f.list('heart');
    let crashes = 1;
    f.startPump({
      beforeConfirmDelivery: () => {
        if (crashes-- > 0) return Promise.reject(new Error('crash after storing the bundle'));
        return Promise.resolve();
      },
    });
    const tradeId = await f.purchase('heart');
    await untilState(f, tradeId, 'DELIVERED');
    await untilAction(f, tradeId, 'delivery-confirmed');
    expect(await f.actions(tradeId)).to.deep.equal([
      'bundle-stored',
      'bundle-reused',
      'confirm-delivery-sent',
      'delivery-confirmed',
    ]);
    expect(f.crypto.bundles).to.equal(1);
    expect(f.submits('ConfirmDelivery')).to.equal(1);
  });

  it('restarts from its checkpoint without acting again; replayed events are skipped by state', async () => {
    await f.list('heart');
    const first = f.startPump();
    const tradeId = await f.purchase('heart');
    await untilState(f, tradeId, 'DELIVERED');
    await untilAction(f, tradeId, 'delivery-confirmed');
    await first.stop();
    const checkpoint = await f.store.getCheckpoint(`pump:${CHANNEL}`);
    expect(checkpoint?.transactionId).to.be.a('string');

    // Same store, new pump: resumes after the last handled event.
    const second = f.startPump();
    const next = await f.purchase('heart');
    await untilState(f, next, 'DELIVERED');
    await second.stop();
    expect(await f.actions(tradeId)).to.deep.equal([
      'bundle-stored',
      'confirm-delivery-sent',
      'delivery-confirmed',
    ]);

    // Checkpoint lost: every event is read again, and every handler sees the trade moved on.
    await f.store.putCheckpoint(`pump:${CHANNEL}`, 0n);
    f.startPump();
    await untilAction(f, next, 'skip-purchase');
    await untilAction(f, tradeId, 'skip-purchase');
    expect(f.submits('ConfirmDelivery')).to.equal(2);
    expect(f.crypto.bundles).to.equal(2);
  });

  it('retries a transient failure; after MAX_ATTEMPTS it logs the event as failed and goes on', async () => {
    await f.list('heart');
    f.seller.failNext('LedgerUnavailable', { fn: 'ConfirmDelivery', times: 2 });
    f.startPump();
    const retried = await f.purchase('heart');
    await untilState(f, retried, 'DELIVERED');
    expect(await f.actions(retried)).to.deep.equal([
      'bundle-stored',
      'confirm-delivery-sent',
      'bundle-reused',
      'confirm-delivery-sent',
      'bundle-reused',
      'confirm-delivery-sent',
      'delivery-confirmed',
    ]);

    // Each of the pump's 5 attempts is itself retried by the ledger (conflict-retry.ts).
    f.seller.failNext('TransactionConflict', {
      fn: 'ConfirmDelivery',
      times: 5 * DEFAULT_CONFLICT_RETRY.attempts,
    });
    const abandoned = await f.purchase('heart');
    await untilAction(f, abandoned, 'failed');
    const log = await f.store.pumpLog(CHANNEL, abandoned);
    expect(log.filter((entry) => entry.action === 'bundle-reused')).to.have.length(4);
    expect(log.at(-1)?.detail).to.match(/^Purchased: .*MVCC_READ_CONFLICT/);
    expect((await f.trade(abandoned)).state).to.equal('PAID');

    const after = await f.purchase('heart');
    await untilState(f, after, 'DELIVERED');
  });

  it('a commit whose outcome was unknown but did commit is not submitted again, and is journaled', async () => {
    await f.list('heart');
    f.seller.failNext('CommitOutcomeUnknown', { fn: 'ConfirmDelivery', committed: true });
    f.startPump();
    const tradeId = await f.purchase('heart');
    await untilAction(f, tradeId, 'delivery-confirmed');
    expect((await f.trade(tradeId)).state).to.equal('DELIVERED');
    expect(f.submits('ConfirmDelivery')).to.equal(1);
    const log = await f.store.pumpLog(CHANNEL, tradeId);
    expect(log.map((e) => e.action)).to.deep.equal([
      'bundle-stored',
      'confirm-delivery-sent',
      'delivery-confirmed',
    ]);
    expect(log.at(-1)?.detail).to.match(/^recovered/);
  });

  it('logs a contract refusal as failed at once, without retrying', async () => {
    await f.list('heart');
    let calls = 0;
    f.startPump({
      beforeConfirmDelivery: async (_channel, tradeId) => {
        calls += 1;
        // The buyer withdraws first: ConfirmDelivery is then refused (WRONG_STATE).
        await f.buyer.refund(BUYER, CHANNEL, tradeId);
      },
    });
    const tradeId = await f.purchase('heart');
    await untilAction(f, tradeId, 'failed');
    const log = await f.store.pumpLog(CHANNEL, tradeId);
    expect(log.at(-1)?.detail).to.match(/^Purchased: WRONG_STATE: /);
    expect(calls).to.equal(1);
    expect((await f.trade(tradeId)).state).to.equal('REFUNDED');
  });

  it('stop() ends the loops: later events are not handled', async () => {
    await f.list('heart');
    const pump = f.startPump();
    const handled = await f.purchase('heart');
    await untilState(f, handled, 'DELIVERED');
    await pump.stop();
    const later = await f.purchase('heart');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await f.trade(later)).state).to.equal('PAID');
    expect(await f.actions(later)).to.deep.equal([]);
  });
});
