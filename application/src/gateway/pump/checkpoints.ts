import type { EventPosition, LedgerEvent } from '../ledger/market-ledger.js';

/**
 * The events of one channel that were read and not yet all handled, in chain order. Handlers
 * finish in any order; the checkpoint may only move past an event once it and every event
 * before it are done, so a restart re-reads (and the idempotent handlers skip) whatever was
 * still in flight.
 */
export class InFlight {
  private readonly entries: { event: LedgerEvent; done: boolean }[] = [];

  add(event: LedgerEvent): { event: LedgerEvent; done: boolean } {
    const entry = { event, done: false };
    this.entries.push(entry);
    return entry;
  }

  /** Marks an entry done; returns the new checkpoint if the done prefix grew. */
  finish(entry: { done: boolean }): EventPosition | undefined {
    entry.done = true;
    let last: LedgerEvent | undefined;
    while (this.entries[0]?.done) last = this.entries.shift()?.event;
    return last && { blockNumber: last.blockNumber, transactionId: last.transactionId };
  }
}
