/**
 * Each ledger call is one round trip between the chaincode and the endorsing peer, sent one at
 * a time per transaction, so the calls a transaction makes are most of what its endorsement
 * costs (docs/network.md, "Purchase against Transfer"). These are the budgets of the busiest
 * transactions.
 */
import '../support/quiet.js';
import { expect } from 'chai';
import { FakeStub } from '../support/fake-fabric.js';
import type { Trade } from '../../src/types.js';
import {
  accountOf,
  auditor,
  buyer,
  listingInput,
  Market,
  RESULT_KEY,
  seller,
  sha,
} from './market.js';

type Counted = 'getState' | 'putState' | 'deleteState';
const COUNTED: Counted[] = ['getState', 'putState', 'deleteState'];

/** The ledger calls of every stub while `body` runs. */
async function callsOf(body: () => Promise<unknown>): Promise<Record<Counted, number>> {
  const counts: Record<Counted, number> = { getState: 0, putState: 0, deleteState: 0 };
  const originals = COUNTED.map((name) => [name, Reflect.get(FakeStub.prototype, name)] as const);
  for (const [name, original] of originals) {
    Reflect.set(FakeStub.prototype, name, function (this: FakeStub, ...args: unknown[]) {
      counts[name] += 1;
      return Reflect.apply(original as (...a: unknown[]) => unknown, this, args);
    });
  }
  try {
    await body();
  } finally {
    for (const [name, original] of originals) Reflect.set(FakeStub.prototype, name, original);
  }
  return counts;
}

describe('ledger calls per transaction (round trips to the peer)', () => {
  let m: Market;

  beforeEach(async () => {
    m = new Market();
    await m.fund([[buyer, 1000]]);
    await m.call(seller, 'CreateListing', [JSON.stringify(listingInput())]);
    // The first debit folds the minted credit into the base (a range read): past that here.
    await m.call(buyer, 'Transfer', [accountOf(auditor), '1']);
  });

  it('Transfer: reads the base, writes base and credit; no totals delta (it moves no total)', async () => {
    const calls = await callsOf(() => m.call(buyer, 'Transfer', [accountOf(auditor), '5']));
    expect(calls).to.deep.equal({ getState: 1, putState: 2, deleteState: 0 });
  });

  it('Purchase: listing and base read; two index entries; the totals delta written once', async () => {
    const calls = await callsOf(() => m.call(buyer, 'Purchase', ['heart-2024', RESULT_KEY]));
    // balance, trade, index entries by seller and listing, by state and buyer; one delta
    expect(calls).to.deep.equal({ getState: 2, putState: 5, deleteState: 0 });
  });

  it('a trade record leaves out the fields no step has set yet; readers get them as null', async () => {
    const trade = await m.json<Trade>(buyer, 'Purchase', ['heart-2024', RESULT_KEY]);
    expect(trade.deliveredAt).to.equal(null);
    const stored = m.ledger.getText(`\u0000trade\u0000${trade.tradeId}\u0000`) ?? '';
    expect(JSON.parse(stored)).to.not.have.any.keys('deliveredAt', 'bundleHash', 'computation');
    expect(stored.length).to.be.below(JSON.stringify(trade).length - 250);
    const read = await m.json<Trade>(auditor, 'GetTrade', [trade.tradeId]);
    expect(read).to.deep.equal(trade);
    await m.call(seller, 'ConfirmDelivery', [trade.tradeId, sha('bundle'), '100']);
    const delivered = await m.json<Trade>(auditor, 'GetTrade', [trade.tradeId]);
    expect(delivered).to.include({ state: 'DELIVERED', bundleBytes: 100, resultHash: null });
    const history = await m.json<{ trade: Trade }[]>(auditor, 'GetTradeHistory', [trade.tradeId]);
    expect(history[0]?.trade).to.deep.equal(trade);
  });

  it('ConfirmDelivery and SubmitResult: no call for a totals delta they do not change', async () => {
    const trade = await m.json<Trade>(buyer, 'Purchase', ['heart-2024', RESULT_KEY]);
    const delivery = await callsOf(() =>
      m.call(seller, 'ConfirmDelivery', [trade.tradeId, sha('bundle'), '100']),
    );
    expect(delivery).to.deep.equal({ getState: 1, putState: 2, deleteState: 1 });
    const result = await callsOf(() =>
      m.call(buyer, 'SubmitResult', [trade.tradeId, sha('result'), '3']),
    );
    expect(result).to.deep.equal({ getState: 1, putState: 2, deleteState: 1 });
    const audit = await m.json<{ balanced: boolean }>(auditor, 'AuditSupplyTotals');
    expect(audit.balanced).to.equal(true);
  });
});
