/**
 * A pool member's app in a joint trade: deliver its own bundle under fresh keys, then each
 * round decrypt its own partial (with every check a single trade's result gets), mask it, and
 * submit the masked share encrypted to the buyer's key. Each handler re-reads the trade and
 * acts only if it is still this member's turn, so a repeated event does nothing.
 */
import { MAX_REASON, type PoolTrade } from '@datamarket/chaincode/api';
import {
  AggregationError,
  encode,
  encodeShare,
  maskPartial,
  seedsFor,
  type MaskKeyPair,
} from '../../aggregation/index.js';
import { encryptToResultKey, sha256Hex } from '../crypto/result-envelope.js';
import type { Sealer } from '../crypto/sealing.js';
import { labels } from '../key-labels.js';
import { ResultRefused, type SellerCrypto } from '../seller-crypto.js';
import type { SellerStore } from '../store/seller-store.js';
import type { PoolLedger } from './pool-ledger.js';
import { SHARE_PAYLOAD_VERSION, type SharePayload } from './share-payload.js';
import { verifyPartial } from './verify-partial.js';

/** One of this app's users holding a seat in a pool, with the dataset it contributes. */
export interface PoolSeatConfig {
  channel: string;
  poolId: string;
  user: string;
  datasetId: string;
  maskKeys: MaskKeyPair;
}

export interface PoolMemberDeps {
  pools: PoolLedger;
  store: SellerStore;
  sealer: Sealer;
  crypto: SellerCrypto;
  now: () => number;
  log: (line: string) => void;
}

/** Store ids: a member's bundle and key per trade, the buyer's partial per round. */
export const memberBundleId = (tradeId: string, seat: number) => `${tradeId}.s${String(seat)}`;
export const memberPartialId = (tradeId: string, round: number, seat: number) =>
  `${tradeId}.r${String(round)}.s${String(seat)}`;

export type Outcome = 'done' | 'skipped' | 'rejected';

async function seatOf(
  deps: PoolMemberDeps,
  seat: PoolSeatConfig,
  trade: PoolTrade,
): Promise<number> {
  const account = await deps.pools.accountId(seat.user, seat.channel);
  return trade.members.findIndex((m) => m.account === account);
}

/** PoolPurchased: fresh CKKS keys for this member's rows, bundle stored, DeliverBundle. */
export async function deliverPoolBundle(
  deps: PoolMemberDeps,
  seat: PoolSeatConfig,
  tradeId: string,
): Promise<Outcome> {
  const { pools, store, sealer, crypto } = deps;
  const trade = await pools.getPoolTrade(seat.user, seat.channel, tradeId);
  const index = await seatOf(deps, seat, trade);
  const member = trade.members[index];
  if (!member || trade.poolId !== seat.poolId) return 'skipped';
  if (trade.state !== 'PAID' || member.bundleHash !== null || deps.now() >= trade.deliverBy) {
    return 'skipped';
  }
  const id = memberBundleId(tradeId, index);
  let bundle = await store.getBundle(seat.channel, id);
  if (!bundle) {
    const dataset = await store.getDataset(seat.channel, seat.datasetId);
    if (!dataset)
      throw new Error(`pool ${seat.poolId}: dataset ${seat.datasetId} is not in the store`);
    const material = await crypto.createBundle(dataset, trade.terms.ckksPreset);
    bundle = {
      channel: seat.channel,
      tradeId: id,
      bytes: material.bundle,
      sha256: sha256Hex(material.bundle),
    };
    await store.putTradeMaterial(
      {
        channel: seat.channel,
        tradeId: id,
        sealedSecretKey: sealer.seal(material.secretKey, labels.tradeKey(seat.channel, id)),
      },
      bundle,
    );
    material.secretKey.fill(0);
  }
  await pools.deliverBundle(seat.user, seat.channel, tradeId, bundle.sha256, bundle.bytes.length);
  await store.logPump(
    seat.channel,
    tradeId,
    'pool-bundle-delivered',
    `seat ${String(index)} ${bundle.sha256}`,
  );
  deps.log(`joint trade ${tradeId}: seat ${String(index)} delivered its bundle`);
  return 'done';
}

/** The buyer's partial for this seat and round, decrypted with the single-trade checks. */
async function decryptPartial(
  deps: PoolMemberDeps,
  seat: PoolSeatConfig,
  trade: PoolTrade,
  index: number,
): Promise<{ values: number[] } | { reason: string }> {
  const { store, sealer, crypto } = deps;
  const member = trade.members[index];
  const upload = await store.getResult(
    seat.channel,
    memberPartialId(trade.tradeId, trade.round, index),
  );
  if (!upload || !member)
    return {
      reason: `no partial was uploaded for seat ${String(index)} in round ${String(trade.round)}`,
    };
  if (upload.sha256 !== member.partialHash) {
    return {
      reason: `the uploaded partial (sha256 ${upload.sha256}) is not the one recorded on chain`,
    };
  }
  const id = memberBundleId(trade.tradeId, index);
  const bundle = await store.getBundle(seat.channel, id);
  const sealed = await store.getTradeKey(seat.channel, id);
  if (!bundle || !sealed) return { reason: 'this member holds no keys for the trade' };
  const partialId = memberPartialId(trade.tradeId, trade.round, index);
  const refused = await verifyPartial(
    store,
    { channel: seat.channel, datasetId: seat.datasetId, partialId },
    trade,
    upload.bytes,
    bundle.bytes,
  );
  if (refused !== undefined) return { reason: refused };
  const secretKey = sealer.open(sealed.sealedSecretKey, labels.tradeKey(seat.channel, id));
  try {
    const valueCount = trade.valueCount ?? 0;
    const values = await crypto.decryptResult({
      secretKey,
      bundle: bundle.bytes,
      result: upload.bytes,
      preset: trade.terms.ckksPreset,
      maxValues: valueCount,
      declaredValues: valueCount,
    });
    return { values };
  } catch (error) {
    if (error instanceof ResultRefused) return { reason: error.message };
    throw error;
  } finally {
    secretKey.fill(0);
  }
}

/** Every aggregate this member contributes to: the pool, or each coalition under shapley-f1. */
export function coalitionsOf(trade: PoolTrade, index: number): number[] {
  const all = 2 ** trade.members.length - 1;
  if (trade.terms.splitRule !== 'shapley-f1') return [all];
  const mine: number[] = [];
  for (let c = 1; c <= all; c += 1) if (c & (1 << index)) mine.push(c);
  return mine;
}

function maskedPayload(
  seat: PoolSeatConfig,
  trade: PoolTrade,
  index: number,
  values: number[],
): SharePayload {
  const plan = seedsFor(
    seat.maskKeys,
    trade.members.map((m) => m.maskPublicKey),
    { poolId: trade.poolId, tradeId: trade.tradeId },
    trade.terms.aggregation,
  );
  if (plan.seat !== index)
    throw new AggregationError('this member’s mask key is registered for another seat');
  const aggregates = coalitionsOf(trade, index).map((coalition) => {
    // A coalition of one is this member's own partial: nothing to mask it against.
    const share =
      coalition === 1 << index
        ? values.map((v) => encode(v, plan.encoding))
        : maskPartial(values, { ...plan, label: { round: trade.round, coalition } });
    return {
      coalition,
      share: Buffer.from(encodeShare(share, plan.encoding.ring)).toString('base64'),
    };
  });
  return {
    v: SHARE_PAYLOAD_VERSION,
    tradeId: trade.tradeId,
    round: trade.round,
    seat: index,
    ringBits: plan.encoding.ring.bits,
    fractionalBits: plan.encoding.fractionalBits,
    aggregates,
  };
}

async function reject(
  deps: PoolMemberDeps,
  seat: PoolSeatConfig,
  tradeId: string,
  reason: string,
): Promise<Outcome> {
  const text = reason.slice(0, MAX_REASON);
  await deps.pools.rejectPool(seat.user, seat.channel, tradeId, text);
  await deps.store.logPump(seat.channel, tradeId, 'pool-partial-rejected', text);
  deps.log(`joint trade ${tradeId}: partial rejected: ${text}`);
  return 'rejected';
}

/** PartialsSubmitted: decrypt this seat's partial, mask it, encrypt to the buyer, SubmitShare. */
export async function sharePoolRound(
  deps: PoolMemberDeps,
  seat: PoolSeatConfig,
  tradeId: string,
): Promise<Outcome> {
  const trade = await deps.pools.getPoolTrade(seat.user, seat.channel, tradeId);
  const index = await seatOf(deps, seat, trade);
  const member = trade.members[index];
  if (!member || trade.poolId !== seat.poolId || trade.state !== 'SHARING') return 'skipped';
  if (
    member.sharedRound >= trade.round ||
    (trade.sharesBy !== null && deps.now() >= trade.sharesBy)
  ) {
    return 'skipped';
  }
  const verdict = await decryptPartial(deps, seat, trade, index);
  if ('reason' in verdict) return reject(deps, seat, tradeId, verdict.reason);
  let payload: SharePayload;
  try {
    payload = maskedPayload(seat, trade, index, verdict.values);
  } catch (error) {
    if (error instanceof AggregationError) return reject(deps, seat, tradeId, error.message);
    throw error;
  }
  const text = JSON.stringify(payload);
  const encrypted = encryptToResultKey(trade.buyerResultKey, Buffer.from(text));
  await deps.pools.submitShare(
    seat.user,
    seat.channel,
    tradeId,
    trade.round,
    encrypted,
    sha256Hex(text),
  );
  await deps.store.logPump(
    seat.channel,
    tradeId,
    'pool-share-submitted',
    `round ${String(trade.round)} seat ${String(index)}`,
  );
  deps.log(`joint trade ${tradeId}: seat ${String(index)} shared round ${String(trade.round)}`);
  return 'done';
}
