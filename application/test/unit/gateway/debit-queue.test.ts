import { expect } from 'chai';
import {
  DEFAULT_CONFLICT_RETRY,
  retryConflicts,
} from '../../../src/gateway/ledger/conflict-retry.js';
import { DebitQueue, isDebit } from '../../../src/gateway/ledger/debit-queue.js';
import { LedgerUnavailable, TransactionConflict } from '../../../src/gateway/ledger/errors.js';

const tick = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * One account's balance under MVCC: a debit reads the version when endorsed and commits a few
 * milliseconds later only if nobody else committed in between, else it is a conflict.
 */
class Account {
  version = 0;
  balance: number;
  committed = 0;
  constructor(balance: number) {
    this.balance = balance;
  }
  async debit(amount: number): Promise<number> {
    const seen = this.version;
    const balance = this.balance;
    await tick(2 + Math.random() * 3);
    if (this.version !== seen) throw new TransactionConflict('MVCC_READ_CONFLICT on the balance');
    this.version += 1;
    this.balance = balance - amount;
    this.committed += 1;
    return this.balance;
  }
}

describe('debit queue', () => {
  it('names the contract functions that debit the caller', () => {
    expect(isDebit('Purchase')).to.equal(true);
    expect(isDebit('PurchaseAtPrice')).to.equal(true);
    // The client's purchases carry a request id: they debit just the same.
    expect(isDebit('PurchaseOnce')).to.equal(true);
    // Compaction rewrites the balance base a debit reads.
    expect(isDebit('CompactBalance')).to.equal(true);
    expect(isDebit('DeliverResult')).to.equal(false);
  });

  it('without it, one buyer’s concurrent purchases conflict: one of a batch commits', async () => {
    const account = new Account(1000);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        retryConflicts({ attempts: 1, baseDelayMs: 0 }, () => account.debit(10)),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).to.have.length(1);
  });

  it('with it, 50 concurrent purchases of one buyer all succeed in turn', async () => {
    const account = new Account(1000);
    const queue = new DebitQueue();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        queue.run('buyer', () => retryConflicts(DEFAULT_CONFLICT_RETRY, () => account.debit(10))),
      ),
    );
    expect(account.committed).to.equal(50);
    expect(account.balance).to.equal(500);
    // In turn: each saw the one before it.
    expect(results).to.deep.equal(Array.from({ length: 50 }, (_, i) => 1000 - 10 * (i + 1)));
    expect(queue.pending('buyer')).to.equal(0);
  });

  it('a failed debit does not stop the ones queued behind it; accounts do not wait on each other', async () => {
    const queue = new DebitQueue();
    const order: string[] = [];
    const first = queue.run('a', async () => {
      await tick(20);
      order.push('a1');
      throw new Error('refused');
    });
    const second = queue.run('a', () => {
      order.push('a2');
      return Promise.resolve('a2');
    });
    const other = queue.run('b', () => {
      order.push('b1');
      return Promise.resolve('b1');
    });
    expect(queue.pending('a')).to.equal(2);
    await Promise.allSettled([first, second, other]);
    expect(order).to.deep.equal(['b1', 'a1', 'a2']);
    expect(await second).to.equal('a2');
  });

  it('refuses (503, nothing sent) once an account has too many debits waiting', async () => {
    const queue = new DebitQueue(2);
    const slow = () => tick(10);
    const runs = [queue.run('a', slow), queue.run('a', slow)];
    let refusal: unknown;
    await queue.run('a', slow).catch((e: unknown) => (refusal = e));
    expect(refusal).to.be.instanceOf(LedgerUnavailable);
    await Promise.all(runs);
    await queue.run('a', slow);
  });
});
