/**
 * The checks before a trade's result is decrypted (docs/privacy.md):
 * - the trade key's decryption budget (samples/budget.ts) caps how many values may be released;
 * - a result that names a computation (always, on an `approved` listing) is re-executed on the
 *   trade's own bundle with the buyer's parameters, and must be byte-identical to the upload.
 *   CKKS evaluation is exact modular arithmetic: the same operations on the same ciphertexts
 *   give the same bytes, so any difference means another computation (or other parameters).
 */
import type { Trade } from '@datamarket/chaincode/api';
import { paramsHash, runComputation, type ComputationScript } from '../../computations/index.js';
import { labels } from '../key-labels.js';
import { BudgetExhausted, remainingBudget, spendBudget } from '../samples/budget.js';
import type { HandlerContext } from './deps.js';

/** Go ahead with at most `maxValues`, or reject (with the re-executed hash on a mismatch). */
export type Gate = { maxValues: number } | { reason: string; reexecutedHash?: string };

/** Seller scripts the app can re-execute (default: those registered in the store). */
export type ScriptSource = (channel: string, datasetId: string) => Promise<ComputationScript[]>;

const maxValuesPerKey = (trade: Trade) =>
  (trade.terms as Partial<Trade['terms']>).maxValuesPerKey ?? trade.terms.leakageBound;

/** Parameters the buyer uploaded for the trade, checked against the hash on chain. */
async function submittedParams(
  context: HandlerContext,
  trade: Trade,
): Promise<{ params: unknown } | { reason: string }> {
  const named = trade.computation;
  if (!named) return { reason: 'no computation named' };
  const stored = await context.deps.store.getTradeComputation(context.channel, context.tradeId);
  if (!stored) {
    return {
      reason: `COMPUTATION_UNVERIFIABLE: the buyer never sent the parameters of '${named.computationId}' to the seller app`,
    };
  }
  if (stored.computationId !== named.computationId) {
    return {
      reason: `COMPUTATION_UNVERIFIABLE: the uploaded computation '${stored.computationId}' is not the '${named.computationId}' named on chain`,
    };
  }
  let params: unknown;
  try {
    params = JSON.parse(stored.paramsJson);
  } catch {
    return { reason: 'COMPUTATION_UNVERIFIABLE: the uploaded parameters are not JSON' };
  }
  if (paramsHash(params) !== named.paramsHash) {
    return {
      reason:
        'COMPUTATION_UNVERIFIABLE: the uploaded parameters do not match the paramsHash on chain',
    };
  }
  return { params };
}

/** Re-executes the named computation; a Gate that rejects unless the bytes are identical. */
async function reexecute(
  context: HandlerContext,
  trade: Trade,
  upload: Uint8Array,
  bundle: Uint8Array,
  scripts: ScriptSource | undefined,
): Promise<Gate | undefined> {
  const named = trade.computation;
  if (!named) {
    return (trade.terms as Partial<Trade['terms']>).computationPolicy?.mode === 'approved'
      ? { reason: 'the listing decrypts only approved computations and this result names none' }
      : undefined;
  }
  const submitted = await submittedParams(context, trade);
  if ('reason' in submitted) return submitted;
  let again: Awaited<ReturnType<typeof runComputation>>;
  try {
    // The seller's registered scripts of this dataset (store), unless the deps name others.
    const known = scripts
      ? await scripts(context.channel, trade.datasetId)
      : await context.deps.store.listScripts(context.channel, trade.datasetId);
    const request = { computationId: named.computationId, params: submitted.params };
    // In the seller's crypto workers when the engine offers it (off the event loop).
    const { crypto } = context.deps;
    again = crypto.reexecute
      ? await crypto.reexecute({ bundle, request, scripts: known })
      : await runComputation(bundle, request, known);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      reason: `COMPUTATION_UNVERIFIABLE: re-executing '${named.computationId}' failed: ${why}`,
    };
  }
  if (again.computationHash !== named.computationHash) {
    return {
      reason: `COMPUTATION_UNVERIFIABLE: the seller's '${named.computationId}' has code hash ${again.computationHash}, not the ${named.computationHash} on chain`,
    };
  }
  const same = Buffer.from(again.bytes).equals(Buffer.from(upload));
  await context.deps.store.logPump(
    context.channel,
    context.tradeId,
    same ? 'computation-verified' : 'computation-mismatch',
    `${named.computationId} ${again.sha256}`,
  );
  context.log(
    `trade ${context.tradeId}: re-executed ${named.computationId} on the trade's bundle: sha256 ${again.sha256.slice(0, 16)}… ${same ? 'identical to the upload, decrypting' : 'differs from the upload, rejecting'}`,
  );
  if (!same) {
    return {
      reason: `the result is not '${named.computationId}' with the submitted parameters on this trade's bundle: re-execution gave sha256 ${again.sha256}, the upload is ${String(trade.resultHash)}; nothing was decrypted`,
      reexecutedHash: again.sha256,
    };
  }
  return undefined;
}

/** Everything checked before the trade key is opened: budget left, then re-execution. */
export async function gateDecryption(
  context: HandlerContext,
  trade: Trade,
  upload: Uint8Array,
  bundle: Uint8Array,
  scripts?: ScriptSource,
): Promise<Gate> {
  const { store } = context.deps;
  const label = labels.tradeKey(context.channel, context.tradeId);
  // A trade key releases one result: values already counted are that result's (a retry).
  const counted = await store.keyBudgetSpent(label);
  let left: number;
  try {
    left = counted > 0 ? counted : await remainingBudget(store, label, maxValuesPerKey(trade));
  } catch (error) {
    if (error instanceof BudgetExhausted) return { reason: error.message };
    throw error;
  }
  const refused = await reexecute(context, trade, upload, bundle, scripts);
  if (refused) return refused;
  return { maxValues: Math.min(trade.terms.leakageBound, left) };
}

/** Counts the values about to be released under the trade key; a reason when they do not fit. */
export async function countRelease(
  context: HandlerContext,
  trade: Trade,
  values: number,
): Promise<string | undefined> {
  const { store } = context.deps;
  const label = labels.tradeKey(context.channel, context.tradeId);
  // A trade releases one result: a retry after a crash must not count it twice.
  if ((await store.keyBudgetSpent(label)) > 0) return undefined;
  try {
    await spendBudget(store, label, values, maxValuesPerKey(trade));
    return undefined;
  } catch (error) {
    if (error instanceof BudgetExhausted) return error.message;
    throw error;
  }
}
