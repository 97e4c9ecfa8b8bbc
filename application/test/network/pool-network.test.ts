/**
 * Pools on the real network, through the apps' routes. A three-seller pool of three seller
 * ORGS: the seller org and two orgs the set-up adds with `network.sh addOrg` (each its own CA,
 * peer and MSP), each with its own seller app that registers its URL on chain. Each org's
 * member proposes or joins through its own app (which makes and seals the seat's X25519 mask
 * key, registered on chain by JoinPool), the buyer buys through its app, each member app's
 * pool pump delivers its own bundle under fresh CKKS keys, the buyer's app fetches each bundle
 * from that member's org's registered app and uploads each partial there (signed app-to-app
 * calls), each member decrypts its own partial, masks it and submits its share; the last share
 * settles the trade by rows. The joint mean equals plain arithmetic on the union of the rows, and the
 * buyer's view holds masked shares only. A second pool runs five epochs of joint logistic
 * regression, one per round, and matches plain training on the union. The added orgs are
 * removed again at the end (pool-orgs-fixture.ts).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Pool, PoolTrade } from '@datamarket/chaincode/api';
import { chooseRing, decode, decodeShare } from '../../src/aggregation/index.js';
import { loadBundle, serializeResult, type EncryptedTable } from '../../src/ckks/index.js';
import { accuracy, sigmoid3, trainLogistic } from '../../src/demo/plain.js';
import {
  connectAs,
  retryWhileEndorsersSettle,
  type GatewayConnection,
} from '../../src/fabric/index.js';
import { Sealer } from '../../src/gateway/crypto/sealing.js';
import { labels } from '../../src/gateway/key-labels.js';
import { openShare } from '../../src/gateway/pools/buyer.js';
import { FabricPoolCaller } from '../../src/gateway/pools/fabric-pool-caller.js';
import { PoolLedger } from '../../src/gateway/pools/pool-ledger.js';
import { FabricConnections } from '../../src/gateway/ledger/fabric-connections.js';
import {
  EPOCHS,
  gradientSums,
  LEARNING_RATE,
  LR_COLUMNS,
  LR_DATA,
  W0,
} from '../unit/aggregation/pool-lr-model.js';
import {
  closeAll,
  gatewayConfig,
  present,
  startApp,
  type AppHandle,
  waitFor,
} from './e2e-support.js';
import { call } from './retrying-call.js';
import {
  addSellerOrgs,
  CO_SELLER_ORGS,
  removeSellerOrgs,
  startSellerApp,
} from './pool-orgs-fixture.js';
import { ensureInitialized, ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const CHANNEL = 'market';
/** The three seller orgs, one member each (its User1); Admin registers the org's app. */
const ORGS = ['seller', ...CO_SELLER_ORGS];
const MEMBER = 'User1';
const BUYER = 'User1';
const COLUMNS = ['bill_length_mm', 'flipper_length_mm'];
const ch = { channel: CHANNEL };
const POOLS = '/api/channels/{channel}/pools';
const TRADE = '/api/channels/{channel}/pool-trades/{tradeId}';

function rows(seed: number, count: number): number[][] {
  return Array.from({ length: count }, (_, i) => [
    35 + seed * 4 + ((i * 7) % 11) / 2,
    180 + seed * 9 + ((i * 5) % 13),
  ]);
}
const DATA = [rows(0, 30), rows(1, 22), rows(2, 14)];

describe('pools on the real network: three seller orgs in one pool, each through its own app', function () {
  this.timeout(900_000);
  const poolId = `islands-${randomUUID().slice(0, 8)}`;
  const lrPoolId = `lr-${randomUUID().slice(0, 8)}`;
  /** Each org's seller app, in ORGS order (seat i is ORGS[i]'s member). */
  let sellers: AppHandle[] = [];
  let mspIds: string[] = [];
  let buyer: AppHandle;
  let issuerConnection: GatewayConnection | undefined;
  let auditPools: PoolLedger;
  let closeConnections: (() => Promise<void>) | undefined;

  before(async () => {
    await ensureTestNetwork();
    const addingOrgs = Date.now();
    await addSellerOrgs(CO_SELLER_ORGS, CHANNEL);
    console.log(
      `      added ${CO_SELLER_ORGS.join(', ')} in ${((Date.now() - addingOrgs) / 1000).toFixed(1)} s`,
    );
    const network = await testNetwork.describe();
    mspIds = ORGS.map((org) => network.orgs[org]?.mspId ?? '');
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'User1' });
    const issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await ensureInitialized(issuer);
    const runDir = testNetwork.runDir;
    // Flooding at 10 bits of statistical security: the depth-4 preset's noise at the default
    // would drown one epoch's gradient sums (a seller's release policy).
    for (const org of ORGS) {
      const app = await startSellerApp(
        org,
        CHANNEL,
        ['Admin', MEMBER],
        { releaseSecurityBits: 10 },
        {
          log: (line) => {
            console.log(`      [${org} app] ${line}`);
          },
        },
      );
      sellers.push(app);
    }
    const b = gatewayConfig(runDir, 'buyer', ['buyer'], [CHANNEL], [BUYER]);
    buyer = await startApp(b.config, b.tokens);
    const auditorConnections = new FabricConnections(network, 'auditor');
    const buyerConnections = new FabricConnections(network, 'buyer');
    closeConnections = async () => {
      await auditorConnections.close();
      await buyerConnections.close();
    };
    auditPools = new PoolLedger(new FabricPoolCaller(auditorConnections));
    const buyerAccount = await new PoolLedger(new FabricPoolCaller(buyerConnections)).accountId(
      BUYER,
      CHANNEL,
    );
    // An earlier spec stops and restarts a peer: discovery may still be settling.
    await retryWhileEndorsersSettle(() => issuer.submitTransaction('MintTo', buyerAccount, '300'));
    await formPool(poolId, COLUMNS, DATA, {
      price: '90',
      maxRounds: 1,
      leakageBound: 20,
      ckksPreset: 'n8192-d2',
      valueBound: 10_000,
    });
    await formPool(lrPoolId, LR_COLUMNS, LR_DATA, {
      price: '20',
      maxRounds: EPOCHS,
      leakageBound: 3 * EPOCHS,
      ckksPreset: 'n8192-d4',
      valueBound: 1000,
    });
  });

  after(async () => {
    await closeAll(
      ...sellers.map((app) => () => app.gateway.close()),
      () => buyer.gateway.close(),
      () => issuerConnection?.close(),
      () => closeConnections?.(),
    );
    sellers = [];
    await removeSellerOrgs(CO_SELLER_ORGS);
  });

  /**
   * Stores each org's rows in its own seller app; the seller org's member proposes (seat 0,
   * inviting one seat per added org), then each member joins through its own app.
   */
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
  ): Promise<void> {
    for (const [i, app] of sellers.entries()) {
      await app.gateway.store.putDataset({
        channel: CHANNEL,
        datasetId: `${id}-${String(i)}`,
        columns,
        rows: data[i] ?? [],
        owner: MEMBER,
      });
    }
    const [lead] = sellers;
    if (!lead) throw new Error('no seller app');
    const proposed = await call<Pool>(lead, 'POST', POOLS, ch, {
      user: MEMBER,
      json: {
        id,
        title: 'Three seller orgs, one pool',
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
        invites: mspIds.slice(1).map((msp) => ({ msp })),
      },
    });
    expect(proposed.status, JSON.stringify(proposed.body)).to.equal(201);
    for (const [i, app] of sellers.entries()) {
      const joined = await call(
        app,
        'POST',
        `${POOLS}/{poolId}/join`,
        { ...ch, poolId: id },
        {
          user: MEMBER,
          json: { datasetId: `${id}-${String(i)}` },
        },
      );
      expect(joined.status, JSON.stringify(joined.body)).to.equal(200);
    }
  }

  /** The seller app of the org whose member holds `seat` of a trade. */
  function appOf(trade: PoolTrade, seat: number): AppHandle {
    const msp = trade.members[seat]?.account.split('::')[0] ?? '';
    return present(sellers[mspIds.indexOf(msp)], `the app of seat ${String(seat)} (${msp})`);
  }

  const readTrade = async (tradeId: string) =>
    (await call<PoolTrade>(buyer, 'GET', TRADE, { ...ch, tradeId })).body;

  async function untilTrade(tradeId: string, accept: (t: PoolTrade) => boolean, what: string) {
    await waitFor(what, async () => (accept(await readTrade(tradeId)) ? true : undefined), 240_000);
    return readTrade(tradeId);
  }

  async function buy(id: string, rounds: number, price: string): Promise<string> {
    const bought = await call<PoolTrade>(
      buyer,
      'POST',
      `${POOLS}/{poolId}/trades`,
      {
        ...ch,
        poolId: id,
      },
      { json: { rounds, expectedPrice: price, expectedDeposit: '10' } },
    );
    expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
    await untilTrade(bought.body.tradeId, (t) => t.state === 'COMPUTING', 'every bundle');
    return bought.body.tradeId;
  }

  /**
   * One partial per seller: its bundle fetched from the seller app through the buyer's app,
   * `compute` run on it, the partial uploaded through the buyer's app; then SubmitPartials.
   */
  async function submitPartials(
    tradeId: string,
    round: number,
    compute: (table: EncryptedTable) => Record<string, EncryptedTable>,
  ): Promise<void> {
    const t = await readTrade(tradeId);
    const partialHashes: string[] = [];
    let valueCount = 0;
    for (const seat of t.members.keys()) {
      const appUrl = appOf(t, seat).url;
      const at = { ...ch, tradeId, seat: String(seat) };
      const fetched = await call(buyer, 'GET', `${TRADE}/seats/{seat}/bundle`, at, {
        query: { appUrl },
      });
      expect(fetched.status).to.equal(200);
      const bundle = await loadBundle(fetched.bytes ?? Buffer.alloc(0));
      const outputs = compute(bundle.table);
      const partial = serializeResult(outputs);
      for (const out of Object.values(outputs)) out.dispose();
      bundle.dispose();
      const uploaded = await call<{ sha256: string }>(
        buyer,
        'PUT',
        `${TRADE}/rounds/{round}/seats/{seat}/partial`,
        { ...at, round: String(round) },
        { query: { appUrl }, raw: partial.bytes },
      );
      expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(201);
      partialHashes.push(uploaded.body.sha256);
      valueCount = partial.valueCount;
    }
    const submitted = await call(
      buyer,
      'POST',
      `${TRADE}/rounds/{round}/partials`,
      {
        ...ch,
        tradeId,
        round: String(round),
      },
      { json: { valueCount, partialHashes } },
    );
    expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
  }

  const aggregateOf = async (tradeId: string, round: number) => {
    const reply = await call<{ values: number[] }>(
      buyer,
      'GET',
      `${TRADE}/rounds/{round}/aggregate`,
      {
        ...ch,
        tradeId,
        round: String(round),
      },
    );
    expect(reply.status, JSON.stringify(reply.body)).to.equal(200);
    return reply.body.values;
  };

  it('each seat is a member of its own org, with its own registered app and mask key', async () => {
    const pool = (await call<Pool>(buyer, 'GET', `${POOLS}/{poolId}`, { ...ch, poolId })).body;
    const members = pool.seats.map((s) => present(s.member, 'a member in every seat'));
    expect(members.map((m) => m.account.split('::')[0])).to.deep.equal(mspIds);
    expect(new Set(members.map((m) => m.maskPublicKey)).size).to.equal(3);
    for (const [i, msp] of mspIds.entries()) {
      const url = present(sellers[i], 'an app per org').url;
      const registered = await buyer.gateway.ledger.getOrgApp(BUYER, CHANNEL, msp, url);
      expect(registered.url).to.equal(new URL(url).href);
    }
  });

  it('the buyer gets the joint sums from masked shares; the last share settles by rows', async () => {
    const tradeId = await buy(poolId, 1, '90');
    // A member's bundle comes only from an app its own org registered: not from another org's.
    const fromOtherOrg = await call(
      buyer,
      'GET',
      `${TRADE}/seats/{seat}/bundle`,
      { ...ch, tradeId, seat: '1' },
      { query: { appUrl: present(sellers[0], 'the seller org app').url } },
    );
    expect(fromOtherOrg.status).to.equal(502);
    expect(fromOtherOrg.body).to.include({ code: 'SELLER_APP_UNREGISTERED' });
    await submitPartials(tradeId, 1, (table) => ({ sums: table.sum(0) }));
    const settled = await untilTrade(tradeId, (t) => t.state === 'SETTLED', 'the last share');
    const joint = await aggregateOf(tradeId, 1);
    const union = DATA.flat();
    const plain = [0, 1].map((j) => union.reduce((acc, r) => acc + (r[j] ?? 0), 0));
    expect(joint[0]).to.be.closeTo(plain[0] ?? 0, 0.5);
    expect(joint[1]).to.be.closeTo(plain[1] ?? 0, 0.5);
    expect((joint[1] ?? 0) / union.length).to.be.closeTo((plain[1] ?? 0) / union.length, 1e-2);

    // What the buyer holds: shares that each decode to noise, not to the seller's partial.
    const key = await buyer.gateway.store.getBuyerKey(CHANNEL, tradeId);
    const privateKeyPem = new Sealer(buyer.gateway.config.storeSecret)
      .open(key?.sealedPrivateKey ?? new Uint8Array(), labels.buyerKey(CHANNEL, tradeId))
      .toString();
    const shares = await auditPools.getPoolShares('User1', CHANNEL, tradeId, 1);
    const encoding = {
      ring: chooseRing({ ...settled.terms.aggregation, members: 3 }),
      ...settled.terms.aggregation,
    };
    for (const share of shares) {
      const payload = openShare(share, settled, privateKeyPem);
      const [first] = payload.aggregates;
      const [value] = decodeShare(Buffer.from(first?.share ?? '', 'base64'), encoding.ring, 10);
      const own = (DATA[share.member] ?? []).reduce((acc, r) => acc + (r[0] ?? 0), 0);
      expect(Math.abs(decode(value ?? 0n, encoding) - own)).to.be.greaterThan(1000);
    }

    expect(settled.members.map((m) => m.paid)).to.deep.equal(['41', '30', '19']);
    const audit = await present(sellers[0], 'the seller org app').gateway.ledger.auditSupply(
      MEMBER,
      CHANNEL,
    );
    expect(audit.balanced, JSON.stringify(audit)).to.equal(true);
  });

  it(`${String(EPOCHS)} epochs of joint logistic regression match plain training on the union`, async () => {
    const tradeId = await buy(lrPoolId, EPOCHS, '20');
    const n = LR_DATA.reduce((acc, d) => acc + d.length, 0);
    let w = [W0, W0, 0];
    const started = Date.now();
    for (let round = 1; round <= EPOCHS; round += 1) {
      const current = w;
      await submitPartials(tradeId, round, (table) => gradientSums(table, current));
      await untilTrade(
        tradeId,
        (t) => t.round > round || t.state === 'SETTLED',
        `round ${String(round)}'s shares`,
      );
      const g = await aggregateOf(tradeId, round);
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
    const settled = await readTrade(tradeId);
    expect(settled).to.deep.include({
      state: 'SETTLED',
      paidToMembers: '100',
      leakageUsed: 3 * EPOCHS,
    });
    console.log(
      `      joint LR, 3 seller orgs, ${String(EPOCHS)} epochs in ${seconds.toFixed(1)} s (${(seconds / EPOCHS).toFixed(1)} s per epoch): accuracy ${accuracy(x, y, w).toFixed(3)}, plain on the union ${accuracy(x, y, plain).toFixed(3)}`,
    );
  });
});
