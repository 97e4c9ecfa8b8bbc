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

/** A sample made ahead of a request: its bundle and its secret key, already sealed. */
interface PreparedSample {
  bundle: Uint8Array;
  keyId: string;
  sealedSecretKey: Uint8Array;
}

/**
 * One sample made ahead per dataset and listing version (keys and encryption take seconds,
 * longer than a buyer app waits for an answer to start): each request takes the prepared one
 * and a new one is made after it. Never shared: a prepared sample goes to one request only.
 */
const prepared = new WeakMap<object, Map<string, Promise<PreparedSample>>>();

function preparedFor(ctx: RouteContext): Map<string, Promise<PreparedSample>> {
  let map = prepared.get(ctx.store);
  if (!map) {
    map = new Map();
    prepared.set(ctx.store, map);
  }
  return map;
}

async function makeSample(
  ctx: RouteContext,
  listing: Listing,
  dataset: StoredDataset,
): Promise<PreparedSample> {
  const rows = await sampleRows(ctx, listing, dataset);
  const material = await ctx.engine().createBundle({ ...dataset, rows }, listing.ckksPreset);
  try {
    const keyId = sha256Hex(material.bundle);
    const label = labels.sampleRequestKey(dataset.channel, dataset.datasetId, keyId);
    return {
      bundle: material.bundle,
      keyId,
      sealedSecretKey: ctx.sealer.seal(material.secretKey, label),
    };
  } finally {
    material.secretKey.fill(0);
  }
}

const slot = (listing: Listing) => `${listing.id}\u0000${listing.version}`;

/** Starts making the next sample of this listing in the background (errors are dropped). */
function prepareNext(ctx: RouteContext, listing: Listing, dataset: StoredDataset): void {
  const map = preparedFor(ctx);
  const key = `${dataset.channel}\u0000${slot(listing)}`;
  if (map.has(key)) return;
  const next = new Promise<PreparedSample>((resolve, reject) => {
    // After the current answer is on its way.
    setTimeout(() => {
      makeSample(ctx, listing, dataset).then(resolve, reject);
    }, 50);
  });
  next.catch(() => map.delete(key));
  map.set(key, next);
}

/** Prepares a listing's first sample ahead of any request (after listing it). */
export async function prepareSample(ctx: RouteContext, channel: string, datasetId: string) {
  const { listing, dataset } = await offeredSample(ctx, channel, datasetId);
  if (listing.sampleKind === 'seller-file') return;
  prepareNext(ctx, listing, dataset);
}

/** A new sample bundle for `caller`: fresh keys, which replace the caller's previous ones. */
export async function sampleBundle(
  ctx: RouteContext,
  caller: string,
  channel: string,
  datasetId: string,
): Promise<{ bytes: Uint8Array; sha256: string }> {
  const { listing, dataset } = await offeredSample(ctx, channel, datasetId);
  const map = preparedFor(ctx);
  const key = `${channel}\u0000${slot(listing)}`;
  const ready = map.get(key);
  map.delete(key);
  const sample = (await ready?.catch(() => undefined)) ?? (await makeSample(ctx, listing, dataset));
  await ctx.store.putSampleKey({
    channel,
    datasetId,
    requestedBy: caller,
    keyId: sample.keyId,
    sealedSecretKey: sample.sealedSecretKey,
    createdAt: Date.now(),
  });
  if (listing.sampleKind !== 'seller-file') prepareNext(ctx, listing, dataset);
  return { bytes: sample.bundle, sha256: sample.keyId };
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
