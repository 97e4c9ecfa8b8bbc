import { status } from '@grpc/grpc-js';
import { EndorseError } from '@hyperledger/fabric-gateway';

// gRPC status codes, as the plain numbers EndorseError.code carries.
const UNAVAILABLE: number = status.UNAVAILABLE;
const FAILED_PRECONDITION: number = status.FAILED_PRECONDITION;

/** Endorsement failures that only mean discovery has not caught up with the network yet. */
function isSettling(error: unknown): boolean {
  if (!(error instanceof EndorseError)) return false;
  if (error.code === UNAVAILABLE) return true; // no reachable endorser for an org
  return (
    error.code === FAILED_PRECONDITION &&
    error.message.includes('no peer combination can satisfy the endorsement policy')
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
