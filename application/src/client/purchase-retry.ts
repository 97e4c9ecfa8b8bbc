import { randomUUID } from 'node:crypto';
import { GatewayError } from './errors.js';

/**
 * A purchase's request id: recorded on chain with the trade (PurchaseOnce), so sending the
 * same purchase again returns the first trade instead of buying twice.
 */
export const newRequestId = (): string => `req-${randomUUID()}`;

/** Answers after which the purchase may or may not have happened, or nothing happened yet. */
function worthRetrying(error: unknown): boolean {
  if (!(error instanceof GatewayError)) return false;
  if (error.status === 0) return true; // the app could not be reached
  if (error.status === 409) return error.code === 'TRANSACTION_CONFLICT';
  return error.status === 502 || error.status === 503 || error.status === 504;
}

/** Tries of one purchase in all, and the first pause between them (doubling). */
export const PURCHASE_TRIES = 5;
const FIRST_PAUSE_MS = 1000;

/**
 * Runs `attempt` (one POST of the same purchase, same request id) until it gives a trade:
 * an unreachable app, a peer failure, a timeout or an outcome still unknown after following
 * it is retried, which is safe because the ledger keeps one trade per request id. A refusal
 * (4xx other than a conflict) is final.
 */
export async function purchaseOnce<T>(
  attempt: () => Promise<T>,
  progress: (message: string) => void,
  tries = PURCHASE_TRIES,
): Promise<T> {
  let pause = FIRST_PAUSE_MS;
  for (let i = 1; ; i += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= tries || !worthRetrying(error)) throw error;
      progress(`purchase try ${String(i)} failed (${(error as Error).message}); sending it again`);
      await new Promise((resolve) => setTimeout(resolve, pause * (1 + Math.random())));
      pause *= 2;
    }
  }
}
