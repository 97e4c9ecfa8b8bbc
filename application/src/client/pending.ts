import { GatewayError } from './errors.js';

/** A 202 answer: the transaction was sent, whether it committed is not known yet. */
export interface PendingAnswer {
  pending: true;
  txId: string;
  tradeId?: string;
  datasetId?: string;
  rowCount?: number;
  droppedRows?: number;
  location: string;
  message: string;
}

/** How long a pending answer is followed before giving up (the id stays valid). */
const FOLLOW_MS = 120_000;

/** Reads a record until it exists (404 while its transaction is not committed). */
export async function untilFound<T>(
  read: () => Promise<T>,
  what: string,
  followMs = FOLLOW_MS,
): Promise<T> {
  const deadline = Date.now() + followMs;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof GatewayError) || error.status !== 404) throw error;
    }
    if (Date.now() > deadline) {
      throw new GatewayError(504, 'PENDING', `${what} is still not on the ledger; follow it later`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
