import '../support/quiet.js';
import { expect } from 'chai';
import type { Page, SupplyAudit, Trade, TradeHistoryEntry } from '../../src/types.js';
import {
  accountOf,
  auditor,
  buyer,
  buyer2,
  listingInput,
  Market,
  RESULT_KEY,
  seller,
  seller2,
  sha,
  T0,
} from './market.js';
import { messageOf } from '../support/message-of.js';

describe('audit queries', () => {
  let m: Market;
  const ids = { a1: '', a2: '', b1: '', b2: '' };

  beforeEach(async () => {
    m = new Market();
    await m.fund([
      [buyer, 1000],
      [buyer2, 1000],
      [auditor, 7],
    ]);
    await m.call(seller, 'CreateListing', [
      JSON.stringify(listingInput({ id: 'ds-a', price: '100', deposit: '20' })),
    ]);
    await m.call(seller2, 'CreateListing', [
      JSON.stringify(listingInput({ id: 'ds-b', price: '50', deposit: '0' })),
    ]);
    ids.a1 = (await m.invoke(buyer, 'Purchase', ['ds-a', RESULT_KEY])).txId;
    ids.a2 = (await m.invoke(buyer2, 'Purchase', ['ds-a', RESULT_KEY])).txId;
    ids.b1 = (await m.invoke(buyer, 'Purchase', ['ds-b', RESULT_KEY])).txId;
    ids.b2 = (await m.invoke(buyer2, 'Purchase', ['ds-b', RESULT_KEY])).txId;
    m.advance(10);
    await m.call(seller, 'ConfirmDelivery', [ids.a1, sha('bundle'), '100']);
    await m.call(buyer2, 'Refund', [ids.b2]);
  });

  async function all(
    fn: 'ListTradesByDataset' | 'ListTradesByBuyer' | 'ListTradesBySeller' | 'ListTradesByState',
    key: string,
    size = '1',
  ) {
    const out: string[] = [];
    let bookmark = '';
    do {
      const page = await m.json<Page<Trade>>(auditor, fn, [key, size, bookmark]);
      expect(page.records.length).to.be.at.most(Number(size));
      out.push(...page.records.map((t) => t.tradeId));
      bookmark = page.bookmark;
    } while (bookmark !== '');
    return out.sort();
  }

  it('lists trades by dataset, buyer, seller and state, page by page', async () => {
    const sorted = (...names: (keyof typeof ids)[]) => names.map((n) => ids[n]).sort();
    expect(await all('ListTradesByDataset', 'ds-a')).to.deep.equal(sorted('a1', 'a2'));
    expect(await all('ListTradesByDataset', 'ds-b', '10')).to.deep.equal(sorted('b1', 'b2'));
    expect(await all('ListTradesByBuyer', accountOf(buyer))).to.deep.equal(sorted('a1', 'b1'));
    expect(await all('ListTradesBySeller', accountOf(seller2))).to.deep.equal(sorted('b1', 'b2'));
    expect(await all('ListTradesByState', 'PAID')).to.deep.equal(sorted('a2', 'b1'));
    expect(await all('ListTradesByState', 'DELIVERED')).to.deep.equal(sorted('a1'));
    expect(await all('ListTradesByState', 'REFUNDED')).to.deep.equal(sorted('b2'));
    expect(await all('ListTradesByState', 'SETTLED')).to.deep.equal([]);
    expect(await all('ListTradesByDataset', 'nothing-here')).to.deep.equal([]);
  });

  it("lists a buyer's trades over every state they are in, each once, at every page size", async () => {
    const c1 = (await m.invoke(buyer, 'Purchase', ['ds-b', RESULT_KEY])).txId;
    m.advance(10);
    await m.call(buyer, 'Refund', [c1]);
    // a1 DELIVERED, b1 PAID, c1 REFUNDED: three states, so pages cross state boundaries.
    const expected = [ids.a1, ids.b1, c1].sort();
    for (const size of ['1', '2', '3', '4']) {
      expect(await all('ListTradesByBuyer', accountOf(buyer), size)).to.deep.equal(expected);
    }
    const first = await m.json<Page<Trade>>(auditor, 'ListTradesByBuyer', [
      accountOf(buyer),
      '1',
      '',
    ]);
    expect(first.records.map((t) => t.state)).to.deep.equal(['PAID']);
    expect(first.fetchedRecordsCount).to.equal(1);
    const whole = await m.json<Page<Trade>>(auditor, 'ListTradesByBuyer', [
      accountOf(buyer),
      '3',
      '',
    ]);
    expect(whole.records.map((t) => t.state)).to.deep.equal(['PAID', 'DELIVERED', 'REFUNDED']);
    expect(await all('ListTradesByBuyer', accountOf(buyer2), '1')).to.deep.equal(
      [ids.a2, ids.b2].sort(),
    );
  });

  it('refuses an unknown state, a malformed account and a bookmark from another query', async () => {
    const refusal = async (fn: 'ListTradesByState' | 'ListTradesByBuyer', args: string[]) => {
      let message = '';
      await m.call(auditor, fn, args).catch((e: unknown) => (message = messageOf(e)));
      return message;
    };
    expect(await refusal('ListTradesByState', ['OPEN', '5', ''])).to.match(
      /^INVALID_ARGUMENT: state "OPEN" is not a trade state/,
    );
    expect(await refusal('ListTradesByBuyer', ['someone', '5', ''])).to.match(
      /^INVALID_ARGUMENT: buyer is not an account id/,
    );
    const page = await m.json<Page<Trade>>(auditor, 'ListTradesByState', ['PAID', '1', '']);
    expect(await refusal('ListTradesByBuyer', [accountOf(buyer), '1', page.bookmark])).to.match(
      /bookmark does not belong/,
    );
    // Another buyer's bookmark, though it is a key of the same (state) index.
    const other = await m.json<Page<Trade>>(auditor, 'ListTradesByBuyer', [
      accountOf(buyer2),
      '1',
      '',
    ]);
    expect(other.bookmark).to.not.equal('');
    expect(await refusal('ListTradesByBuyer', [accountOf(buyer), '1', other.bookmark])).to.match(
      /bookmark does not belong/,
    );
  });

  it('GetTradeHistory returns every committed version, oldest first, with tx id and time', async () => {
    const history = await m.json<TradeHistoryEntry[]>(auditor, 'GetTradeHistory', [ids.a1]);
    expect(history.map((h) => h.trade?.state)).to.deep.equal(['PAID', 'DELIVERED']);
    expect(history[0]).to.include({ txId: ids.a1, timestamp: T0, isDelete: false });
    expect(history[1]?.timestamp).to.equal(T0 + 10_000);
    let message = '';
    await m
      .call(auditor, 'GetTradeHistory', ['unknown'])
      .catch((e: unknown) => (message = messageOf(e)));
    expect(message).to.match(/^NOT_FOUND/);
  });

  it('AuditSupply sums balances and escrow and checks them against the supply', async () => {
    const audit = await m.json<SupplyAudit>(auditor, 'AuditSupply');
    expect(audit).to.deep.equal({
      totalSupply: '2007',
      sumOfBalances: String(2007 - 120 - 120 - 50),
      sumOfEscrow: '290',
      accounts: 3,
      trades: 4,
      openTrades: 3,
      balanced: true,
      problems: [],
    });
  });

  it('AuditSupply reports tampered books', async () => {
    // Simulate a corrupted ledger by writing behind the contract's back.
    const { FakeStub } = await import('../support/fake-fabric.js');
    const stub = new FakeStub(m.ledger, { txId: 'tamper', timestampMs: m.now, creator: auditor });
    await stub.putState(
      stub.createCompositeKey('balance', [accountOf(buyer2)]),
      new TextEncoder().encode('5000'),
    );
    const t = JSON.parse(
      m.ledger.getText(stub.createCompositeKey('trade', [ids.b2])) ??
        expect.fail('trade b2 is not on the ledger'),
    ) as Trade;
    await stub.putState(
      stub.createCompositeKey('trade', [t.tradeId]),
      new TextEncoder().encode(JSON.stringify({ ...t, escrow: '7' })),
    );
    stub.commit();
    const audit = await m.json<SupplyAudit>(auditor, 'AuditSupply');
    expect(audit.balanced).to.equal(false);
    expect(audit.problems.join('\n')).to.include('is REFUNDED but holds 7 in escrow');
    expect(audit.problems.join('\n')).to.include('total supply 2007');
  });
});
