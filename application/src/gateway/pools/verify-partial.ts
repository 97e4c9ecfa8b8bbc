/**
 * Re-execution of a pool's approved computations before a member decrypts its partial (as
 * pump/verify-computation.ts does for a single trade): when the pool's computation policy is
 * `approved`, the buyer names the computation and its parameters with each partial upload, and
 * the member runs it again on its own bundle. CKKS evaluation is exact modular arithmetic, so
 * the same computation on the same ciphertexts gives the same bytes; any difference means
 * another computation (or other parameters) and the member rejects without decrypting.
 */
import type { PoolTrade } from '@datamarket/chaincode/api';
import { runComputation } from '../../computations/index.js';
import type { SellerStore } from '../store/seller-store.js';

/** The computations an `approved` pool policy names, or undefined when any is allowed. */
export function approvedComputations(policy: unknown): string[] | undefined {
  if (typeof policy !== 'object' || policy === null) return undefined;
  const { kind, mode, computations } = policy as Record<string, unknown>;
  if (kind !== 'approved' && mode !== 'approved') return undefined;
  if (!Array.isArray(computations)) return [];
  return computations.flatMap((c: unknown) => {
    if (typeof c === 'string') return [c];
    if (typeof c === 'object' && c !== null) {
      const { id, computationId } = c as Record<string, unknown>;
      const name = computationId ?? id;
      return typeof name === 'string' ? [name] : [];
    }
    return [];
  });
}

/** A reason to reject, or undefined when the partial may be decrypted. */
export async function verifyPartial(
  store: SellerStore,
  where: { channel: string; datasetId: string; partialId: string },
  trade: PoolTrade,
  upload: Uint8Array,
  bundle: Uint8Array,
): Promise<string | undefined> {
  const approved = approvedComputations(trade.terms.computationPolicy);
  if (approved === undefined) return undefined;
  const named = await store.getTradeComputation(where.channel, where.partialId);
  if (!named) {
    return 'the pool decrypts only approved computations and this partial names none';
  }
  if (!approved.includes(named.computationId)) {
    return `'${named.computationId}' is not one of the pool's approved computations (${approved.join(', ')})`;
  }
  let again: Awaited<ReturnType<typeof runComputation>>;
  try {
    const params: unknown = JSON.parse(named.paramsJson);
    const scripts = await store.listScripts(where.channel, where.datasetId);
    again = await runComputation(bundle, { computationId: named.computationId, params }, scripts);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return `COMPUTATION_UNVERIFIABLE: re-executing '${named.computationId}' failed: ${why}`;
  }
  if (!Buffer.from(again.bytes).equals(Buffer.from(upload))) {
    return `the partial is not '${named.computationId}' with the submitted parameters on this member's bundle: re-execution gave sha256 ${again.sha256}; nothing was decrypted`;
  }
  return undefined;
}
