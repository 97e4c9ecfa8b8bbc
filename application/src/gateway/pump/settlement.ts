import { MAX_REASON } from '@datamarket/chaincode/api';
import { encryptToResultKey, sha256Hex } from '../crypto/result-envelope.js';
import { labels } from '../key-labels.js';
import { ResultRefused } from '../seller-crypto.js';
import type { PlainResult, Trade } from '../types.js';
import type { HandlerContext } from './deps.js';
import { journaled, recordRecovered } from './journal.js';
import { countRelease, gateDecryption } from './verify-computation.js';

/** Either the decrypted values, or why the result is rejected (and what re-execution gave). */
type Verdict = { values: number[] } | { reason: string; reexecutedHash?: string };

/** Decrypts the uploaded result with the trade's key, unless a check refuses it first. */
async function judge(context: HandlerContext, trade: Trade): Promise<Verdict> {
  const { deps, channel, tradeId } = context;
  const { store, sealer, crypto } = deps;
  const upload = await store.getResult(channel, tradeId);
  if (!upload)
    return { reason: 'no encrypted result was uploaded to the seller app for this trade' };
  if (upload.sha256 !== trade.resultHash) {
    return {
      reason: `the uploaded result (sha256 ${upload.sha256}) does not match the on-chain resultHash ${String(trade.resultHash)}`,
    };
  }
  const bundle = await store.getBundle(channel, tradeId);
  const sealedKey = await store.getTradeKey(channel, tradeId);
  if (!bundle || !sealedKey) return { reason: 'the seller holds no keys for this trade' };
  if (trade.decryptBy !== null && context.now() >= trade.decryptBy) {
    return { reason: 'the decryption deadline has passed' };
  }
  // Budget and re-execution of a named computation, before the key is even opened.
  const gate = await gateDecryption(context, trade, upload.bytes, bundle.bytes, deps.scripts);
  if ('reason' in gate) return gate;
  const secretKey = sealer.open(sealedKey.sealedSecretKey, labels.tradeKey(channel, tradeId));
  try {
    const values = await crypto.decryptResult({
      secretKey,
      bundle: bundle.bytes,
      result: upload.bytes,
      preset: trade.terms.ckksPreset,
      maxValues: gate.maxValues,
      declaredValues: trade.valueCount ?? undefined,
    });
    const overBudget = await countRelease(context, trade, values.length);
    return overBudget === undefined ? { values } : { reason: overBudget };
  } catch (error) {
    if (!(error instanceof ResultRefused)) throw error;
    return { reason: error.message };
  } finally {
    secretKey.fill(0);
  }
}

async function reject(
  context: HandlerContext,
  reason: string,
  reexecutedHash?: string,
): Promise<void> {
  const { deps, channel, tradeId, user, log } = context;
  const text = reason.slice(0, MAX_REASON);
  await journaled(
    context,
    'result-rejected',
    () =>
      reexecutedHash === undefined
        ? deps.ledger.rejectResult(user, channel, tradeId, text)
        : deps.ledger.rejectUnverifiedResult(user, channel, tradeId, text, reexecutedHash),
    () => text,
  );
  log(`trade ${tradeId}: result rejected: ${text}`);
}

/**
 * ResultSubmitted: check and decrypt the buyer's encrypted result, then deliver the plaintext
 * result encrypted to the buyer's result key (releasing the escrow), or reject it with why.
 */
export async function settle(context: HandlerContext, trade: Trade): Promise<void> {
  const { deps, channel, tradeId, user, log } = context;
  const { ledger, store } = deps;
  if (trade.state !== 'RESULT_SUBMITTED') {
    // Killed after DeliverResult / RejectResult and before its journal entry: write it now.
    const outcome = trade.state === 'SETTLED' ? 'result-delivered' : 'result-rejected';
    if (
      ['SETTLED', 'REJECTED'].includes(trade.state) &&
      (await recordRecovered(context, outcome))
    ) {
      return;
    }
    await store.logPump(channel, tradeId, 'skip-result', `trade is ${trade.state}`);
    return;
  }
  const verdict = await judge(context, trade);
  if ('reason' in verdict) {
    await reject(context, verdict.reason, verdict.reexecutedHash);
    return;
  }
  const { values } = verdict;
  const plain: PlainResult = { tradeId, datasetId: trade.datasetId, values };
  const text = JSON.stringify(plain);
  let encrypted: string;
  try {
    encrypted = encryptToResultKey(trade.buyerResultKey, Buffer.from(text));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    await reject(context, `cannot encrypt to the buyer's result key: ${why}`);
    return;
  }
  await journaled(
    context,
    'result-delivered',
    () => ledger.deliverResult(user, channel, tradeId, encrypted, sha256Hex(text)),
    () => `${values.length} values`,
  );
  context.paidOut?.();
  log(
    `trade ${tradeId}: result decrypted and delivered (${values.length} values), escrow released`,
  );
}
