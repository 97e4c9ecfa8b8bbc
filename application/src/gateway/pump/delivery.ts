import { sha256Hex } from '../crypto/result-envelope.js';
import { labels } from '../key-labels.js';
import type { StoredBundle, StoredDataset } from '../store/seller-store.js';
import type { Trade } from '../types.js';
import type { HandlerContext } from './deps.js';
import { journaled, recordRecovered } from './journal.js';

/** The trade's bundle: the stored one if there is one (a retry), else fresh keys, stored. */
async function bundleFor(
  context: HandlerContext,
  trade: Trade,
  dataset: StoredDataset,
): Promise<StoredBundle> {
  const { deps, channel, tradeId, log } = context;
  const { store, sealer, crypto } = deps;
  const stored = await store.getBundle(channel, tradeId);
  if (stored) {
    await store.logPump(channel, tradeId, 'bundle-reused', stored.sha256);
    return stored;
  }
  log(`trade ${tradeId}: fresh CKKS keys, encrypting ${dataset.rows.length} rows`);
  const material = await crypto.createBundle(dataset, trade.terms.ckksPreset);
  const bundle = { channel, tradeId, bytes: material.bundle, sha256: sha256Hex(material.bundle) };
  await store.putTradeMaterial(
    {
      channel,
      tradeId,
      sealedSecretKey: sealer.seal(material.secretKey, labels.tradeKey(channel, tradeId)),
    },
    bundle,
  );
  material.secretKey.fill(0);
  await store.logPump(
    channel,
    tradeId,
    'bundle-stored',
    `${bundle.sha256} ${bundle.bytes.length} bytes`,
  );
  return bundle;
}

/**
 * Purchased: encrypt the dataset under fresh keys for the buyer and confirm delivery, if the
 * trade is still PAID and its delivery deadline has not passed.
 */
export async function deliver(
  context: HandlerContext,
  trade: Trade,
  dataset: StoredDataset,
): Promise<void> {
  const { deps, channel, tradeId, user, log } = context;
  const { ledger, store, hooks } = deps;
  if (trade.state !== 'PAID') {
    // Killed after ConfirmDelivery and before its journal entry: write that entry now.
    if (trade.deliveredAt !== null && (await recordRecovered(context, 'delivery-confirmed'))) {
      return;
    }
    await store.logPump(channel, tradeId, 'skip-purchase', `trade is ${trade.state}`);
    return;
  }
  if (context.now() >= trade.deliverBy) {
    const detail = `deliverBy ${trade.deliverBy} has passed`;
    await store.logPump(channel, tradeId, 'missed-delivery', detail);
    return;
  }
  const bundle = await bundleFor(context, trade, dataset);
  await hooks?.beforeConfirmDelivery?.(channel, tradeId);
  await journaled(
    context,
    'delivery-confirmed',
    () => ledger.confirmDelivery(user, channel, tradeId, bundle.sha256, bundle.bytes.length),
    () => bundle.sha256,
  );
  log(`trade ${tradeId}: delivery confirmed (${bundle.bytes.length} bytes)`);
}
