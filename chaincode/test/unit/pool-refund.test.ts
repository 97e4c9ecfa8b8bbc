import '../support/quiet.js';
import { expect } from 'chai';
import type { PoolTrade } from '../../src/api.js';
import { accountOf, auditor, buyer, due, Market, seller, seller2 } from './market.js';
import {
  deliverAll,
  DELIVER,
  ENCRYPTED_SHARE,
  formPool,
  outsider,
  partials,
  PARTIALS,
  purchase,
  runRound,
  seller3,
  sha,
  shareAll,
  SHARES,
  expectBooksBalanced,
  fundedMarket,
} from './pool-market.js';

describe('joint trades: all-or-nothing refunds and claims', () => {
  let m: Market;

  beforeEach(async () => {
    m = await fundedMarket();
  });

  afterEach(() => expectBooksBalanced(m));

  const get = (id: string) => m.json<PoolTrade>(auditor, 'GetPoolTrade', [id]);
  it('a member missing its share deadline refunds the whole trade, even after other shares and rounds', async () => {
    await formPool(m);
    const { tradeId } = await purchase(m, 2);
    await deliverAll(m, tradeId);
    await runRound(m, tradeId, 1);
    await m.call(buyer, 'SubmitPartials', [tradeId, partials(2)]);
    await shareAll(m, tradeId, 2, [seller, seller3]);
    const t0 = await get(tradeId);
    await m.refuse(buyer, 'RefundPool', [tradeId], 'DEADLINE', ['has not passed yet'], {
      at: due(t0.sharesBy) - 1,
    });
    m.advance(SHARES);
    await m.refuse(seller2, 'SubmitShare', [tradeId, '2', ENCRYPTED_SHARE, sha('s')], 'DEADLINE', [
      'has passed',
    ]);
    const t = await m.json<PoolTrade>(buyer, 'RefundPool', [tradeId]);
    expect(t).to.deep.include({
      state: 'REFUNDED',
      closeBasis: 'SHARE_DEADLINE_MISSED',
      paidToBuyer: '190',
      paidToMembers: '0',
    });
    expect(await m.balance(buyer)).to.equal(1000n);
  });

  it('a member missing the delivery deadline refunds the whole trade', async () => {
    await formPool(m);
    const { tradeId } = await purchase(m);
    await deliverAll(m, tradeId, [seller, seller2]);
    m.advance(DELIVER);
    await m.refuse(seller3, 'DeliverBundle', [tradeId, sha('late'), '10'], 'DEADLINE');
    const t = await m.json<PoolTrade>(buyer, 'RefundPool', [tradeId]);
    expect(t).to.deep.include({ state: 'REFUNDED', closeBasis: 'DELIVERY_DEADLINE_MISSED' });
  });

  it('a member rejecting a partial refunds the whole trade; outsiders cannot reject', async () => {
    await formPool(m);
    const { tradeId } = await purchase(m);
    await deliverAll(m, tradeId);
    await m.call(buyer, 'SubmitPartials', [tradeId, partials(1)]);
    await m.call(seller, 'SubmitShare', [tradeId, '1', ENCRYPTED_SHARE, sha('s')]);
    await m.refuse(outsider, 'RejectPool', [tradeId, 'no'], 'FORBIDDEN');
    const t = await m.json<PoolTrade>(seller3, 'RejectPool', [
      tradeId,
      'partial fails re-execution',
    ]);
    expect(t).to.deep.include({
      state: 'REJECTED',
      rejectedBy: accountOf(seller3),
      paidToBuyer: '100',
    });
    await m.refuse(
      seller,
      'SubmitShare',
      [tradeId, '1', ENCRYPTED_SHARE, sha('s')],
      'WRONG_STATE',
      ['REJECTED'],
    );
  });

  it('the buyer may withdraw in PAID and before round 1’s partials, never after receiving an aggregate', async () => {
    await formPool(m);
    const a = await purchase(m);
    expect((await m.json<PoolTrade>(buyer, 'RefundPool', [a.tradeId])).closeBasis).to.equal(
      'BUYER_WITHDREW',
    );
    const b = await purchase(m);
    await deliverAll(m, b.tradeId);
    await m.refuse(seller, 'RefundPool', [b.tradeId], 'FORBIDDEN');
    expect((await m.json<PoolTrade>(buyer, 'RefundPool', [b.tradeId])).state).to.equal('REFUNDED');
    const c = await purchase(m, 2);
    await deliverAll(m, c.tradeId);
    await runRound(m, c.tradeId, 1);
    await m.refuse(buyer, 'RefundPool', [c.tradeId], 'WRONG_STATE', ['has received aggregates']);
    await m.refuse(seller, 'ClaimPool', [c.tradeId], 'DEADLINE', ['has not passed yet']);
    m.advance(PARTIALS);
    await m.refuse(buyer, 'SubmitPartials', [c.tradeId, partials(2)], 'DEADLINE');
    await m.refuse(outsider, 'ClaimPool', [c.tradeId], 'FORBIDDEN');
    // The buyer stalled: the members take the whole escrow (2 × 90 + 10 = 190) by rows.
    const t = await m.json<PoolTrade>(seller2, 'ClaimPool', [c.tradeId]);
    expect(t).to.deep.include({
      state: 'CLAIMED',
      closeBasis: 'PARTIALS_DEADLINE_MISSED',
      paidToMembers: '190',
    });
    expect(t.members.map((x) => x.paid)).to.deep.equal(['93', '68', '29']);
  });

  it('shapley-f1: a buyer who never scores lets the members claim the escrow in equal parts', async () => {
    await formPool(m, { splitRule: 'shapley-f1' });
    const { tradeId } = await purchase(m);
    await deliverAll(m, tradeId);
    await runRound(m, tradeId, 1);
    m.advance(PARTIALS);
    await m.refuse(
      buyer,
      'SubmitScores',
      [tradeId, JSON.stringify({ scores: Array(7).fill('0.5') })],
      'DEADLINE',
    );
    const t = await m.json<PoolTrade>(seller3, 'ClaimPool', [tradeId]);
    expect(t.members.map((x) => x.paid)).to.deep.equal(['34', '33', '33']);
  });
});
