/**
 * The free test sample, per buyer request: synthetic rows (synthetic.ts) encrypted under
 * fresh keys each time a buyer asks; the buyer's results on it are decrypted under its newest
 * sample key only, within that key's budget.
 */
import type { Listing } from '@datamarket/chaincode/api';
import { sha256Hex } from '../crypto/result-envelope.js';
import { conflict, HttpError, notFound } from '../http/errors.js';
import { labels } from '../key-labels.js';
import type { RouteContext } from '../routes/context.js';
import { ResultRefused } from '../seller-crypto.js';
import type { StoredDataset } from '../store/seller-store.js';
import { BudgetExhausted, remainingBudget, spendBudget } from './budget.js';
import { rangesFromData, syntheticRows } from './synthetic.js';

async function offeredSample(
  ctx: RouteContext,
  channel: string,
  datasetId: string,
): Promise<{ listing: Listing; dataset: StoredDataset }> {
  const listing = await ctx.access.listing(channel, datasetId);
  if (!listing.freeSample) throw notFound(`dataset ${datasetId} offers no free test sample`);
  const dataset = await ctx.store.getDataset(channel, datasetId);
  if (!dataset) throw notFound(`dataset ${datasetId} is not sold by this app`);
  return { listing, dataset };
}

/** The sample's rows: synthetic of the listing's kind, never the dataset's own rows. */
async function sampleRows(
  ctx: RouteContext,
  listing: Listing,
  dataset: StoredDataset,
): Promise<number[][]> {
  if (listing.sampleKind === 'seller-file') {
    const file = await ctx.store.getSampleFile(dataset.channel, dataset.datasetId);
    if (!file)
      throw conflict(`the seller of ${dataset.datasetId} has not uploaded its sample file yet`);
    return file.rows;
  }
  const ranges = listing.columnRanges ?? rangesFromData(dataset.columns, dataset.rows);
  return syntheticRows({
    kind: listing.sampleKind,
    columns: dataset.columns,
    ranges,
    rows: dataset.rows,
    count: ctx.config.sampleRows,
  });
}

/** A new sample bundle for `caller`: fresh keys, which replace the caller's previous ones. */
export async function sampleBundle(
  ctx: RouteContext,
  caller: string,
  channel: string,
  datasetId: string,
): Promise<{ bytes: Uint8Array; sha256: string }> {
  const { listing, dataset } = await offeredSample(ctx, channel, datasetId);
  const rows = await sampleRows(ctx, listing, dataset);
  const material = await ctx.engine().createBundle({ ...dataset, rows }, listing.ckksPreset);
  const keyId = sha256Hex(material.bundle);
  try {
    await ctx.store.putSampleKey({
      channel,
      datasetId,
      requestedBy: caller,
      keyId,
      sealedSecretKey: ctx.sealer.seal(
        material.secretKey,
        labels.sampleRequestKey(channel, datasetId, keyId),
      ),
      createdAt: Date.now(),
    });
  } finally {
    material.secretKey.fill(0);
  }
  return { bytes: material.bundle, sha256: keyId };
}

/**
 * Decrypts a test result under the caller's newest sample key: at most the leakage bound per
 * result and, in total, the key's budget (maxValuesPerKey). Refusals are 422s.
 */
export async function decryptSampleResult(
  ctx: RouteContext,
  caller: string,
  channel: string,
  datasetId: string,
  result: Uint8Array,
): Promise<number[]> {
  const { listing } = await offeredSample(ctx, channel, datasetId);
  const key = await ctx.store.getSampleKey(channel, datasetId, caller);
  if (!key) throw conflict(`ask for a sample of ${datasetId} first: each request gets fresh keys`);
  const label = labels.sampleRequestKey(channel, datasetId, key.keyId);
  const secretKey = ctx.sealer.open(key.sealedSecretKey, label);
  try {
    const left = await remainingBudget(ctx.store, label, listing.maxValuesPerKey);
    const values = await ctx.engine().decryptResult({
      secretKey,
      bundle: new Uint8Array(0),
      result,
      preset: listing.ckksPreset,
      maxValues: Math.min(listing.leakageBound, left),
    });
    await spendBudget(ctx.store, label, values.length, listing.maxValuesPerKey);
    return values;
  } catch (error) {
    if (error instanceof ResultRefused || error instanceof BudgetExhausted) {
      const code = error instanceof BudgetExhausted ? 'BUDGET_EXHAUSTED' : 'RESULT_REFUSED';
      throw new HttpError(422, error.message, code);
    }
    throw error;
  } finally {
    secretKey.fill(0);
  }
}
