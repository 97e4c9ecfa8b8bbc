/**
 * Pools on the real network. A three-seller pool: three seller users of the seller org (orgs come
 * later) join a pool, the buyer purchases it, the sellers' pool pump (over fabric-gateway)
 * delivers each member's own bundle under fresh CKKS keys, the buyer sums each bundle's
 * columns on ciphertexts, each member decrypts its own partial, masks it and submits its share;
 * the last share settles the trade by rows. The buyer's joint mean equals plain arithmetic on
 * the union of the rows, and its view holds masked shares only. A second pool runs five epochs
 * of joint logistic regression, one per round, and matches plain training on the union.
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
import { loadBundle, serializeResult, type EncryptedTable } from '../../src/ckks/index.js';
import { accuracy, sigmoid3, trainLogistic } from '../../src/demo/plain.js';
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
import {
  EPOCHS,
  gradientSums,
  LEARNING_RATE,
  LR_COLUMNS,
  LR_DATA,
  W0,
} from '../unit/aggregation/pool-lr-model.js';
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

describe('pools on the real network: three seller users in one pool', function () {
  this.timeout(600_000);
  const poolId = `islands-${randomUUID().slice(0, 8)}`;
  const lrPoolId = `lr-${randomUUID().slice(0, 8)}`;
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
    await issuer.submitTransaction('MintTo', buyerAccount, '300');
    dir = mkdtempSync(path.join(tmpdir(), 'datamarket-pool-net-'));
    store = await openSellerStore(path.join(dir, 'seller.sqlite'));
    const seats = [
      ...(await formPool(poolId, COLUMNS, DATA, {
        price: '90',
        maxRounds: 1,
        leakageBound: 20,
        ckksPreset: 'n8192-d2',
        valueBound: 10_000,
      })),
      ...(await formPool(lrPoolId, LR_COLUMNS, LR_DATA, {
        price: '20',
        maxRounds: EPOCHS,
        leakageBound: 3 * EPOCHS,
        ckksPreset: 'n8192-d4',
        valueBound: 1000,
      })),
    ];
    const pump = new PoolMemberPump({
      pools: sellerPools,
      store,
      sealer: new Sealer('pool network test store secret'),
      // Flooding at 10 bits of statistical security: the depth-4 preset's noise at the default
      // would drown one epoch's gradient sums (a seller's release policy).
      crypto: await engineSellerCrypto({ statisticalSecurityBits: 10 }),
      now: () => Date.now(),
      log: (line) => {
        console.log(`      [pool pump] ${line}`);
      },
      events: sellerLedger,
      seats,
      resumeDelayMs: 200,
    });
    // The checkpoint store is fresh: the pump reads the chain from its start.
    pump.start();
    closers.push(() => pump.stop());
  });

  after(async () => {
    for (const close of closers.reverse()) await close();
    // Absent when the network did not come up.
    await (store as SellerStore | undefined)?.close();
    if ((dir as string | undefined) !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function formPool(
    id: string,
    columns: string[],
    data: number[][][],
    terms: {
      price: string;
      maxRounds: number;
      leakageBound: number;
      ckksPreset: string;
      valueBound: number;
    },
  ): Promise<PoolSeatConfig[]> {
    const schemaHash = createHash('sha256').update(JSON.stringify(columns)).digest('hex');
    const seats = SELLERS.map((user, i) => ({
      channel: CHANNEL,
      poolId: id,
      user,
      datasetId: `${id}-${String(i)}`,
      maskKeys: maskOf(i),
    }));
    for (const [i, seat] of seats.entries()) {
      await store.putDataset({
        channel: CHANNEL,
        datasetId: seat.datasetId,
        columns,
        rows: data[i] ?? [],
        owner: seat.user,
      });
    }
    await sellerPools.proposePool(SELLERS[0] ?? '', CHANNEL, {
      id,
      title: 'Three sellers, one pool',
      columns,
      price: terms.price,
      deposit: '10',
      maxRounds: terms.maxRounds,
      deliverWithin: 3600,
      partialsWithin: 3600,
      sharesWithin: 3600,
      leakageBound: terms.leakageBound,
      ckksPreset: terms.ckksPreset,
      computationPolicy: { kind: 'any' },
      aggregation: { valueBound: terms.valueBound, fractionalBits: 20 },
      splitRule: 'rows',
      invites: [{ msp: 'SellerMSP' }, { msp: 'SellerMSP' }],
    });
    for (const [i, user] of SELLERS.entries()) {
      await sellerPools.joinPool(user, CHANNEL, id, {
        rowCount: data[i]?.length ?? 0,
        schemaHash,
        maskPublicKey: maskOf(i).publicKey,
      });
    }
    return seats;
  }

  /** One partial per seller (`compute` on its bundle), uploaded, then SubmitPartials. */
  async function submitPartials(
    tradeId: string,
    round: number,
    compute: (table: EncryptedTable) => Record<string, EncryptedTable>,
  ): Promise<void> {
    const t = await buyerPools.getPoolTrade(BUYER, CHANNEL, tradeId);
    const partialHashes: string[] = [];
    let valueCount = 0;
    for (const seat of t.members.keys()) {
      const stored = await store.getBundle(CHANNEL, memberBundleId(tradeId, seat));
      if (!stored) throw new Error('no bundle');
      expect(sha256Hex(stored.bytes)).to.equal(t.members[seat]?.bundleHash);
      const bundle = await loadBundle(stored.bytes);
      const outputs = compute(bundle.table);
      const partial = serializeResult(outputs);
      for (const out of Object.values(outputs)) out.dispose();
      bundle.dispose();
      const id = memberPartialId(tradeId, round, seat);
      await store.putResult({
        channel: CHANNEL,
        tradeId: id,
        bytes: partial.bytes,
        sha256: partial.sha256,
      });
      partialHashes.push(partial.sha256);
      valueCount = partial.valueCount;
    }
    await buyerPools.submitPartials(BUYER, CHANNEL, tradeId, { round, valueCount, partialHashes });
  }

  async function buy(
    id: string,
    rounds: number,
    resultKey: string,
    price: string,
  ): Promise<string> {
    const { tradeId } = await buyerPools.purchasePool(BUYER, CHANNEL, {
      poolId: id,
      buyerResultKey: resultKey,
      rounds,
      price,
      deposit: '10',
    });
    await untilState(tradeId, 'COMPUTING');
    return tradeId;
  }

  async function untilState(tradeId: string, state: PoolTrade['state']): Promise<PoolTrade> {
    const read = () => buyerPools.getPoolTrade(BUYER, CHANNEL, tradeId);
    await until(async () => (await read()).state === state, `joint trade ${state}`);
    return read();
  }

  it('the buyer gets the joint sums from masked shares; the last share settles by rows', async () => {
    const resultKeys = generateResultKeyPair();
    const tradeId = await buy(poolId, 1, resultKeys.publicKeyPem, '90');
    const trade = () => buyerPools.getPoolTrade(BUYER, CHANNEL, tradeId);
    await submitPartials(tradeId, 1, (table) => ({ sums: table.sum(0) }));
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

  it(`${String(EPOCHS)} epochs of joint logistic regression match plain training on the union`, async () => {
    const keys = generateResultKeyPair();
    const tradeId = await buy(lrPoolId, EPOCHS, keys.publicKeyPem, '20');
    const n = LR_DATA.reduce((acc, d) => acc + d.length, 0);
    let w = [W0, W0, 0];
    const started = Date.now();
    for (let round = 1; round <= EPOCHS; round += 1) {
      const current = w;
      await submitPartials(tradeId, round, (table) => gradientSums(table, current));
      const t = await untilState(tradeId, round < EPOCHS ? 'COMPUTING' : 'SETTLED');
      const shares = await buyerPools.getPoolShares(BUYER, CHANNEL, tradeId, round);
      const g = aggregateRound(shares, t, round, keys.privateKeyPem).get(7) ?? [];
      w = w.map((wj, j) => wj - (LEARNING_RATE * (g[j] ?? 0)) / n);
    }
    const seconds = (Date.now() - started) / 1000;
    const union = LR_DATA.flat();
    const x = union.map((r) => [r[0] ?? 0, r[1] ?? 0]);
    const y = union.map((r) => r[2] ?? 0);
    const plain = trainLogistic(x, y, EPOCHS, LEARNING_RATE, sigmoid3, [W0, W0, 0]);
    for (const [j, v] of plain.entries())
      expect(w[j], `weight ${String(j)}`).to.be.closeTo(v, 0.05);
    expect(accuracy(x, y, w)).to.be.closeTo(accuracy(x, y, plain), 1 / n + 1e-9);
    const settled = await buyerPools.getPoolTrade(BUYER, CHANNEL, tradeId);
    expect(settled).to.deep.include({
      state: 'SETTLED',
      paidToMembers: '100',
      leakageUsed: 3 * EPOCHS,
    });
    console.log(
      `      joint LR, 3 sellers, ${String(EPOCHS)} epochs in ${seconds.toFixed(1)} s (${(seconds / EPOCHS).toFixed(1)} s per epoch): accuracy ${accuracy(x, y, w).toFixed(3)}, plain on the union ${accuracy(x, y, plain).toFixed(3)}`,
    );
  });
});
