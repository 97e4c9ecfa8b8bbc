import { expect } from 'chai';
import { encryptToResultKey, sha256Hex } from '../../../../src/gateway/crypto/result-envelope.js';
import { Sealer } from '../../../../src/gateway/crypto/sealing.js';
import { labels } from '../../../../src/gateway/key-labels.js';
import type { Trade } from '../../../../src/gateway/types.js';
import { call, CHANNEL, type RouteFixture } from './fixture.js';

/** Steps of a trade the tests build on, through the routes where there is one. */

export const CSV = 'a,b\n1,2\n3,4\n5,NA\n7,8\n';
export const SELLER = 'User1';
export const BUYER = 'User1';

export function terms(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    title: `dataset ${id}`,
    price: '100',
    deposit: '10',
    deliverWithin: 600,
    resultWithin: 600,
    decryptWithin: 600,
    leakageBound: 4,
    ckksPreset: 'test-preset',
    freeSample: true,
    ...extra,
  };
}

/** The seller stores and lists a dataset through its app. */
export async function listDataset(
  fx: RouteFixture,
  id: string,
  extra: Record<string, unknown> = {},
) {
  const reply = await call(
    fx.sellerApp,
    'POST',
    '/api/channels/{channel}/datasets',
    { channel: CHANNEL },
    {
      user: SELLER,
      json: { listing: terms(id, extra), csv: CSV },
    },
  );
  expect(reply.status, JSON.stringify(reply.body)).to.equal(201);
  return reply;
}

/** The buyer purchases through its app; returns the trade. */
export async function purchase(fx: RouteFixture, datasetId: string, user = BUYER): Promise<Trade> {
  const reply = await call<Trade>(
    fx.buyerApp,
    'POST',
    '/api/channels/{channel}/trades',
    { channel: CHANNEL },
    {
      user,
      json: { datasetId },
    },
  );
  expect(reply.status, JSON.stringify(reply.body)).to.equal(201);
  return reply.body;
}

/** What the seller's pump would do on Purchased: store the bundle, confirm delivery. */
export async function deliver(fx: RouteFixture, trade: Trade): Promise<Buffer> {
  const bundle = Buffer.from(`bundle of trade ${trade.tradeId}`);
  const sealer = new Sealer(fx.sellerApp.config.storeSecret);
  await fx.sellerApp.store.putTradeMaterial(
    {
      channel: CHANNEL,
      tradeId: trade.tradeId,
      sealedSecretKey: sealer.seal(Buffer.from('key'), labels.tradeKey(CHANNEL, trade.tradeId)),
    },
    { channel: CHANNEL, tradeId: trade.tradeId, bytes: bundle, sha256: sha256Hex(bundle) },
  );
  await fx.seller.confirmDelivery(SELLER, CHANNEL, trade.tradeId, sha256Hex(bundle), bundle.length);
  return bundle;
}

/** The buyer submits a result through its app (uploaded to the seller's app, hash on chain). */
export async function submitResult(fx: RouteFixture, trade: Trade, values: number[]) {
  return call<Trade>(
    fx.buyerApp,
    'POST',
    '/api/channels/{channel}/trades/{tradeId}/result',
    { channel: CHANNEL, tradeId: trade.tradeId },
    {
      user: BUYER,
      raw: Buffer.from(JSON.stringify({ values })),
      query: { valueCount: String(values.length) },
    },
  );
}

/** What the seller's pump would do on ResultSubmitted: deliver the plaintext, encrypted. */
export async function settle(fx: RouteFixture, trade: Trade, values: number[]) {
  const plaintext = Buffer.from(
    JSON.stringify({ tradeId: trade.tradeId, datasetId: trade.datasetId, values }),
  );
  const envelope = encryptToResultKey(trade.buyerResultKey, plaintext);
  return fx.seller.deliverResult(SELLER, CHANNEL, trade.tradeId, envelope, sha256Hex(plaintext));
}
