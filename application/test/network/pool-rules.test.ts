/**
 * Pools' split rules, deadlines and outsiders on the real network, through the apps' routes
 * (docs/pools.md). Three seller users of the seller org hold the seats. Pass-through engine
 * (e2e-support's plainTestCrypto) where only the ledger's rule is under test; real CKKS for
 * shapley-f1, whose coalition aggregates the buyer reads before it scores them.
 *
 * - stake, rows and shapley-f1 each pay exactly by their rule (remainder included), the
 *   buyer's deposit comes back and the supply audit stays balanced;
 * - a member whose app goes down misses its share deadline: the whole trade is refunded;
 * - a non-member can neither deliver a bundle nor read a trade's shares or partials.
 */
import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import type { Pool, PoolTrade } from '@datamarket/chaincode/api';
import { loadBundle, serializeResult } from '../../src/ckks/index.js';
import { connectAs, retryWhileEndorsersSettle } from '../../src/fabric/index.js';
import { generateResultKeyPair } from '../../src/gateway/crypto/result-envelope.js';
import type { Role } from '../../src/gateway/config.js';
import { Sealer } from '../../src/gateway/crypto/sealing.js';
import { labels } from '../../src/gateway/key-labels.js';
import { FabricConnections } from '../../src/gateway/ledger/fabric-connections.js';
import { openShare } from '../../src/gateway/pools/buyer.js';
import { FabricPoolCaller } from '../../src/gateway/pools/fabric-pool-caller.js';
import { PoolLedger } from '../../src/gateway/pools/pool-ledger.js';
import type { StartOptions } from '../../src/gateway/server.js';
import {
  closeAll,
  gatewayConfig,
  initialized,
  plainTestCrypto,
  startApp,
  type AppHandle,
} from './e2e-support.js';
import {
  AGGREGATE,
  balanceOf,
  BUNDLE,
  call,
  ch,
  CHANNEL,
  expectSupplyBalanced,
  formPool,
  joinPool,
  proposePool,
  refusal,
  pastDeadline,
  PARTIAL,
  passThrough,
  plainPartial,
  PoolBuyer,
  poolProposal,
  TRADE,
  type SeatPlan,
} from './pool-market.js';
import { testNetwork, ensureTestNetwork } from './test-network-fixture.js';

const SELLERS = ['Admin', 'User1', 'User2'];
const COLUMNS = ['x', 'y'];
const rowsOf = (count: number, seed: number) =>
  Array.from({ length: count }, (_, i) => [seed * 10 + i, 100 + ((i * 7) % 5)]);

describe('pools on the real network: split rules, a missed deadline and outsiders, through the apps', function () {
  this.timeout(900_000);
  const suffix = randomUUID().slice(0, 8);
  /** Pass-through seller app (Admin, User1, User2), CKKS seller app, and User2's own app. */
  let plain: AppHandle;
  let ckks: AppHandle;
  let lone: AppHandle;
  let buyerApp: AppHandle;
  let auditor: AppHandle;
  let buyer: PoolBuyer;
  let sellerPools: PoolLedger;
  let outsiderPools: PoolLedger;
  let rowsTradeId = '';
  const closers: (() => unknown)[] = [];

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    const issuerConnection = await connectAs(network, { org: 'auditor', user: 'User1' });
    closers.push(() => {
      issuerConnection.close();
    });
    const issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(issuer);
    /** An app of org `org` in the role of the same name; closed after the suite. */
    const app = async (org: Role, users: string[], options: StartOptions = {}) => {
      const { config, tokens } = gatewayConfig(testNetwork.runDir, org, [org], [CHANNEL], users);
      const started = await startApp(config, tokens, options);
      closers.push(() => started.gateway.close());
      return started;
    };
    plain = await app('seller', SELLERS, { crypto: plainTestCrypto });
    ckks = await app('seller', SELLERS);
    lone = await app('seller', ['User2'], { crypto: plainTestCrypto });
    // User2 of the buyer org is the outsider: an identity on the channel in no pool.
    buyerApp = await app('buyer', ['User1', 'User2']);
    auditor = await app('auditor', ['User1']);
    buyer = new PoolBuyer(buyerApp);
    /** The contract's pool functions as an org's users call them directly. */
    const contractOf = (org: string) => {
      const connections = new FabricConnections(network, org);
      closers.push(() => connections.close());
      return new PoolLedger(new FabricPoolCaller(connections));
    };
    sellerPools = contractOf('seller');
    outsiderPools = contractOf('buyer');
    const buyerAccount = await outsiderPools.accountId('User1', CHANNEL);
    await retryWhileEndorsersSettle(() => issuer.submitTransaction('MintTo', buyerAccount, '600'));
  });

  after(async () => {
    await closeAll(...closers);
  });

  const seats = (app: AppHandle, counts: number[], stakes: string[] = []): SeatPlan[] =>
    SELLERS.map((user, i) => ({
      user,
      app,
      rows: rowsOf(counts[i] ?? 1, i),
      ...(stakes[i] === undefined ? {} : { stake: stakes[i] }),
    }));

  /** Every party's balance, to compare before and after a trade. */
  const balances = async () => ({
    buyer: await balanceOf(buyerApp, 'User1'),
    members: await Promise.all(SELLERS.map((user) => balanceOf(plain, user))),
  });

  /** A one-round pass-through trade: each seat's partial is [seat, its rows] (no CKKS). */
  async function passThroughTrade(pool: Pool, apps: AppHandle[]): Promise<string> {
    const tradeId = await buyer.buy(pool);
    await buyer.untilTrade(tradeId, (t) => t.state === 'COMPUTING', 'every bundle');
    await buyer.round(tradeId, 1, apps, passThrough);
    return tradeId;
  }

  /** A settled trade: each member got `parts` (summing to the price), the buyer paid the price only. */
  async function expectPaid(
    tradeId: string,
    before: Awaited<ReturnType<typeof balances>>,
    price: bigint,
    parts: string[],
  ) {
    const settled = await buyer.trade(tradeId);
    expect(settled.state).to.equal('SETTLED');
    expect(settled.members.map((m) => m.paid)).to.deep.equal(parts);
    expect(parts.reduce((a, p) => a + BigInt(p), 0n)).to.equal(price);
    expect(settled.paidToMembers).to.equal(String(price));
    const after = await balances();
    // The buyer paid the price only (the deposit came back); each member got its part.
    expect(before.buyer - after.buyer).to.equal(price);
    expect(after.members.map((b, i) => String(b - (before.members[i] ?? 0n)))).to.deep.equal(parts);
    await expectSupplyBalanced(auditor);
  }

  it('stake: each member signs its own fixed weight; 37 tokens by 5:3:2 pay 19, 11, 7', async () => {
    const plan = seats(plain, [3, 3, 3], ['5', '3', '2']);
    const proposal = poolProposal(`stake-${suffix}`, COLUMNS, 3, {
      price: '37',
      splitRule: 'stake',
      stakes: ['5', '3', '2'],
    });
    await proposePool(proposal, plan);
    // A member cannot sign for a stake other than the one the proposal fixed for its seat.
    const [lead, second, third] = plan;
    if (!lead || !second || !third) throw new Error('three seats');
    expect((await joinPool(lead, proposal.id, 0)).status).to.equal(200);
    const wrong = await joinPool(second, proposal.id, 1, '4');
    expect(wrong.status, JSON.stringify(wrong.body)).to.equal(400);
    expect(JSON.stringify(wrong.body)).to.match(/stake 4 is not the 3 the proposal fixed/);
    expect((await joinPool(second, proposal.id, 1)).status).to.equal(200);
    const ready = await joinPool(third, proposal.id, 2);
    expect(ready.status).to.equal(200);
    expect(ready.body.pool.state).to.equal('READY');

    const before = await balances();
    const tradeId = await passThroughTrade(ready.body.pool, [plain, plain, plain]);
    await buyer.untilTrade(tradeId, (t) => t.state === 'SETTLED', 'the last share');
    // 37·5/10 = 18.5, 37·3/10 = 11.1, 37·2/10 = 7.4: floors 18 + 11 + 7 = 36; the one token
    // left goes to the largest dropped fraction (5 > 4 > 1 tenths): seat 0.
    await expectPaid(tradeId, before, 37n, ['19', '11', '7']);
    expect((await buyer.trade(tradeId)).members.map((m) => m.stake)).to.deep.equal(['5', '3', '2']);
  });

  it('rows: 40 tokens over 2, 7 and 4 rows pay 6, 22, 12 (the remainder to the largest fraction)', async () => {
    const pool = await formPool(
      poolProposal(`rows-${suffix}`, COLUMNS, 3, { price: '40' }),
      seats(plain, [2, 7, 4]),
    );
    expect(pool.seats.map((s) => s.member?.rowCount)).to.deep.equal([2, 7, 4]);
    const before = await balances();
    rowsTradeId = await passThroughTrade(pool, [plain, plain, plain]);
    await buyer.untilTrade(rowsTradeId, (t) => t.state === 'SETTLED', 'the last share');
    // 40·2/13 = 6.15, 40·7/13 = 21.54, 40·4/13 = 12.31: floors 6 + 21 + 12 = 39; dropped
    // fractions 2/13, 7/13, 4/13: the token left goes to seat 1.
    await expectPaid(rowsTradeId, before, 40n, ['6', '22', '12']);
  });

  it('shapley-f1 (real CKKS): the buyer reads all 7 coalitions, submits known F1 scores, and the split is the hand-worked Shapley value', async () => {
    const counts = [5, 4, 3];
    const plan = seats(ckks, counts);
    const pool = await formPool(
      poolProposal(`shapley-${suffix}`, COLUMNS, 3, { price: '100', splitRule: 'shapley-f1' }),
      plan,
    );
    expect(pool.disclosure).to.equal('aggregate-and-coalition-aggregates');
    const before = await balances();
    const tradeId = await buyer.buy(pool);
    await buyer.untilTrade(tradeId, (t) => t.state === 'COMPUTING', 'every bundle');
    await buyer.round(tradeId, 1, [ckks, ckks, ckks], async (bytes) => {
      const bundle = await loadBundle(bytes);
      const sums = bundle.table.sum(0);
      const partial = serializeResult({ sums });
      sums.dispose();
      bundle.dispose();
      return { bytes: partial.bytes, valueCount: partial.valueCount };
    });
    const scoring = await buyer.untilTrade(tradeId, (t) => t.state === 'SCORING', 'every share');
    expect(scoring.leakageUsed).to.equal(2 * 7);

    // Every coalition's aggregate (bit i = seat i) is the sum of its members' column sums.
    const aggregate = await buyer.aggregate(tradeId, 1);
    const columnSums = plan.map((seat) =>
      [0, 1].map((j) => seat.rows.reduce((acc, r) => acc + (r[j] ?? 0), 0)),
    );
    const plainOf = (coalition: number) =>
      [0, 1].map((j) =>
        columnSums.reduce(
          (acc, sums, seat) => acc + (coalition & (1 << seat) ? (sums[j] ?? 0) : 0),
          0,
        ),
      );
    const byCoalition = new Map(aggregate.coalitions.map((c) => [c.coalition, c.values]));
    byCoalition.set(7, aggregate.values);
    expect([...byCoalition.keys()].sort()).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    for (const [coalition, values] of byCoalition) {
      for (const [j, expected] of plainOf(coalition).entries()) {
        expect(values[j], `coalition ${String(coalition)}, column ${String(j)}`).to.be.closeTo(
          expected,
          0.5,
        );
      }
    }

    // Known F1 scores, indexed by coalition bitmask − 1:
    //   v{0} = .50, v{1} = .40, v{0,1} = .70, v{2} = .20, v{0,2} = .60, v{1,2} = .55, v{0,1,2} = .80
    // Shapley, n = 3: φi = Σ_{S ⊆ N∖{i}} |S|!(2 − |S|)!/3! · (v(S ∪ {i}) − v(S)), weights 2/6
    // for |S| = 0, 1/6 for |S| = 1, 2/6 for |S| = 2:
    //   φ0 = [2·.50 + (.70 − .40) + (.60 − .20) + 2·(.80 − .55)]/6 = (1.00 + .30 + .40 + .50)/6 = 2.20/6
    //   φ1 = [2·.40 + (.70 − .50) + (.55 − .20) + 2·(.80 − .60)]/6 = (.80 + .20 + .35 + .40)/6 = 1.75/6
    //   φ2 = [2·.20 + (.60 − .50) + (.55 − .40) + 2·(.80 − .70)]/6 = (.40 + .10 + .15 + .20)/6 = .85/6
    // Σφ = 4.80/6 = .80 = v(N). The contract keeps 3!·φ in micro-F1: 2 200 000, 1 750 000,
    // 850 000. Normalised: 2.20/4.80, 1.75/4.80, .85/4.80 of 100 tokens = 45.83, 36.46, 17.71:
    // floors 45 + 36 + 17 = 98; the 2 tokens left go to the largest dropped fractions,
    // 4.00/4.80 (seat 0) and 3.40/4.80 (seat 2) over 2.20/4.80 (seat 1): 46, 36, 18.
    const scores = ['0.5', '0.4', '0.7', '0.2', '0.6', '0.55', '0.8'];
    const scoresPath = `${TRADE}/scores`;
    const outsider = await call(
      buyerApp,
      'POST',
      scoresPath,
      { ...ch, tradeId },
      {
        user: 'User2',
        json: { scores },
      },
    );
    expect(outsider.status).to.equal(403);
    expect(
      (await refusal(outsiderPools.submitScores('User2', CHANNEL, tradeId, scores))).code,
    ).to.equal('FORBIDDEN');
    const settled = await call<{ shapleyWeights: string[] }>(
      buyerApp,
      'POST',
      scoresPath,
      { ...ch, tradeId },
      {
        json: { scores },
      },
    );
    expect(settled.status, JSON.stringify(settled.body)).to.equal(200);
    expect(settled.body.shapleyWeights).to.deep.equal(['2200000', '1750000', '850000']);
    await expectPaid(tradeId, before, 100n, ['46', '36', '18']);
  });

  let latePool: Pool | undefined;

  it('a member whose app goes down misses its share deadline: the whole trade is refunded, to the token', async () => {
    const plan = seats(plain, [3, 3, 3]).map((seat, i) =>
      i === 2 ? { ...seat, app: lone } : seat,
    );
    latePool = await formPool(
      poolProposal(`late-${suffix}`, COLUMNS, 3, { sharesWithin: 30 }),
      plan,
    );
    const before = await balances();
    const tradeId = await buyer.buy(latePool);
    await buyer.untilTrade(tradeId, (t) => t.state === 'COMPUTING', 'every bundle');
    const partials = await buyer.uploadPartials(tradeId, 1, [plain, plain, lone], passThrough);
    // User2's app stops with its partial uploaded: it will never share.
    await lone.gateway.close();
    const sharing = await buyer.submitPartials(tradeId, 1, partials);
    const early = await call(buyerApp, 'POST', `${TRADE}/refund`, { ...ch, tradeId });
    expect(early.status, JSON.stringify(early.body)).to.equal(409);
    expect(JSON.stringify(early.body)).to.match(/has not passed yet/);
    const waiting = await buyer.untilTrade(
      tradeId,
      (t) => t.members[0]?.sharedRound === 1 && t.members[1]?.sharedRound === 1,
      'the running members’ shares',
    );
    expect([waiting.state, waiting.members[2]?.sharedRound]).to.deep.equal(['SHARING', 0]);

    await pastDeadline(sharing.sharesBy);
    const digest = createHash('sha256').update('late').digest('hex');
    const late = await refusal(
      sellerPools.submitShare(
        'User2',
        CHANNEL,
        tradeId,
        1,
        Buffer.from('late').toString('base64'),
        digest,
      ),
    );
    expect(late.code).to.equal('DEADLINE');
    const refunded = await call<PoolTrade>(buyerApp, 'POST', `${TRADE}/refund`, { ...ch, tradeId });
    expect(refunded.status, JSON.stringify(refunded.body)).to.equal(200);
    expect(refunded.body).to.deep.include({
      state: 'REFUNDED',
      closeBasis: 'SHARE_DEADLINE_MISSED',
      paidToMembers: '0',
      paidToBuyer: '40',
    });
    // Members who did their part are paid nothing either (all-or-nothing).
    expect(refunded.body.members.map((m) => m.paid)).to.deep.equal(['0', '0', '0']);
    expect(await balances()).to.deep.equal(before);
    await expectSupplyBalanced(auditor);
  });

  it('a non-member can neither deliver a bundle nor read a trade’s shares or partials', async () => {
    if (!latePool || rowsTradeId === '') throw new Error('the earlier tests did not run');
    // A trade held in PAID: User2's app is down, the other two members delivered.
    const tradeId = await buyer.buy(latePool);
    const paid = await buyer.untilTrade(
      tradeId,
      (t) => t.members[0]?.bundleHash !== null && t.members[1]?.bundleHash !== null,
      'two bundles',
    );
    expect(paid.state).to.equal('PAID');
    const digest = createHash('sha256').update('not a bundle').digest('hex');
    expect(
      (await refusal(outsiderPools.deliverBundle('User2', CHANNEL, tradeId, digest, 12))).code,
    ).to.equal('FORBIDDEN');
    const bundleOf = (seat: string, appUrl: string, user = 'User1') =>
      call(buyerApp, 'GET', BUNDLE, { ...ch, tradeId, seat }, { user, query: { appUrl } });
    // Another user of the buyer's app is not the trade's buyer.
    expect((await bundleOf('0', plain.url, 'User2')).status).to.equal(403);
    // A seller-org app that holds no seat of the pool has no bundle to give.
    expect((await bundleOf('0', ckks.url)).status).to.equal(404);
    // An app its org never registered is not called at all.
    const unregistered = await bundleOf('0', buyerApp.url);
    expect(unregistered.status).to.equal(502);
    expect(JSON.stringify(unregistered.body)).to.match(/SELLER_APP_UNREGISTERED/);
    expect((await bundleOf('2', lone.url)).status).to.equal(409);
    const withdrawn = await call<PoolTrade>(buyerApp, 'POST', `${TRADE}/refund`, {
      ...ch,
      tradeId,
    });
    expect(withdrawn.body).to.deep.include({ state: 'REFUNDED', closeBasis: 'BUYER_WITHDREW' });

    // The settled rows trade: its aggregate, and uploading partials, are the buyer's only.
    const rows = { ...ch, tradeId: rowsTradeId, round: '1' };
    expect((await call(buyerApp, 'GET', AGGREGATE, rows, { user: 'User2' })).status).to.equal(403);
    const upload = await call(
      buyerApp,
      'PUT',
      PARTIAL,
      { ...rows, seat: '0' },
      {
        user: 'User2',
        query: { appUrl: plain.url },
        raw: plainPartial([1, 2]).bytes,
      },
    );
    expect(upload.status).to.equal(403);
    // The chaincode refuses the outsider the shares; the buyer reads them, and they are
    // ciphertext to its result key: a key of anyone else's does not open one.
    expect(
      (await refusal(outsiderPools.getPoolShares('User2', CHANNEL, rowsTradeId, 1))).code,
    ).to.equal('FORBIDDEN');
    const shares = await outsiderPools.getPoolShares('User1', CHANNEL, rowsTradeId, 1);
    expect(shares).to.have.length(3);
    const trade = await buyer.trade(rowsTradeId);
    const outsiderKey = generateResultKeyPair().privateKeyPem;
    const sealed = await buyerApp.gateway.store.getBuyerKey(CHANNEL, rowsTradeId);
    const buyerKey = new Sealer(buyerApp.gateway.config.storeSecret)
      .open(sealed?.sealedPrivateKey ?? new Uint8Array(), labels.buyerKey(CHANNEL, rowsTradeId))
      .toString();
    for (const share of shares) {
      expect(() => openShare(share, trade, outsiderKey)).to.throw();
      expect(openShare(share, trade, buyerKey).seat).to.equal(share.member);
    }
    await expectSupplyBalanced(auditor);
  });
});
