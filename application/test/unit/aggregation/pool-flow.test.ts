/**
 * A three-seller joint trade end to end on the in-process ledger (the real contract) with the
 * real CKKS engine: three seller users of the seller org each deliver a bundle of their own
 * rows under fresh keys, the buyer sums each bundle's columns on ciphertexts, each seller's
 * pump decrypts its own partial, masks it and submits the share; the last share settles the
 * trade. The buyer's joint mean equals plain arithmetic on the union of the rows.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { PoolTrade } from '@datamarket/chaincode/api';
import {
  chooseRing,
  decode,
  decodeShare,
  generateMaskKeyPair,
  type MaskKeyPair,
} from '../../../src/aggregation/index.js';
import { loadBundle, serializeResult, type EncryptedTable } from '../../../src/ckks/index.js';
import { engineSellerCrypto } from '../../../src/gateway/ckks-adapter.js';
import { generateResultKeyPair, sha256Hex } from '../../../src/gateway/crypto/result-envelope.js';
import { Sealer } from '../../../src/gateway/crypto/sealing.js';
import { aggregateRound, openShare } from '../../../src/gateway/pools/buyer.js';
import {
  memberBundleId,
  memberPartialId,
  type PoolSeatConfig,
} from '../../../src/gateway/pools/member.js';
import { PoolLedger } from '../../../src/gateway/pools/pool-ledger.js';
import { PoolMemberPump } from '../../../src/gateway/pools/pool-pump.js';
import { openSellerStore, type SellerStore } from '../../../src/gateway/store/seller-store.js';
import { fundedNetwork, type FundedNetwork } from '../../support/index.js';
import { inProcessCaller, until } from './pool-fixture.js';

const CHANNEL = 'market';
const SELLERS = ['User1', 'User2', 'User3'];
const COLUMNS = ['bill_length_mm', 'flipper_length_mm'];

/** Rows per island: deterministic, different sizes and levels. */
function rows(seed: number, count: number): number[][] {
  return Array.from({ length: count }, (_, i) => [
    35 + seed * 4 + ((i * 7) % 11) / 2,
    180 + seed * 9 + ((i * 5) % 13),
  ]);
}
const DATA = [rows(0, 30), rows(1, 22), rows(2, 14)];

/** The buyer's partial per seller (by default its bundle's column sums), uploaded to its app. */
async function computePartials(
  store: SellerStore,
  pools: PoolLedger,
  tradeId: string,
  round = 1,
  compute: (table: EncryptedTable) => EncryptedTable = (table) => table.sum(0),
): Promise<string[]> {
  const hashes: string[] = [];
  for (const seat of [0, 1, 2]) {
    const stored = await store.getBundle(CHANNEL, memberBundleId(tradeId, seat));
    if (!stored) throw new Error('no bundle');
    const t = await pools.getPoolTrade('User1', CHANNEL, tradeId);
    expect(sha256Hex(stored.bytes)).to.equal(t.members[seat]?.bundleHash);
    const bundle = await loadBundle(stored.bytes);
    const out = compute(bundle.table);
    const partial = serializeResult({ out });
    out.dispose();
    bundle.dispose();
    await store.putResult({
      channel: CHANNEL,
      tradeId: memberPartialId(tradeId, round, seat),
      bytes: partial.bytes,
      sha256: partial.sha256,
    });
    hashes.push(partial.sha256);
  }
  return hashes;
}

describe('pools: a three-seller joint mean with real CKKS on the in-process ledger', function () {
  this.timeout(120_000);
  let funded: FundedNetwork;
  let store: SellerStore;
  let dir: string;
  let pump: PoolMemberPump | undefined;
  let sellerPools: PoolLedger;
  let buyerPools: PoolLedger;
  const masks: MaskKeyPair[] = SELLERS.map(() => generateMaskKeyPair());
  const maskOf = (i: number): MaskKeyPair => {
    const k = masks[i];
    if (!k) throw new Error(`no mask key ${String(i)}`);
    return k;
  };

  before(async () => {
    funded = await fundedNetwork({
      users: { seller: SELLERS, buyer: ['User1'], auditor: ['Admin'] },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'datamarket-pool-'));
    store = await openSellerStore(path.join(dir, 'seller.sqlite'));
    sellerPools = new PoolLedger(inProcessCaller(funded.seller));
    buyerPools = new PoolLedger(inProcessCaller(funded.buyer));
  });

  after(async () => {
    await pump?.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The seller users' datasets in the store, the pool proposed and joined by all three. */
  async function formPool(
    poolId: string,
    splitRule: 'rows' | 'shapley-f1',
  ): Promise<PoolSeatConfig[]> {
    const schemaHash = createHash('sha256').update(JSON.stringify(COLUMNS)).digest('hex');
    const seats: PoolSeatConfig[] = SELLERS.map((user, i) => ({
      channel: CHANNEL,
      poolId,
      user,
      datasetId: `${poolId}-${String(i)}`,
      maskKeys: maskOf(i),
    }));
    for (const [i, seat] of seats.entries()) {
      await store.putDataset({
        channel: CHANNEL,
        datasetId: seat.datasetId,
        columns: COLUMNS,
        rows: DATA[i] ?? [],
        owner: seat.user,
      });
    }
    await sellerPools.proposePool('User1', CHANNEL, {
      id: poolId,
      title: 'Penguins by island',
      columns: COLUMNS,
      price: '90',
      deposit: '10',
      maxRounds: 3,
      deliverWithin: 3600,
      partialsWithin: 3600,
      sharesWithin: 3600,
      leakageBound: 20,
      ckksPreset: 'n8192-d2',
      computationPolicy: { kind: 'any' },
      aggregation: { valueBound: 10_000, fractionalBits: 16 },
      splitRule,
      invites: [{ msp: 'SellerMSP' }, { msp: 'SellerMSP' }],
    });
    for (const [i, user] of SELLERS.entries()) {
      await sellerPools.joinPool(user, CHANNEL, poolId, {
        rowCount: DATA[i]?.length ?? 0,
        schemaHash,
        maskPublicKey: maskOf(i).publicKey,
      });
    }
    return seats;
  }

  /** Forms the pool and starts the sellers' pool pump (once, for both tests). */
  async function startPool(): Promise<void> {
    if (pump) return;
    const seats = [
      ...(await formPool('islands', 'rows')),
      ...(await formPool('islands-shapley', 'shapley-f1')),
    ];
    pump = new PoolMemberPump({
      pools: sellerPools,
      store,
      sealer: new Sealer('pool test store secret'),
      crypto: await engineSellerCrypto(),
      now: () => funded.network.now(),
      log: () => undefined,
      events: funded.seller,
      seats,
      resumeDelayMs: 5,
    });
    pump.start();
  }

  /** Purchases `rounds` rounds and waits until every member delivered. */
  async function buy(rounds: number, resultKey: string, poolId = 'islands'): Promise<string> {
    await startPool();
    const { tradeId } = await buyerPools.purchasePool('User1', CHANNEL, {
      poolId,
      buyerResultKey: resultKey,
      rounds,
      price: '90',
      deposit: '10',
    });
    await untilState(tradeId, 'COMPUTING');
    return tradeId;
  }

  async function untilState(tradeId: string, state: PoolTrade['state']): Promise<PoolTrade> {
    const read = () => buyerPools.getPoolTrade('User1', CHANNEL, tradeId);
    await until(async () => (await read()).state === state, `joint trade ${state}`);
    return read();
  }

  it('the buyer learns the joint sums (masked shares only), the last share settles by rows', async () => {
    const resultKeys = generateResultKeyPair();
    const tradeId = await buy(1, resultKeys.publicKeyPem);
    const trade = () => buyerPools.getPoolTrade('User1', CHANNEL, tradeId);

    // The buyer computes one encrypted partial per seller: the column sums of its bundle.
    // (The bundle download and partial upload go through the seller app's store here; the
    // HTTP routes for pools are not built yet.)
    const hashes = await computePartials(store, buyerPools, tradeId);
    await buyerPools.submitPartials('User1', CHANNEL, tradeId, {
      round: 1,
      valueCount: 2,
      partialHashes: hashes,
    });
    await until(
      async () => (await trade()).state === 'SETTLED',
      'the last share to settle the trade',
    );

    const settled: PoolTrade = await trade();
    const shares = await buyerPools.getPoolShares('User1', CHANNEL, tradeId, 1);
    expect(shares.map((s) => s.member)).to.deep.equal([0, 1, 2]);
    const joint = aggregateRound(shares, settled, 1, resultKeys.privateKeyPem).get(7) ?? [];
    const union = DATA.flat();
    const plainSums = [0, 1].map((j) => union.reduce((acc, r) => acc + (r[j] ?? 0), 0));
    // Within the preset's precision: each seller's release carries CKKS and flooding noise of
    // about 0.1 at n8192-d2 (the masking itself is exact, see aggregation.test.ts).
    expect(joint[0]).to.be.closeTo(plainSums[0] ?? 0, 0.5);
    expect(joint[1]).to.be.closeTo(plainSums[1] ?? 0, 0.5);
    const rowsTotal = settled.members.reduce((acc, m) => acc + m.rowCount, 0);
    expect(rowsTotal).to.equal(union.length);
    expect((joint[0] ?? 0) / rowsTotal).to.be.closeTo((plainSums[0] ?? 0) / union.length, 1e-2);

    // The buyer's view holds masked shares only: no share decodes to its seller's partial.
    for (const share of shares) {
      const payload = openShare(share, settled, resultKeys.privateKeyPem);
      expect(payload.aggregates.map((a) => a.coalition)).to.deep.equal([7]);
      const own = DATA[share.member] ?? [];
      const ownSum = own.reduce((acc, r) => acc + (r[0] ?? 0), 0);
      const alone = aggregateRoundOf(share, settled, resultKeys.privateKeyPem);
      // A masked share is uniform over the whole ring, so it lands within the joint result's
      // precision (0.5) of the partial with a chance of about 1 / (ring span), not 1000 away
      // always: the check is that it does not reveal the partial.
      expect(Math.abs(alone - ownSum)).to.be.greaterThan(0.5);
    }

    // Paid by rows (30/22/14 of 90 = 40.9, 30, 19.1 → 41, 30, 19), deposit back, books balanced.
    expect(settled.members.map((m) => m.paid)).to.deep.equal(['41', '30', '19']);
    const audit = await funded.auditor.auditSupply('Admin', CHANNEL);
    expect(audit.balanced).to.equal(true);
  });

  it('two rounds: the joint mean, then the joint sum of squared deviations from it (variance)', async () => {
    const resultKeys = generateResultKeyPair();
    const tradeId = await buy(2, resultKeys.publicKeyPem);
    const hashes1 = await computePartials(store, buyerPools, tradeId, 1);
    await buyerPools.submitPartials('User1', CHANNEL, tradeId, {
      round: 1,
      valueCount: 2,
      partialHashes: hashes1,
    });
    let t = await untilState(tradeId, 'COMPUTING');
    expect(t.round).to.equal(2);
    const round1 = aggregateRound(
      await buyerPools.getPoolShares('User1', CHANNEL, tradeId, 1),
      t,
      1,
      resultKeys.privateKeyPem,
    );
    const n = t.members.reduce((acc, m) => acc + m.rowCount, 0);
    const mean = (round1.get(7) ?? []).map((v) => v / n);
    // Round 2 uses what round 1 revealed: Σ (x − mean)² per seller, summed by the masks.
    const hashes2 = await computePartials(store, buyerPools, tradeId, 2, (table) => {
      const centred = table.sub([mean]);
      const squared = centred.square();
      const sums = squared.sum(0);
      centred.dispose();
      squared.dispose();
      return sums;
    });
    await buyerPools.submitPartials('User1', CHANNEL, tradeId, {
      round: 2,
      valueCount: 2,
      partialHashes: hashes2,
    });
    t = await untilState(tradeId, 'SETTLED');
    expect(t).to.deep.include({ leakageUsed: 4, paidToMembers: '180', paidToBuyer: '10' });
    const round2 = aggregateRound(
      await buyerPools.getPoolShares('User1', CHANNEL, tradeId, 2),
      t,
      2,
      resultKeys.privateKeyPem,
    );
    const union = DATA.flat();
    for (const j of [0, 1]) {
      const plainMean = union.reduce((acc, r) => acc + (r[j] ?? 0), 0) / union.length;
      const plainVariance =
        union.reduce((acc, r) => acc + ((r[j] ?? 0) - plainMean) ** 2, 0) / union.length;
      expect(mean[j]).to.be.closeTo(plainMean, 1e-2);
      expect((round2.get(7)?.[j] ?? 0) / n).to.be.closeTo(plainVariance, 5e-2);
    }
  });

  it('shapley-f1: the buyer gets every coalition’s aggregate, scores them, and pays by Shapley', async () => {
    const resultKeys = generateResultKeyPair();
    const tradeId = await buy(1, resultKeys.publicKeyPem, 'islands-shapley');
    const hashes = await computePartials(store, buyerPools, tradeId, 1);
    await buyerPools.submitPartials('User1', CHANNEL, tradeId, {
      round: 1,
      valueCount: 2,
      partialHashes: hashes,
    });
    let t = await untilState(tradeId, 'SCORING');
    expect(t.leakageUsed).to.equal(14); // 2 values × 7 coalitions
    const shares = await buyerPools.getPoolShares('User1', CHANNEL, tradeId, 1);
    const aggregates = aggregateRound(shares, t, 1, resultKeys.privateKeyPem);
    expect([...aggregates.keys()].sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    for (const [coalition, values] of aggregates) {
      const coalitionRows = DATA.filter((_, seat) => coalition & (1 << seat)).flat();
      const plain = coalitionRows.reduce((acc, r) => acc + (r[1] ?? 0), 0);
      expect(values[1], `coalition ${String(coalition)}`).to.be.closeTo(plain, 0.5);
    }
    // The scores a buyer would get from each coalition's model (hand-worked split in the
    // chaincode tests: 3!·φ = 2.5, 1.9, 1.0 → 90 tokens as 42/32/16).
    const scores = ['0.6', '0.5', '0.8', '0.3', '0.7', '0.6', '0.9'];
    t = await buyerPools.submitScores('User1', CHANNEL, tradeId, scores);
    expect(t.state).to.equal('SETTLED');
    expect(t.members.map((m) => m.paid)).to.deep.equal(['42', '32', '16']);
  });
});

/** What one share alone decodes to, as if it were an aggregate (it is masked noise). */
function aggregateRoundOf(
  share: Parameters<typeof openShare>[0],
  trade: PoolTrade,
  key: string,
): number {
  const payload = openShare(share, trade, key);
  const first = payload.aggregates[0];
  if (!first) throw new Error('no aggregate');
  const encoding = {
    ring: chooseRing({ ...trade.terms.aggregation, members: 3 }),
    ...trade.terms.aggregation,
  };
  const [value] = decodeShare(Buffer.from(first.share, 'base64'), encoding.ring, 10);
  return decode(value ?? 0n, encoding);
}
