/**
 * The demo's island pool (docs/pools.md): the Palmer penguins split by island (Biscoe, Dream,
 * Torgersen) as three sellers (three seller users of the seller org, in one seller app), a
 * pool formed through the app's routes, and several epochs of joint encrypted logistic
 * regression bought by the buyer: each round the buyer computes the gradient sums on each
 * island's bundle, each island decrypts its own partial and sends a masked share, and the
 * buyer learns only their sum. The model is scored next to plain training on the union, and
 * the escrow split by rows is shown.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PoolProposal } from '@datamarket/chaincode/api';
import { DataMarketClient, PoolClient } from '../client/index.js';
import { keyValues, table } from '../cli/format.js';
import { loadBundle, serializeResult, SIGMOID_THESIS, type EncryptedTable } from '../ckks/index.js';
import { columnStats, standardizeWith } from '../data/standardize.js';
import { newApiToken, tokenSha256Hex } from '../gateway/auth.js';
import { withDefaults } from '../gateway/config.js';
import { startGateway } from '../gateway/server.js';
import { PENGUIN_FEATURES, PENGUIN_TARGET, penguinsFile } from './penguins.js';
import { accuracy, sigmoid3, trainLogistic } from './plain.js';

const ISLANDS = ['Biscoe', 'Dream', 'Torgersen'] as const;
const SELLERS = ['Admin', 'User1', 'User2'];
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
  runDir: string;
  channel: string;
  storeDir: string;
  buyer: DataMarketClient;
  step: (text: string) => void;
  progress: { update(message: string): void };
}

/** Runs the island pool example; prints the model, its accuracy and the split. */
export async function islandPool(options: IslandPoolOptions): Promise<void> {
  const { channel, step, progress } = options;
  step(
    `the island pool: penguins split by island (${ISLANDS.join(', ')}) as three sellers, ${String(EPOCHS)} epochs of joint encrypted logistic regression`,
  );
  const tokens = SELLERS.map(() => newApiToken());
  // The islands' own app: three seller users of the seller org. Flooding at 10 bits: the
  // depth-4 preset's noise at more would drown one island's gradient sums.
  const config = withDefaults({
    org: 'seller',
    roles: ['seller'],
    channels: [channel],
    networkRunDir: options.runDir,
    port: 0,
    storePath: path.join(options.storeDir, 'islands-store.db'),
    storeSecret: newApiToken(),
    users: SELLERS.map((user, i) => ({ user, tokenSha256: tokenSha256Hex(tokens[i] ?? '') })),
    registerAppAs: 'Admin',
    releaseSecurityBits: 10,
  });
  const app = await startGateway(config, {
    log: (line) => {
      console.log(`   [islands pump] ${line}`);
    },
  });
  try {
    const islands = SELLERS.map(
      (_, i) =>
        new PoolClient(new DataMarketClient({ url: app.url, token: tokens[i] ?? '', channel })),
    );
    const data = await islandRows();
    const poolId = `islands-${String(Date.now())}`;
    for (const [i, rows] of data.entries()) {
      await app.store.putDataset({
        channel,
        datasetId: `${poolId}-${ISLANDS[i] ?? ''}`,
        columns: COLUMNS,
        rows,
        owner: SELLERS[i] ?? '',
      });
    }
    const proposal: PoolProposal = {
      id: poolId,
      title: 'Palmer penguins, one island per seller',
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
      invites: [{ msp: 'SellerMSP' }, { msp: 'SellerMSP' }],
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
        ['seat', 'island', 'seller', 'rows'],
        pool.seats.map((s, i) => [
          i,
          ISLANDS[i],
          /CN=([^/:]+)/.exec(s.member?.account ?? '')?.[1] ?? '',
          s.member?.rowCount,
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
        const bundle = await loadBundle(await buyer.bundle(tradeId, seat, app.url));
        const outputs = gradientSums(bundle.table, w);
        const partial = serializeResult(outputs);
        for (const out of Object.values(outputs)) out.dispose();
        bundle.dispose();
        hashes.push(await buyer.uploadPartial(tradeId, round, seat, partial.bytes, app.url));
        valueCount = partial.valueCount;
      }
      await buyer.submitPartials(tradeId, round, valueCount, hashes);
      await buyer.waitFor(tradeId, (t) => t.round > round || t.state === 'SETTLED');
      const { values: g } = await buyer.aggregate(tradeId, round);
      w = w.map((wj, j) => wj - (LEARNING_RATE * (g[j] ?? 0)) / n);
      console.log(
        `epoch ${String(round)}: summed the islands' masked shares in ${((performance.now() - epochStart) / 1000).toFixed(1)} s`,
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
        ['time', `${seconds.toFixed(1)} s, ${(seconds / EPOCHS).toFixed(1)} s per 3-seller epoch`],
        ['state', settled.state],
        [
          'escrow split by rows',
          settled.members
            .map((m, i) => `${ISLANDS[i] ?? ''} ${m.paid} (${String(m.rowCount)} rows)`)
            .join(', '),
        ],
        ['to the buyer', `${settled.paidToBuyer} (deposit)`],
      ]),
    );
  } finally {
    await app.close();
  }
}
