/**
 * Approved computations for the buyer, by name: runs one on a downloaded bundle with the very
 * code the seller re-executes (application/src/computations), so an honest result verifies.
 * Loaded on demand: the rest of the client starts without the CKKS engine.
 */
import type { ComputationRequest, ComputedResult } from '../computations/index.js';

export async function computeApproved(
  bundle: Uint8Array,
  request: ComputationRequest,
): Promise<ComputedResult> {
  const { runComputation } = await import('../computations/index.js');
  return runComputation(bundle, request);
}
