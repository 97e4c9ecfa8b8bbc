/**
 * The growth bench, small: `npm run bench:ledger` ends with it, so a contract change that
 * breaks its loading (as the org app registration once did) fails here and not only there.
 */
import { expect } from 'chai';
import { measureGrowth } from '../../../bench/ledger-growth.js';

describe('bench: ledger growth (small)', () => {
  it('loads trades through the contract and answers every query it times', async () => {
    const { rows, keys } = await measureGrowth(500, 40);
    const answer = (prefix: string) => rows.find((r) => r[0]?.startsWith(prefix))?.[2];
    expect(keys).to.be.above(500);
    expect(answer('AuditSupply (full recount)')).to.equal('balanced=true');
    expect(answer('AuditSupplyTotals (after checkpoint)')).to.match(/^balanced=true, 0 deltas$/);
    // Three in five trades stay PAID, one in five settles: both pages are full.
    expect(answer('ListTradesByState PAID')).to.equal('50 records');
    expect(answer('ListTradesByState SETTLED')).to.equal('50 records');
    expect(answer('ListListings')).to.equal('50 records');
    expect(answer('GetTradeHistory')).to.match(/^[1-9]\d* entries$/);
    expect(Number(answer('BalanceOf that seller after CompactBalance'))).to.be.above(0);
  });
});
