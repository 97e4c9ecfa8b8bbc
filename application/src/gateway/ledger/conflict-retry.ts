import { TransactionConflict } from './errors.js';

/** How often a submit that conflicted (MVCC, endorsers disagreeing) is tried again. */
export interface ConflictRetry {
  /** Tries in all, the first included. */
  attempts: number;
  /** The first pause; each next one doubles, each with random jitter of up to itself. */
  baseDelayMs: number;
}

export const DEFAULT_CONFLICT_RETRY: ConflictRetry = { attempts: 4, baseDelayMs: 25 };

const pause = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Runs `submit` until it does not end in a TransactionConflict, at most `attempts` times.
 * Safe because a conflict means nothing was committed (errors.ts); every other failure,
 * an unknown outcome above all, is passed on at once. The last conflict is answered with the
 * number of tries in its message.
 */
export async function retryConflicts<T>(
  policy: ConflictRetry,
  submit: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await submit();
    } catch (error) {
      if (!(error instanceof TransactionConflict)) throw error;
      if (attempt >= policy.attempts) {
        throw new TransactionConflict(
          `${error.message} (tried ${String(attempt)} times)`,
          error.txId,
          { cause: error },
        );
      }
      const delay = policy.baseDelayMs * 2 ** (attempt - 1);
      await pause(delay + Math.random() * delay);
    }
  }
}
