import { EndorseError } from '@hyperledger/fabric-gateway';

const UNAVAILABLE = 14;
const FAILED_PRECONDITION = 9;

/** Endorsement failures that only mean discovery has not caught up with the network yet. */
function isSettling(error: unknown): boolean {
  if (!(error instanceof EndorseError)) return false;
  if (error.code === UNAVAILABLE) return true; // no reachable endorser for an org
  return (
    error.code === FAILED_PRECONDITION &&
    /no peer combination can satisfy the endorsement policy/.test(error.message)
  );
}

/**
 * Retries a transaction whose endorsement failed only because discovery is still settling:
 * right after a peer stops, starts or joins, or a chaincode is deployed, it takes a few seconds
 * to see every org's endorsers. Safe to repeat: nothing reached the orderer yet. Every other
 * error is thrown as is.
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
      if (!isSettling(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
