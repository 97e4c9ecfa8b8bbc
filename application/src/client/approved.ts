/**
 * Approved computations for the buyer, by name: runs one on a downloaded bundle with the very
 * code the seller re-executes (application/src/computations), so an honest result verifies.
 * Loaded on demand: the rest of the client starts without the CKKS engine.
 */
import type {
  ComputationRequest,
  ComputationScript,
  ComputedResult,
} from '../computations/index.js';

/** Runs a built-in by name, or a seller script given its code (`DataMarketClient.script`). */
export async function computeApproved(
  bundle: Uint8Array,
  request: ComputationRequest,
  scripts: readonly ComputationScript[] = [],
): Promise<ComputedResult> {
  const { runComputation } = await import('../computations/index.js');
  return runComputation(bundle, request, scripts);
}
