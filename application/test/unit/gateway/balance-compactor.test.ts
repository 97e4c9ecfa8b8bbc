import { expect } from 'chai';
import { BalanceCompactor, type Compacting } from '../../../src/gateway/pump/compaction.js';
import type { BalanceCompaction } from '../../../src/gateway/schemas/supply.js';

/** A ledger whose CompactBalance answers when the test says so (or fails when told). */
class FakeLedger implements Compacting {
  readonly calls: string[] = [];
  failNext = false;
  private release: (() => void)[] = [];

  compactBalance(user: string, channel: string): Promise<BalanceCompaction> {
    this.calls.push(`${user}@${channel}`);
    const fail = this.failNext;
    this.failNext = false;
    return new Promise((resolve, reject) => {
      this.release.push(() => {
        if (fail) reject(new Error('conflict'));
        else resolve({ account: user, balance: '10', folded: 3 });
      });
    });
  }

  answerAll(): void {
    for (const answer of this.release.splice(0)) answer();
  }
}

describe('gateway pump: compacting a seller balance every N payouts', () => {
  it('compacts once per `every` payouts, per user and channel', async () => {
    const ledger = new FakeLedger();
    const lines: string[] = [];
    const compactor = new BalanceCompactor(ledger, 3, (line) => lines.push(line));
    for (let i = 0; i < 7; i++) compactor.paid('User1', 'market');
    compactor.paid('User1', 'other');
    compactor.paid('User2', 'market');
    ledger.answerAll();
    await compactor.idle();
    expect(ledger.calls).to.deep.equal(['User1@market']);
    // The 3rd payout started one; the 4th to 7th came while it ran, so the next one is due.
    compactor.paid('User1', 'market');
    ledger.answerAll();
    await compactor.idle();
    expect(ledger.calls).to.deep.equal(['User1@market', 'User1@market']);
    expect(lines.at(-1)).to.equal('balance of User1 on market: 3 credits folded');
  });

  it('starts no second compaction while one runs, and retries after a failure', async () => {
    const ledger = new FakeLedger();
    const lines: string[] = [];
    const compactor = new BalanceCompactor(ledger, 2, (line) => lines.push(line));
    ledger.failNext = true;
    compactor.paid('User1', 'market');
    compactor.paid('User1', 'market'); // due: starts one (it will fail)
    compactor.paid('User1', 'market');
    compactor.paid('User1', 'market'); // due again, but one is running
    expect(ledger.calls).to.have.length(1);
    ledger.answerAll();
    await compactor.idle();
    expect(lines.at(-1)).to.match(/compaction failed: conflict$/);
    // The failed one's payouts still count: the next payout is due at once.
    compactor.paid('User1', 'market');
    expect(ledger.calls).to.have.length(2);
    ledger.answerAll();
    await compactor.idle();
    expect(lines.at(-1)).to.equal('balance of User1 on market: 3 credits folded');
  });

  it('never compacts with every = 0', async () => {
    const ledger = new FakeLedger();
    const compactor = new BalanceCompactor(ledger, 0, () => undefined);
    for (let i = 0; i < 500; i++) compactor.paid('User1', 'market');
    await compactor.idle();
    expect(ledger.calls).to.deep.equal([]);
  });
});
