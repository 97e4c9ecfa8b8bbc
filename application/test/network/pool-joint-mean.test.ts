/**
 * A three-seller pool on the real network: three seller users of the seller org (orgs come
 * later) join a pool, the buyer purchases it, the sellers' pool pump (over fabric-gateway)
 * delivers each member's own bundle under fresh CKKS keys, the buyer sums each bundle's
 * columns on ciphertexts, each member decrypts its own partial, masks it and submits its share;
 * the last share settles the trade by rows. The buyer's joint mean equals plain arithmetic on
 * the union of the rows, and its view holds masked shares only.
 */
import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PoolTrade } from '@datamarket/chaincode/api';
import {
  chooseRing,
  decode,
  decodeShare,
  generateMaskKeyPair,
  type MaskKeyPair,
} from '../../src/aggregation/index.js';
import { loadBundle, serializeResult } from '../../src/ckks/index.js';
import { connectAs, type GatewayConnection } from '../../src/fabric/index.js';
import { engineSellerCrypto } from '../../src/gateway/ckks-adapter.js';
import { generateResultKeyPair, sha256Hex } from '../../src/gateway/crypto/result-envelope.js';
import { Sealer } from '../../src/gateway/crypto/sealing.js';
import { FabricConnections } from '../../src/gateway/ledger/fabric-connections.js';
import { FabricMarketLedger } from '../../src/gateway/ledger/fabric-market-ledger.js';
import { aggregateRound, openShare } from '../../src/gateway/pools/buyer.js';
import { FabricPoolCaller } from '../../src/gateway/pools/fabric-pool-caller.js';
import {
  memberBundleId,
  memberPartialId,
  type PoolSeatConfig,
} from '../../src/gateway/pools/member.js';
import { PoolLedger } from '../../src/gateway/pools/pool-ledger.js';
import { PoolMemberPump } from '../../src/gateway/pools/pool-pump.js';
import { openSellerStore, type SellerStore } from '../../src/gateway/store/seller-store.js';
import { ensureInitialized, ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const CHANNEL = 'market';
/** The seller org's three identities in the test network's crypto material. */
const SELLERS = ['Admin', 'User1', 'User2'];
const BUYER = 'User1';
const COLUMNS = ['bill_length_mm', 'flipper_length_mm'];

function rows(seed: number, count: number): number[][] {
  return Array.from({ length: count }, (_, i) => [
    35 + seed * 4 + ((i * 7) % 11) / 2,
    180 + seed * 9 + ((i * 5) % 13),
  ]);
}
const DATA = [rows(0, 30), rows(1, 22), rows(2, 14)];

async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 240_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('pools on the real network: a three-seller joint mean', function () {
  this.timeout(600_000);
  const poolId = `islands-${randomUUID().slice(0, 8)}`;
  const masks: MaskKeyPair[] = SELLERS.map(() => generateMaskKeyPair());
  const closers: (() => Promise<void> | void)[] = [];
  let store: SellerStore;
  let sellerPools: PoolLedger;
  let buyerPools: PoolLedger;
  let sellerLedger: FabricMarketLedger;
  let dir: string;

  const maskOf = (i: number): MaskKeyPair => {
    const k = masks[i];
    if (!k) throw new Error(`no mask key ${String(i)}`);
    return k;
  };

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    const issuerConnection: GatewayConnection = await connectAs(network, {
      org: 'auditor',
      user: 'User1',
    });
    closers.push(() => {
      issuerConnection.close();
    });
    const issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await ensureInitialized(issuer);
    const sellerConnections = new FabricConnections(network, 'seller');
    const buyerConnections = new FabricConnections(network, 'buyer');
    closers.push(
      () => sellerConnections.close(),
      () => buyerConnections.close(),
    );
    sellerPools = new PoolLedger(new FabricPoolCaller(sellerConnections));
    buyerPools = new PoolLedger(new FabricPoolCaller(buyerConnections));
    sellerLedger = new FabricMarketLedger(network, 'seller');
    closers.push(() => sellerLedger.close());
    const buyerAccount = await buyerPools.accountId(BUYER, CHANNEL);
    await issuer.submitTransaction('MintTo', buyerAccount, '100');
    dir = mkdtempSync(path.join(tmpdir(), 'datamarket-pool-net-'));
    store = await openSellerStore(path.join(dir, 'seller.sqlite'));
  });

  after(async () => {
    for (const close of closers.reverse()) await close();
    // Absent when the network did not come up.
    await (store as SellerStore | undefined)?.close();
    if ((dir as string | undefined) !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function formPool(): Promise<PoolSeatConfig[]> {
    const schemaHash = createHash('sha256').update(JSON.stringify(COLUMNS)).digest('hex');
    const seats = SELLERS.map((user, i) => ({
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
    await sellerPools.proposePool(SELLERS[0] ?? '', CHANNEL, {
      id: poolId,
      title: 'Penguins by island',
      columns: COLUMNS,
      price: '90',
      deposit: '10',
      maxRounds: 1,
      deliverWithin: 3600,
      partialsWithin: 3600,
      sharesWithin: 3600,
      leakageBound: 20,
      ckksPreset: 'n8192-d2',
      computationPolicy: { kind: 'any' },
      aggregation: { valueBound: 10_000, fractionalBits: 16 },
      splitRule: 'rows',
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

  async function computePartials(tradeId: string): Promise<string[]> {
    const t = await buyerPools.getPoolTrade(BUYER, CHANNEL, tradeId);
    const hashes: string[] = [];
    for (const seat of [0, 1, 2]) {
      const stored = await store.getBundle(CHANNEL, memberBundleId(tradeId, seat));
      if (!stored) throw new Error('no bundle');
      expect(sha256Hex(stored.bytes)).to.equal(t.members[seat]?.bundleHash);
      const bundle = await loadBundle(stored.bytes);
      const sums = bundle.table.sum(0);
      const partial = serializeResult({ sums });
      sums.dispose();
      bundle.dispose();
      const id = memberPartialId(tradeId, 1, seat);
      await store.putResult({
        channel: CHANNEL,
        tradeId: id,
        bytes: partial.bytes,
        sha256: partial.sha256,
      });
      hashes.push(partial.sha256);
    }
    return hashes;
  }

  it('the buyer gets the joint sums from masked shares; the last share settles by rows', async () => {
    const seats = await formPool();
    const pump = new PoolMemberPump({
      pools: sellerPools,
      store,
      sealer: new Sealer('pool network test store secret'),
      crypto: await engineSellerCrypto(),
      now: () => Date.now(),
      log: (line) => {
        console.log(`      [pool pump] ${line}`);
      },
      events: sellerLedger,
      seats,
      resumeDelayMs: 200,
    });
    // Read the chain from its start (the checkpoint store is fresh); only this pool matters.
    pump.start();
    closers.push(() => pump.stop());
    const resultKeys = generateResultKeyPair();
    const { tradeId } = await buyerPools.purchasePool(BUYER, CHANNEL, {
      poolId,
      buyerResultKey: resultKeys.publicKeyPem,
      rounds: 1,
      price: '90',
      deposit: '10',
    });
    const trade = () => buyerPools.getPoolTrade(BUYER, CHANNEL, tradeId);
    await until(async () => (await trade()).state === 'COMPUTING', 'every bundle delivered');
    const partialHashes = await computePartials(tradeId);
    await buyerPools.submitPartials(BUYER, CHANNEL, tradeId, {
      round: 1,
      valueCount: 2,
      partialHashes,
    });
    await until(async () => (await trade()).state === 'SETTLED', 'the last share to settle');

    const settled: PoolTrade = await trade();
    const shares = await buyerPools.getPoolShares(BUYER, CHANNEL, tradeId, 1);
    const joint = aggregateRound(shares, settled, 1, resultKeys.privateKeyPem).get(7) ?? [];
    const union = DATA.flat();
    const plain = [0, 1].map((j) => union.reduce((acc, r) => acc + (r[j] ?? 0), 0));
    expect(joint[0]).to.be.closeTo(plain[0] ?? 0, 0.5);
    expect(joint[1]).to.be.closeTo(plain[1] ?? 0, 0.5);
    expect((joint[1] ?? 0) / union.length).to.be.closeTo((plain[1] ?? 0) / union.length, 1e-2);

    // What the buyer holds: shares that each decode to noise, not to the seller's partial.
    const encoding = {
      ring: chooseRing({ ...settled.terms.aggregation, members: 3 }),
      ...settled.terms.aggregation,
    };
    for (const share of shares) {
      const payload = openShare(share, settled, resultKeys.privateKeyPem);
      const [first] = payload.aggregates;
      const [value] = decodeShare(Buffer.from(first?.share ?? '', 'base64'), encoding.ring, 10);
      const own = (DATA[share.member] ?? []).reduce((acc, r) => acc + (r[0] ?? 0), 0);
      expect(Math.abs(decode(value ?? 0n, encoding) - own)).to.be.greaterThan(1000);
    }

    expect(settled.members.map((m) => m.paid)).to.deep.equal(['41', '30', '19']);
    const audit = await sellerLedger.auditSupply(SELLERS[1] ?? '', CHANNEL);
    expect(audit.balanced, JSON.stringify(audit)).to.equal(true);
  });
});
