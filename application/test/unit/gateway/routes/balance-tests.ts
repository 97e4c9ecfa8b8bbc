import { expect } from 'chai';
import type { BalanceCompaction } from '../../../../src/gateway/schemas/supply.js';
import { call, CHANNEL, type RouteFixture } from './fixture.js';
import { SELLER } from './scenario.js';

const ch = { channel: CHANNEL };
const COMPACT = '/api/channels/{channel}/account/compact';
const ACCOUNT = '/api/channels/{channel}/account';

export function balanceRouteTests(fx: () => RouteFixture): void {
  describe('balance compaction', () => {
    it("POST account/compact folds the caller's credit keys, its balance unchanged; 401 without a token", async () => {
      const account = fx().seller.accountOf(SELLER);
      // Two credits of their own (minted to the seller), on top of whatever it holds already.
      await fx().auditor.invoke('Admin', CHANNEL, 'MintTo', account, '7');
      await fx().auditor.invoke('Admin', CHANNEL, 'MintTo', account, '5');
      const app = fx().sellerApp;
      const before = await call<{ balance: string }>(app, 'GET', ACCOUNT, ch, { user: SELLER });
      const compacted = await call<BalanceCompaction>(app, 'POST', COMPACT, ch, { user: SELLER });
      expect(compacted.status).to.equal(200);
      expect(compacted.body).to.include({ account, balance: before.body.balance });
      expect(compacted.body.folded).to.be.at.least(2);
      // Nothing is left to fold; the balance reads the same.
      const again = await call<BalanceCompaction>(app, 'POST', COMPACT, ch, { user: SELLER });
      expect(again.body).to.include({ folded: 0, balance: before.body.balance });
      const after = await call<{ balance: string }>(app, 'GET', ACCOUNT, ch, { user: SELLER });
      expect(after.body.balance).to.equal(before.body.balance);
      expect((await call(app, 'POST', COMPACT, ch, { token: null })).status).to.equal(401);
      expect((await call(app, 'POST', COMPACT, { channel: 'other' })).status).to.equal(404);
    });
  });
}
