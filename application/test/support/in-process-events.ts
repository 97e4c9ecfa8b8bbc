import type {
  EventPosition,
  EventStream,
  LedgerEvent,
} from '../../src/gateway/ledger/market-ledger.js';
import type { CommittedTransaction, InProcessChannel } from './in-process-network.js';

/**
 * Fabric's resume rule: from the position's block, after its transaction (all of the block
 * when the transaction is not there); from `startBlock` when there is no position.
 */
function resumeFilter(from: EventPosition | undefined, startBlock: bigint) {
  const start = from?.blockNumber ?? startBlock;
  let skipping = from?.transactionId !== undefined;
  return (tx: CommittedTransaction): boolean => {
    if (tx.blockNumber < start) return false;
    if (skipping && tx.blockNumber === from?.blockNumber) {
      if (tx.txId === from.transactionId) skipping = false;
      return false;
    }
    return true;
  };
}

/** The channel's committed events, in order, then each new one as it commits, until closed. */
export function inProcessEventStream(
  channel: InProcessChannel,
  from: EventPosition | undefined,
  startBlock: bigint,
): EventStream {
  let closed = false;
  const wakers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of wakers) wake();
    wakers.clear();
  };
  const unsubscribe = channel.onCommit(wakeAll);
  const nextCommit = () =>
    new Promise<void>((resolve) => {
      wakers.add(resolve);
    });

  async function* iterate(): AsyncGenerator<LedgerEvent> {
    const wanted = resumeFilter(from, startBlock);
    let index = 0;
    while (!closed) {
      const tx = channel.transactions[index];
      if (!tx) {
        await nextCommit();
        continue;
      }
      index += 1;
      if (!wanted(tx) || !tx.event) continue;
      yield {
        name: tx.event.name,
        payload: tx.event.payload,
        blockNumber: tx.blockNumber,
        transactionId: tx.txId,
      };
    }
  }

  return {
    [Symbol.asyncIterator]: iterate,
    close: () => {
      closed = true;
      unsubscribe();
      wakeAll();
    },
  };
}
