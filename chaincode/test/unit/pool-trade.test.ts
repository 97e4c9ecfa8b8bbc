import '../support/quiet.js';
import { expect } from 'chai';
import type { Page, PoolShare, PoolTrade, PoolTradeEvent, SupplyAudit } from '../../src/api.js';
import {
  accountOf,
  auditor,
  buyer,
  buyer2,
  Market,
  RESULT_KEY,
  seller,
  seller2,
} from './market.js';
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
  SELLERS,
  sha,
  shareAll,
  expectBooksBalanced,
  fundedMarket,
} from './pool-market.js';

describe('joint trades over a pool', () => {
  let m: Market;

  beforeEach(async () => {
    m = await fundedMarket();
  });

  afterEach(() => expectBooksBalanced(m));

  const get = (id: string) => m.json<PoolTrade>(auditor, 'GetPoolTrade', [id]);
  const balances = async () => Promise.all([...SELLERS, buyer].map((who) => m.balance(who)));

  describe('PurchasePool', () => {
    it('escrows price × rounds + deposit, freezes the members, emits PoolPurchased', async () => {
      await formPool(m);
      const call = await m.invoke(buyer, 'PurchasePool', ['penguins', RESULT_KEY, '3', '90', '10']);
      const t = JSON.parse(call.result) as PoolTrade;
      expect(t).to.deep.include({
        state: 'PAID',
        rounds: 3,
        round: 0,
        escrow: '280',
        buyer: accountOf(buyer),
      });
      expect(t.members.map((x) => [x.account, x.rowCount])).to.deep.equal([
        [accountOf(seller), 168],
        [accountOf(seller2), 124],
        [accountOf(seller3), 52],
      ]);
      expect(t.terms.computationPolicy).to.deep.equal({
        kind: 'approved',
        computations: ['mean', 'lr-epoch'],
      });
      expect(t.deliverBy).to.equal(m.now + DELIVER * 1000);
      expect(await m.balance(buyer)).to.equal(720n);
      const event = call.event?.payload as unknown as PoolTradeEvent;
      expect(call.event?.name).to.equal('PoolTradeEvent');
      expect(event).to.deep.include({ type: 'PoolPurchased', escrow: '280', previousState: null });
      expect(event.members).to.have.length(3);
    });

    it('refuses a member, changed terms, too many rounds, a leakage bound too small, and a short balance', async () => {
      await formPool(m, { leakageBound: 4 });
      await m.refuse(
        seller2,
        'PurchasePool',
        ['penguins', RESULT_KEY, '1', '90', '10'],
        'FORBIDDEN',
        ['own pool'],
      );
      await m.refuse(
        buyer,
        'PurchasePool',
        ['penguins', RESULT_KEY, '1', '80', '10'],
        'TERMS_CHANGED',
        ['price 90'],
      );
      await m.refuse(
        buyer,
        'PurchasePool',
        ['penguins', RESULT_KEY, '6', '90', '10'],
        'INVALID_ARGUMENT',
        ['maxRounds 5'],
      );
      await m.refuse(
        buyer,
        'PurchasePool',
        ['penguins', RESULT_KEY, '5', '90', '10'],
        'INVALID_ARGUMENT',
        ["above the pool's leakage bound 4"],
      );
      await m.refuse(
        buyer2,
        'PurchasePool',
        ['penguins', RESULT_KEY, '1', '90', '10'],
        'INSUFFICIENT_FUNDS',
      );
      await m.refuse(
        buyer,
        'PurchasePool',
        ['penguins', RESULT_KEY, '0', '90', '10'],
        'INVALID_ARGUMENT',
        ['rounds'],
      );
    });
  });

  describe('rounds', () => {
    it('every member delivers once; the last bundle opens round 1; outsiders are refused', async () => {
      await formPool(m);
      const { tradeId } = await purchase(m);
      await m.refuse(outsider, 'DeliverBundle', [tradeId, sha('b'), '10'], 'FORBIDDEN', [
        'only by a member',
      ]);
      await m.refuse(buyer, 'DeliverBundle', [tradeId, sha('b'), '10'], 'FORBIDDEN');
      await m.call(seller, 'DeliverBundle', [tradeId, sha('b0'), '10']);
      await m.refuse(seller, 'DeliverBundle', [tradeId, sha('b0'), '10'], 'WRONG_STATE', [
        'already delivered',
      ]);
      await m.call(seller2, 'DeliverBundle', [tradeId, sha('b1'), '10']);
      expect((await get(tradeId)).state).to.equal('PAID');
      const t = await m.json<PoolTrade>(seller3, 'DeliverBundle', [tradeId, sha('b2'), '10']);
      expect(t).to.deep.include({
        state: 'COMPUTING',
        round: 1,
        partialsBy: m.now + PARTIALS * 1000,
      });
    });

    it('rows rule: the last share settles in the same transaction — 44/32/14 of 90, deposit back', async () => {
      await formPool(m);
      const { tradeId } = await purchase(m);
      await deliverAll(m, tradeId);
      await m.call(buyer, 'SubmitPartials', [tradeId, partials(1)]);
      await shareAll(m, tradeId, 1, [seller, seller2]);
      expect((await get(tradeId)).state).to.equal('SHARING');
      const before = await balances();
      const call = await m.invoke(seller3, 'SubmitShare', [
        tradeId,
        '1',
        ENCRYPTED_SHARE,
        sha('s'),
      ]);
      const t = JSON.parse(call.result) as PoolTrade;
      expect(t).to.deep.include({
        state: 'SETTLED',
        escrow: '0',
        paidToMembers: '90',
        paidToBuyer: '10',
      });
      expect(t.members.map((x) => x.paid)).to.deep.equal(['44', '32', '14']);
      const after = await balances();
      expect(after.map((b, i) => b - (before[i] ?? 0n))).to.deep.equal([44n, 32n, 14n, 10n]);
      const event = call.event?.payload as unknown as PoolTradeEvent;
      expect(event).to.deep.include({
        type: 'PoolSettled',
        toMembers: ['44', '32', '14'],
        toBuyer: '10',
      });
    });

    it('stake rule pays by the signed stakes: 5/3/2 of 2 rounds × 90 = 90/54/36', async () => {
      await formPool(m, { splitRule: 'stake', stakes: ['5', '3', '2'] }, [
        { stake: '5' },
        { stake: '3' },
        { stake: '2' },
      ]);
      const { tradeId } = await purchase(m, 2);
      await deliverAll(m, tradeId);
      await runRound(m, tradeId, 1);
      const t = await runRound(m, tradeId, 2);
      expect(t.state).to.equal('SETTLED');
      expect(t.members.map((x) => x.paid)).to.deep.equal(['90', '54', '36']);
      expect(await m.balance(buyer)).to.equal(1000n - 180n);
    });

    it('shapley-f1: coalition aggregates count as leakage; hand-worked scores pay 50/38/20 of 108', async () => {
      await formPool(m, { splitRule: 'shapley-f1', price: '108' });
      const { tradeId } = await purchase(m);
      await deliverAll(m, tradeId);
      let t = await m.json<PoolTrade>(buyer, 'SubmitPartials', [tradeId, partials(1, 4)]);
      expect(t.leakageUsed).to.equal(28); // 4 values × 7 coalitions
      t = await shareAll(m, tradeId, 1);
      expect(t.state).to.equal('SCORING');
      const scores = ['0.6', '0.5', '0.8', '0.3', '0.7', '0.6', '0.9'];
      await m.refuse(
        buyer,
        'SubmitScores',
        [tradeId, JSON.stringify({ scores: scores.slice(1) })],
        'INVALID_ARGUMENT',
        ['3 members make 7 coalitions'],
      );
      await m.refuse(
        buyer,
        'SubmitScores',
        [tradeId, JSON.stringify({ scores: [...scores.slice(1), '1.2'] })],
        'INVALID_ARGUMENT',
        ['scores[6] must be an F1 score'],
      );
      await m.refuse(seller, 'SubmitScores', [tradeId, JSON.stringify({ scores })], 'FORBIDDEN');
      t = await m.json<PoolTrade>(buyer, 'SubmitScores', [tradeId, JSON.stringify({ scores })]);
      expect(t.state).to.equal('SETTLED');
      expect(t.shapleyWeights).to.deep.equal(['2500000', '1900000', '1000000']);
      expect(t.members.map((x) => x.paid)).to.deep.equal(['50', '38', '20']);
    });

    it('several rounds: leakage counts every round, a replayed round is refused, settlement after the last', async () => {
      await formPool(m, { leakageBound: 10 });
      const { tradeId } = await purchase(m, 3);
      await deliverAll(m, tradeId);
      let t = await runRound(m, tradeId, 1);
      expect(t).to.deep.include({ state: 'COMPUTING', round: 2, escrow: '280', leakageUsed: 4 });
      await m.refuse(buyer, 'SubmitPartials', [tradeId, partials(1)], 'INVALID_ARGUMENT', [
        'current round 2',
      ]);
      await m.call(buyer, 'SubmitPartials', [tradeId, partials(2)]);
      await m.refuse(
        seller,
        'SubmitShare',
        [tradeId, '1', ENCRYPTED_SHARE, sha('s')],
        'INVALID_ARGUMENT',
        ['current round 2'],
      );
      await m.call(seller, 'SubmitShare', [tradeId, '2', ENCRYPTED_SHARE, sha('s')]);
      await m.refuse(
        seller,
        'SubmitShare',
        [tradeId, '2', ENCRYPTED_SHARE, sha('s')],
        'WRONG_STATE',
        ['already shared round 2'],
      );
      t = await shareAll(m, tradeId, 2, [seller2, seller3]);
      expect(t.leakageUsed).to.equal(8);
      await m.refuse(buyer, 'SubmitPartials', [tradeId, partials(3, 3)], 'INVALID_ARGUMENT', [
        'above the leakage bound 10',
      ]);
      await m.call(buyer, 'SubmitPartials', [tradeId, partials(3, 2)]);
      t = await shareAll(m, tradeId, 3);
      expect(t).to.deep.include({ state: 'SETTLED', leakageUsed: 10, paidToMembers: '270' });
      const shares = await m.json<PoolShare[]>(auditor, 'GetPoolShares', [tradeId, '2']);
      expect(shares.map((s) => [s.member, s.round, s.account])).to.deep.equal(
        SELLERS.map((who, i) => [i, 2, accountOf(who)]),
      );
    });
  });

  it('GetPoolShares answers the buyer, the members and auditors only', async () => {
    await formPool(m, { maxRounds: 1 });
    const { tradeId } = await purchase(m);
    await deliverAll(m, tradeId);
    await runRound(m, tradeId, 1);
    for (const who of [buyer, seller, auditor]) {
      expect(await m.json<PoolShare[]>(who, 'GetPoolShares', [tradeId, '1'])).to.have.length(3);
    }
    await m.refuse(outsider, 'GetPoolShares', [tradeId, '1'], 'FORBIDDEN', ['auditors']);
    await m.refuse(buyer2, 'GetPoolShares', [tradeId, '1'], 'FORBIDDEN', ['auditors']);
  });

  it('auditors list joint trades by pool and by party', async () => {
    await formPool(m);
    const { tradeId } = await purchase(m);
    const byPool = await m.json<Page<PoolTrade>>(auditor, 'ListPoolTrades', ['penguins', '', '']);
    expect(byPool.records.map((t) => t.tradeId)).to.deep.equal([tradeId]);
    for (const who of [buyer, seller3]) {
      const page = await m.json<Page<PoolTrade>>(auditor, 'ListPoolTradesByParty', [
        accountOf(who),
        '',
        '',
      ]);
      expect(page.records.map((t) => t.tradeId)).to.deep.equal([tradeId]);
    }
    const none = await m.json<Page<PoolTrade>>(auditor, 'ListPoolTradesByParty', [
      accountOf(outsider),
      '',
      '',
    ]);
    expect(none.records).to.deep.equal([]);
    const audit = await m.json<SupplyAudit>(auditor, 'AuditSupply');
    expect(audit).to.deep.include({ sumOfEscrow: '100', openTrades: 1 });
  });
});
