import { sha256Hex } from '../crypto/result-envelope.js';
import { notFound } from '../http/errors.js';
import { labels } from '../key-labels.js';
import type { Listing } from '../types.js';
import type { StoredSample } from '../store/seller-store.js';
import type { RouteContext } from './context.js';

/**
 * A listing's free test sample: the first rows of the dataset under keys of their own, made
 * on first request and kept in the store (a new upload of the data drops it).
 */
export async function sampleFor(
  ctx: RouteContext,
  channel: string,
  datasetId: string,
): Promise<{ listing: Listing; sample: StoredSample }> {
  const { store, sealer, config } = ctx;
  const listing = await ctx.access.listing(channel, datasetId);
  if (!listing.freeSample) throw notFound(`dataset ${datasetId} offers no free test sample`);
  const dataset = await store.getDataset(channel, datasetId);
  if (!dataset) throw notFound(`dataset ${datasetId} is not sold by this app`);
  let sample = await store.getSample(channel, datasetId);
  if (!sample) {
    const subset = { ...dataset, rows: dataset.rows.slice(0, config.sampleRows) };
    const material = await ctx.engine().createBundle(subset, listing.ckksPreset);
    sample = {
      channel,
      datasetId,
      bytes: material.bundle,
      sha256: sha256Hex(material.bundle),
      sealedSecretKey: sealer.seal(material.secretKey, labels.sampleKey(channel, datasetId)),
    };
    await store.putSample(sample);
  }
  return { listing, sample };
}
