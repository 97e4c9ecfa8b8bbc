import { EndorseError } from '@hyperledger/fabric-gateway';

const UNAVAILABLE = 14;

/**
 * Retries a transaction whose endorsement failed only because the gateway found no reachable
 * endorser for an org: right after a peer stops, starts or joins, discovery needs a few seconds
 * to settle. Safe to repeat: nothing reached the orderer yet. Every other error is thrown as is.
 */
export async function retryWhileEndorsersSettle<T>(
  work: () => Promise<T>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      const transient = error instanceof EndorseError && error.code === UNAVAILABLE;
      if (!transient || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
