/**
 * Every payout to a seller is a credit key of its own (no hot key on the trade path), and
 * BalanceOf sums them. A seller that only receives never has a debit compact them lazily, so
 * reading its balance grows with every settlement (docs/network.md: 11 ms of chaincode CPU
 * per read at about 2 000 credits). The pump folds them in (CompactBalance, as the seller user)
 * once it has settled `every` trades paying that user on a channel since the last fold.
 */
import type { BalanceCompaction } from '../schemas/supply.js';
import { messageOf } from '../message-of.js';

/** Payouts between two compactions of a seller's balance, unless the config says otherwise. */
export const DEFAULT_COMPACT_BALANCE_EVERY = 100;

export interface Compacting {
  compactBalance(user: string, channel: string): Promise<BalanceCompaction>;
}

export class BalanceCompactor {
  private readonly payouts = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();

  /** `every` 0: never compacts. */
  constructor(
    private readonly ledger: Compacting,
    private readonly every: number,
    private readonly log: (line: string) => void,
  ) {}

  /** A payout to `user`'s account on `channel` committed; compacts in the background when due. */
  paid(user: string, channel: string): void {
    if (this.every <= 0) return;
    const key = `${user}\u0000${channel}`;
    const count = (this.payouts.get(key) ?? 0) + 1;
    this.payouts.set(key, count);
    if (count < this.every || this.running.has(key)) return;
    this.payouts.set(key, 0);
    const run = this.ledger.compactBalance(user, channel).then(
      (done) => {
        this.log(`balance of ${user} on ${channel}: ${String(done.folded)} credits folded`);
      },
      (error: unknown) => {
        // Nothing changed on the ledger: the next payout tries again.
        this.payouts.set(key, (this.payouts.get(key) ?? 0) + count);
        this.log(`balance of ${user} on ${channel}: compaction failed: ${messageOf(error)}`);
      },
    );
    this.running.set(
      key,
      run.finally(() => this.running.delete(key)),
    );
  }

  /** Resolves once every compaction started so far has ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }
}
