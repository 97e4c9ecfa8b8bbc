/**
 * Debits of one account conflict on the ledger by design: each reads and rewrites the
 * account's balance base, and Fabric's MVCC lets one per block through (chaincode token.ts).
 * Credits never conflict. So the app runs one account's debits one after another, each only
 * once the previous one has committed or failed; a debit that still conflicts (its lazy
 * compaction met a credit arriving, or the same user works through another app) is retried
 * like any submit: one buyer's concurrent purchases all succeed in turn, with no error to the
 * user.
 */
import type { ContractFunction } from './contract-args.js';
import { LedgerUnavailable } from './errors.js';

/**
 * Contract functions that rewrite the caller's balance base: those that take tokens from it,
 * and its compaction (which would conflict with a debit in the same block just the same).
 */
const DEBITS: ReadonlySet<ContractFunction> = new Set<ContractFunction>([
  'Purchase',
  'PurchaseAtPrice',
  'PurchaseOnce',
  'CompactBalance',
]);

export function isDebit(fn: ContractFunction): boolean {
  return DEBITS.has(fn);
}

/** Debits of one account waiting or running at most; more are refused at once (503, nothing sent). */
export const MAX_QUEUED_DEBITS = 1000;

export class DebitQueue {
  /** The last debit queued per account, and how many are queued behind or running. */
  private readonly queues = new Map<string, { tail: Promise<unknown>; length: number }>();

  constructor(private readonly maxQueued = MAX_QUEUED_DEBITS) {}

  /** Debits queued or running for the account. */
  pending(account: string): number {
    return this.queues.get(account)?.length ?? 0;
  }

  /** Runs `debit` once every earlier debit of `account` has settled; resolves with its result. */
  run<T>(account: string, debit: () => Promise<T>): Promise<T> {
    const queue = this.queues.get(account) ?? { tail: Promise.resolve(), length: 0 };
    if (queue.length >= this.maxQueued) {
      return Promise.reject(
        new LedgerUnavailable(
          `${String(queue.length)} payments of this account are already waiting to commit; try again once they have`,
        ),
      );
    }
    // Whatever the previous debit's outcome, this one runs after it.
    const result = queue.tail.then(debit, debit);
    queue.length += 1;
    const done = (): void => {
      this.settled(account);
    };
    queue.tail = result.then(done, done);
    this.queues.set(account, queue);
    return result;
  }

  private settled(account: string): void {
    const queue = this.queues.get(account);
    if (!queue) return;
    queue.length -= 1;
    if (queue.length === 0) this.queues.delete(account);
  }
}
