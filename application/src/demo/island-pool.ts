/**
 * The demo's island pool (docs/pools.md): the Palmer penguins split by island (Biscoe, Dream,
 * Torgersen) as three seller orgs: Biscoe is the seller org, Dream and Torgersen join the
 * running network with `network.sh addOrg` (their own CA, peer and MSP). Each island runs its
 * own seller app, which registers its URL on chain (RegisterOrgApp, as the org's Admin) and
 * makes the seat's X25519 mask key that JoinPool registers. The pool is formed through the
 * apps' routes, and the buyer buys several epochs of joint encrypted logistic regression: each
 * round it computes the gradient sums on each island's bundle, fetched from that island's own
 * app, each island decrypts its own partial and sends a masked share, and the buyer learns only
 * their sum. The model is scored next to plain training on the union, and the escrow split by
 * rows is shown per org.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PoolProposal } from '@datamarket/chaincode/api';
import { DataMarketClient, PoolClient } from '../client/index.js';
import { keyValues, table } from '../cli/format.js';
import { loadBundle, serializeResult, SIGMOID_THESIS, type EncryptedTable } from '../ckks/index.js';
import { columnStats, standardizeWith } from '../data/standardize.js';
import type { TestNetwork } from '../fabric/index.js';
import { loadAddedOrgApp } from '../gateway/added-org-app.js';
import { newApiToken, tokenSha256Hex } from '../gateway/auth.js';
import { withDefaults, type GatewayConfig } from '../gateway/config.js';
import { startGateway, type RunningGateway } from '../gateway/server.js';
import { PENGUIN_FEATURES, PENGUIN_TARGET, penguinsFile } from './penguins.js';
import { accuracy, sigmoid3, trainLogistic } from './plain.js';

const ISLANDS = ['Biscoe', 'Dream', 'Torgersen'] as const;
/** Each island's org: the network's seller org, and two orgs the demo adds. */
const ORGS = ['seller', 'dream', 'torgersen'] as const;
/** Each org's member in the pool (its Admin registers the org's app). */
const MEMBER = 'User1';
/** Flooding at 10 bits: the depth-4 preset's noise at more would drown an island's gradient. */
const RELEASE_BITS = 10;
const EPOCHS = 5;
/**
 * Small enough that the weights keep every epoch's encrypted gradient within the depth-4
 * preset's headroom (the engine refuses a computation whose values could wrap; at rate 1 the
 * second epoch's Xᵀ(σ(Xw) − y) over an island's rows could).
 */
const LEARNING_RATE = 0.1;
const W0 = 0.01;
const COLUMNS = [...PENGUIN_FEATURES, PENGUIN_TARGET];

interface Penguin {
  Species: string;
  Island: string;
  'Beak Length (mm)'?: number | null;
  'Beak Depth (mm)'?: number | null;
  'Flipper Length (mm)'?: number | null;
  'Body Mass (g)'?: number | null;
  Sex: string | null;
}

/** Each island's rows, standardised with the scaling the pool's members agreed on (the union's). */
async function islandRows(): Promise<number[][][]> {
  const penguins = JSON.parse(await readFile(penguinsFile(), 'utf8')) as Penguin[];
  const byIsland = ISLANDS.map(() => [] as number[][]);
  for (const p of penguins) {
    const values = [
      p['Beak Length (mm)'],
      p['Beak Depth (mm)'],
      p['Flipper Length (mm)'],
      p['Body Mass (g)'],
    ];
    const island = ISLANDS.indexOf(p.Island as (typeof ISLANDS)[number]);
    if (island < 0 || !p.Sex || values.some((v) => v === null || v === undefined)) continue;
    byIsland[island]?.push([...(values as number[]), p.Species === 'Adelie' ? 1 : 0]);
  }
  const stats = columnStats(byIsland.flat().map((r) => r.slice(0, PENGUIN_FEATURES.length)));
  return byIsland.map((rows) => standardizeWith(rows, stats));
}

/** One island's partial for weights w (bias last): Xᵀ(σ(Xw + b) − y) and Σ(σ(Xw + b) − y). */
function gradientSums(table: EncryptedTable, w: number[]): Record<string, EncryptedTable> {
  const x = table.select([...PENGUIN_FEATURES]);
  const y = table.col(PENGUIN_TARGET);
  const linear = x.matmul(w.slice(0, PENGUIN_FEATURES.length));
  const bias = w[PENGUIN_FEATURES.length] ?? 0;
  const z = bias === 0 ? linear : linear.add(bias);
  const p = z.sigmoid(SIGMOID_THESIS);
  const r = p.sub(y);
  const gradient = x.t().matmul(r);
  const biasGradient = r.sum();
  for (const t of new Set([x, y, linear, z, p, r])) t.dispose();
  return { gradient, biasGradient };
}

export interface IslandPoolOptions {
  /** The running network; the islands' orgs Dream and Torgersen are added to it. */
  network: TestNetwork;
  channel: string;
  storeDir: string;
  buyer: DataMarketClient;
  step: (text: string) => void;
  progress: { update(message: string): void };
}

interface IslandApp {
  gateway: RunningGateway;
  /** The island's member, through its own org's app. */
  member: PoolClient;
}

/**
 * Dream and Torgersen join the network as orgs of their own (`network.sh addOrg`, one after
 * the other: each is a config update of the channel, signed by a majority of its admins).
 */
async function addIslandOrgs(network: TestNetwork, channel: string): Promise<void> {
  const present = (await network.describe()).orgs;
  for (const org of ORGS.filter((o) => present[o] === undefined)) {
    const started = performance.now();
    await network.addOrg(org, { channels: [channel] });
    console.log(`org ${org} added in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

/**
 * One island's seller app: the seller org's from a fresh config, an added org's from the
 * config and API tokens addOrg wrote for it. Each registers its URL on chain as its Admin.
 */
async function startIslandApp(
  options: IslandPoolOptions,
  org: (typeof ORGS)[number],
): Promise<IslandApp> {
  const { channel } = options;
  const extra: Partial<GatewayConfig> = { releaseSecurityBits: RELEASE_BITS, channels: [channel] };
  let config: GatewayConfig;
  let token: string;
  if (org === 'seller') {
    token = newApiToken();
    config = withDefaults({
      org,
      roles: ['seller'],
      networkRunDir: options.network.runDir,
      storePath: path.join(options.storeDir, 'biscoe-store.db'),
      storeSecret: newApiToken(),
      users: [{ user: MEMBER, tokenSha256: tokenSha256Hex(token) }],
      registerAppAs: 'Admin',
      ...extra,
      channels: [channel],
    });
  } else {
    const added = await loadAddedOrgApp(options.network.runDir, org, extra);
    config = added.config;
    const memberToken = added.tokens[MEMBER];
    if (memberToken === undefined) throw new Error(`addOrg wrote no API token for ${MEMBER}`);
    token = memberToken;
  }
  const gateway = await startGateway(config, {
    log: (line) => {
      console.log(`   [${org} pump] ${line}`);
    },
  });
  const member = new PoolClient(new DataMarketClient({ url: gateway.url, token, channel }));
  return { gateway, member };
}

/** Runs the island pool example; prints the model, its accuracy and the split per org. */
export async function islandPool(options: IslandPoolOptions): Promise<void> {
  const { channel, step, progress } = options;
  step(
    `the island pool: penguins split by island (${ISLANDS.join(', ')}) as three seller orgs, ${String(EPOCHS)} epochs of joint encrypted logistic regression`,
  );
  await addIslandOrgs(options.network, channel);
  const network = await options.network.describe();
  const mspIds = ORGS.map((org) => network.orgs[org]?.mspId ?? '');
  const apps: IslandApp[] = [];
  try {
    for (const org of ORGS) apps.push(await startIslandApp(options, org));
    console.log(
      table(
        ['island', 'org', 'MSP', 'seller app (registered on chain)'],
        apps.map((a, i) => [ISLANDS[i], ORGS[i], mspIds[i], a.gateway.url]),
      ),
    );
    const islands = apps.map((a) => a.member);
    const data = await islandRows();
    const poolId = `islands-${String(Date.now())}`;
    for (const [i, rows] of data.entries()) {
      await apps[i]?.gateway.store.putDataset({
        channel,
        datasetId: `${poolId}-${ISLANDS[i] ?? ''}`,
        columns: COLUMNS,
        rows,
        owner: MEMBER,
      });
    }
    const proposal: PoolProposal = {
      id: poolId,
      title: 'Palmer penguins, one island per seller org',
      columns: COLUMNS,
      price: '30',
      deposit: '10',
      maxRounds: EPOCHS,
      deliverWithin: 900,
      partialsWithin: 900,
      sharesWithin: 900,
      leakageBound: (PENGUIN_FEATURES.length + 1) * EPOCHS,
      ckksPreset: 'n8192-d4',
      computationPolicy: { kind: 'any' },
      aggregation: { valueBound: 10_000, fractionalBits: 20 },
      splitRule: 'rows',
      invites: mspIds.slice(1).map((msp) => ({ msp })),
    };
    const [lead] = islands;
    if (!lead) throw new Error('no lead');
    await lead.propose(proposal);
    for (const [i, island] of islands.entries()) {
      await island.join(poolId, `${poolId}-${ISLANDS[i] ?? ''}`);
    }
    const pool = await lead.pool(poolId);
    console.log(
      table(
        ['seat', 'island', 'member', 'rows', 'mask key (X25519, on chain)'],
        pool.seats.map((s, i) => [
          i,
          ISLANDS[i],
          `${/CN=([^/:]+)/.exec(s.member?.account ?? '')?.[1] ?? ''} of ${s.member?.account.split('::')[0] ?? ''}`,
          s.member?.rowCount,
          `${(s.member?.maskPublicKey ?? '').slice(0, 16)}…`,
        ]),
      ),
    );

    const buyer = new PoolClient(options.buyer);
    const bought = await buyer.buyPool(poolId, EPOCHS);
    console.log(
      `the buyer bought ${String(EPOCHS)} rounds: escrow ${bought.escrow} (${pool.price} × ${String(EPOCHS)} + ${pool.deposit} deposit)`,
    );
    const tradeId = bought.tradeId;
    await buyer.waitFor(tradeId, (t) => t.state === 'COMPUTING');
    const n = data.reduce((acc, rows) => acc + rows.length, 0);
    let w = [...PENGUIN_FEATURES.map(() => W0), 0];
    const started = performance.now();
    for (let round = 1; round <= EPOCHS; round += 1) {
      const epochStart = performance.now();
      const hashes: string[] = [];
      let valueCount = 0;
      for (const seat of ISLANDS.keys()) {
        progress.update(`epoch ${String(round)}: gradient on ${ISLANDS[seat] ?? ''}'s ciphertexts`);
        // Each island's bundle and partial go to its own org's registered app.
        const appUrl = apps[seat]?.gateway.url ?? '';
        const bundle = await loadBundle(await buyer.bundle(tradeId, seat, appUrl));
        const outputs = gradientSums(bundle.table, w);
        const partial = serializeResult(outputs);
        for (const out of Object.values(outputs)) out.dispose();
        bundle.dispose();
        hashes.push(await buyer.uploadPartial(tradeId, round, seat, partial.bytes, appUrl));
        valueCount = partial.valueCount;
      }
      await buyer.submitPartials(tradeId, round, valueCount, hashes);
      await buyer.waitFor(tradeId, (t) => t.round > round || t.state === 'SETTLED');
      const { values: g } = await buyer.aggregate(tradeId, round);
      w = w.map((wj, j) => wj - (LEARNING_RATE * (g[j] ?? 0)) / n);
      console.log(
        `epoch ${String(round)}: summed the three orgs' masked shares in ${((performance.now() - epochStart) / 1000).toFixed(1)} s`,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const union = data.flat();
    const x = union.map((r) => r.slice(0, PENGUIN_FEATURES.length));
    const y = union.map((r) => r[PENGUIN_FEATURES.length] ?? 0);
    const plain = trainLogistic(x, y, EPOCHS, LEARNING_RATE, sigmoid3, [
      ...PENGUIN_FEATURES.map(() => W0),
      0,
    ]);
    const names = [...PENGUIN_FEATURES, 'bias'];
    console.log(
      table(
        ['weight', 'joint, encrypted', 'plain on the union'],
        names.map((name, j) => [name, w[j]?.toFixed(4), plain[j]?.toFixed(4)]),
      ),
    );
    const pct = (v: number[]) => `${(accuracy(x, y, v) * 100).toFixed(1)} %`;
    const settled = await buyer.poolTrade(tradeId);
    console.log(
      keyValues([
        [
          `accuracy on the ${String(n)} penguins`,
          `joint ${pct(w)}, plain on the union ${pct(plain)}`,
        ],
        ['time', `${seconds.toFixed(1)} s, ${(seconds / EPOCHS).toFixed(1)} s per 3-org epoch`],
        ['state', settled.state],
        ['to the buyer', `${settled.paidToBuyer} (deposit)`],
      ]),
    );
    console.log(`escrow split by rows (${pool.price} × ${String(EPOCHS)} rounds):`);
    console.log(
      table(
        ['island', 'org', 'rows', 'paid'],
        settled.members.map((m, i) => [ISLANDS[i], m.account.split('::')[0], m.rowCount, m.paid]),
      ),
    );
  } finally {
    await Promise.allSettled(apps.map((a) => a.gateway.close()));
  }
}
