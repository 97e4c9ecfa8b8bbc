import type { Checkpoint, Network } from '@hyperledger/fabric-gateway';
import { toLedgerError } from './errors.js';
import type { EventPosition, EventStream, LedgerEvent } from './market-ledger.js';

/** A fixed resume position in fabric-gateway's terms (the caller keeps the real checkpoint). */
function checkpointAt(from: EventPosition | undefined): Checkpoint {
  return {
    getBlockNumber: () => from?.blockNumber,
    getTransactionId: () => from?.transactionId,
  };
}

/**
 * The contract's events on a channel as a MarketLedger EventStream: from `from` (after its
 * transaction) when given, else from `startBlock`. Stream failures become LedgerErrors.
 */
export async function fabricEventStream(
  network: Network,
  chaincode: string,
  channel: string,
  from: EventPosition | undefined,
  startBlock: bigint,
): Promise<EventStream> {
  const context = { channel, fn: 'events' };
  let source;
  try {
    source = await network.getChaincodeEvents(chaincode, {
      checkpoint: checkpointAt(from),
      startBlock,
    });
  } catch (error) {
    throw toLedgerError(error, context);
  }
  const events = source;
  async function* iterate(): AsyncGenerator<LedgerEvent> {
    try {
      for await (const event of events) {
        yield {
          name: event.eventName,
          payload: event.payload,
          blockNumber: event.blockNumber,
          transactionId: event.transactionId,
        };
      }
    } catch (error) {
      throw toLedgerError(error, context);
    }
  }
  return {
    [Symbol.asyncIterator]: iterate,
    close: () => {
      events.close();
    },
  };
}
