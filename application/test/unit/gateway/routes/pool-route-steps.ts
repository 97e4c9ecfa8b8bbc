/**
 * The steps the in-process pool route tests share: a proposal, forming a pool of the seller
 * app's two users through its routes, and a fake partial (fixture.ts's stand-in engine).
 */
import { expect } from 'chai';
import type { Pool } from '@datamarket/chaincode/api';
import { call, CHANNEL, type RouteFixture } from './fixture.js';

export const ch = { channel: CHANNEL };
export const POOLS = '/api/channels/{channel}/pools';
export const POOL = `${POOLS}/{poolId}`;
export const TRADE = '/api/channels/{channel}/pool-trades/{tradeId}';
export const BUNDLE = `${TRADE}/seats/{seat}/bundle`;
export const PARTIAL = `${TRADE}/rounds/{round}/seats/{seat}/partial`;
export const COLUMNS = ['a', 'b'];
export const SELLERS = ['Admin', 'User1'];

export const proposal = (
  id: string,
  computationPolicy: unknown = { kind: 'any' },
  splitRule = 'rows',
) => ({
  id,
  title: 'two sellers',
  columns: COLUMNS,
  price: '30',
  deposit: '5',
  maxRounds: 1,
  deliverWithin: 600,
  partialsWithin: 600,
  sharesWithin: 600,
  leakageBound: 10,
  ckksPreset: 'n8192-d2',
  computationPolicy,
  aggregation: { valueBound: 1000, fractionalBits: 20 },
  splitRule,
  invites: [{ msp: 'SellerMSP' }],
});

/** A fake partial (fixture.ts's stand-in engine): JSON of the values it decrypts to. */
export const partialOf = (values: number[]) => Buffer.from(JSON.stringify({ values }));

/**
 * Stores a dataset of 2 + i rows for each seller user, proposes (Admin leads) and joins by
 * route; checks that the key on chain is the one sealed in the store, not in the clear.
 */
export async function formPool(
  fx: () => RouteFixture,
  id: string,
  policy?: unknown,
  splitRule?: string,
): Promise<void> {
  const seller = fx().sellerApp;
  for (const [i, user] of SELLERS.entries()) {
    await seller.store.putDataset({
      channel: CHANNEL,
      datasetId: `${id}-${String(i)}`,
      columns: COLUMNS,
      rows: Array.from({ length: 2 + i }, (_, r) => [r, i]),
      owner: user,
    });
  }
  const proposed = await call<Pool>(seller, 'POST', POOLS, ch, {
    user: 'Admin',
    json: proposal(id, policy, splitRule),
  });
  expect(proposed.status, JSON.stringify(proposed.body)).to.equal(201);
  for (const [i, user] of SELLERS.entries()) {
    const joined = await call<{ maskPublicKey: string; pool: Pool }>(
      seller,
      'POST',
      `${POOL}/join`,
      { ...ch, poolId: id },
      { user, json: { datasetId: `${id}-${String(i)}` } },
    );
    expect(joined.status, JSON.stringify(joined.body)).to.equal(200);
    const stored = await seller.store.getPoolSeat(CHANNEL, id, user);
    expect(stored?.maskPublicKey).to.equal(joined.body.maskPublicKey);
    expect(
      Buffer.from(stored?.sealedMaskPrivateKey ?? []).includes(Buffer.from('302e', 'hex')),
    ).to.equal(false);
  }
}
