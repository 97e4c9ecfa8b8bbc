/**
 * `npm run demo`: everything on a fresh clone. Starts the Fabric network and the contract, one
 * gateway app per org (in this process, on 127.0.0.1), mints tokens, lists the Palmer penguins
 * (vega-datasets) and runs the thesis's two examples as real trades of approved computations
 * (docs/privacy.md): the encrypted mean of a column, and an epoch of encrypted
 * logistic-regression training whose decrypted model is then scored, each re-executed by the
 * seller's app before it decrypts; then a third example on the engine alone, the mean of the
 * unscaled body mass (grams).
 * Each step is printed with the ledger state and the results next to plain arithmetic.
 *
 * `--keep` keeps the apps running afterwards (for the CLI; profiles in .run/demo/profiles.json).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataMarketClient } from '../client/index.js';
import { keyValues, Progress, table } from '../cli/format.js';
import { connectAs, TestNetwork } from '../fabric/index.js';
import { retryWhileEndorsersSettle } from '../fabric/index.js';
import { newApiToken, tokenSha256Hex } from '../gateway/auth.js';
import { withDefaults, type GatewayConfig, type Role } from '../gateway/config.js';
import { startGateway, type RunningGateway } from '../gateway/server.js';
import type { Trade } from '../gateway/types.js';
import { approvedTrade, type ApprovedTradeApps } from './approved-trade.js';
import { islandPool } from './island-pool.js';
import { demoComputations, W0 } from './computations.js';
import { penguinsDemoTable, PENGUIN_TARGET } from './penguins.js';
import { accuracy, at, mean, sigmoid, sigmoid3, trainLogistic } from './plain.js';
import { printUnscaledMean } from './unscaled-mean.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const demoDir = path.join(repoRoot, '.run', 'demo');
const CHANNEL = 'market';
const RELEASE_BITS = 16;
/** The network's ports are this base plus offsets, the apps' base + 400..402 (as in the tests). */
const PORT_BASE = Number(process.env.DATAMARKET_PORT_BASE ?? 7000);
const RUN_DIR = process.env.DATAMARKET_RUN_DIR;
type Policy = ReturnType<typeof builtin>;
const step = (text: string) => {
  console.log(`\n== ${text}`);
};
const who = (account: string) => /CN=([^/:]+)/.exec(account)?.[1] ?? account;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const builtin = (...ids: ('column-means' | 'column-sums' | 'xtx' | 'xty' | 'lr-epochs')[]) => ({
  mode: 'approved' as const,
  computations: ids.map((id) => ({ id, kind: 'builtin' as const })),
});

interface App {
  gateway: RunningGateway;
  client: DataMarketClient;
  token: string;
}

async function startApp(
  runDir: string,
  org: string,
  roles: Role[],
  port: number,
  progress: Progress,
  extra: Partial<GatewayConfig> = {},
): Promise<App> {
  const token = newApiToken();
  const config = withDefaults({
    org,
    roles,
    channels: [CHANNEL],
    networkRunDir: runDir,
    port,
    storePath: path.join(demoDir, `${org}-store.db`),
    storeSecret: newApiToken(),
    users: [{ user: 'Admin', tokenSha256: tokenSha256Hex(token) }],
    ...(roles.includes('seller') ? { registerAppAs: 'Admin' } : {}),
    ...extra,
  });
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(config, {
      log: (line) => {
        console.log(`   [${org} pump] ${line}`);
      },
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    gateway = await startGateway(
      { ...config, port: 0 },
      {
        log: (line) => {
          console.log(`   [${org} pump] ${line}`);
        },
      },
    );
  }
  const client = new DataMarketClient({
    url: gateway.url,
    token,
    channel: CHANNEL,
    progress: (m) => {
      progress.update(m);
    },
  });
  console.log(
    `${org.padEnd(8)} app  ${gateway.url}  roles ${roles.join(',')}  (acts as Admin@${org})`,
  );
  return { gateway, client, token };
}

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const progress = new Progress(true);
  const network = new TestNetwork({ verbose: true, portBase: PORT_BASE, runDir: RUN_DIR });
  step('starting the Fabric network (3 Raft orderers, seller/buyer/auditor peers, TLS, 127.0.0.1)');
  await network.run('down');
  await network.up();
  step('deploying the datamarket contract as a chaincode service on channel "market"');
  await network.deployChaincode(CHANNEL);
  const description = await network.describe();
  const issuerConnection = await connectAs(description, { org: 'auditor', user: 'Admin' });
  const apps: App[] = [];
  try {
    const issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await retryWhileEndorsersSettle(
      () => issuer.submitTransaction('Initialize', 'AuditorMSP'),
      60_000,
    );
    console.log('token issuer: AuditorMSP');

    step('starting one gateway app per org');
    rmSync(demoDir, { recursive: true, force: true });
    mkdirSync(demoDir, { recursive: true });
    // Release policy: flooding noise at s = 16 bits of statistical security. The engine's
    // default (30) adds noise of σ ≈ 145 to results of the depth-4 training preset, which
    // drowns one epoch's gradient sums (≈ 100); see docs/gateway.md.
    const seller = await startApp(network.runDir, 'seller', ['seller'], PORT_BASE + 400, progress, {
      releaseSecurityBits: RELEASE_BITS,
    });
    const buyer = await startApp(network.runDir, 'buyer', ['buyer'], PORT_BASE + 401, progress);
    const auditor = await startApp(
      network.runDir,
      'auditor',
      ['auditor'],
      PORT_BASE + 402,
      progress,
    );
    apps.push(seller, buyer, auditor);
    const profiles = Object.fromEntries(
      Object.entries({ seller, buyer, auditor }).map(([name, app]) => [
        name,
        { url: app.gateway.url, token: app.token },
      ]),
    );
    writeFileSync(path.join(demoDir, 'profiles.json'), JSON.stringify(profiles, null, 2), {
      mode: 0o600,
    });

    step('minting: the issuer mints 10 000 tokens and sends 2 000 to the buyer');
    const buyerAccount = await buyer.client.initialize();
    const sellerAccount = await seller.client.initialize();
    await retryWhileEndorsersSettle(() => issuer.submitTransaction('Mint', '10000'));
    await issuer.submitTransaction('Transfer', buyerAccount.accountId, '2000');
    const balances = async () => {
      const [b, s] = await Promise.all([buyer.client.account(), seller.client.account()]);
      return { buyer: b.balance, seller: s.balance };
    };
    console.log(
      keyValues([
        ['buyer', `${who(buyerAccount.accountId)}: ${(await balances()).buyer}`],
        ['seller', `${who(sellerAccount.accountId)}: ${(await balances()).seller}`],
      ]),
    );

    step('the seller lists the Palmer penguins (vega-datasets): 4 measurements, target = Adélie');
    const penguins = await penguinsDemoTable();
    const computations = demoComputations();
    const list = async (id: string, preset: string, what: string, policy: Policy) => {
      const listed = await seller.client.sell(
        {
          id,
          title: `Palmer penguins (${what}): bill, flipper, body mass; Adelie or not`,
          description:
            'vega-datasets penguins; rows with missing values dropped; measurements standardised',
          price: '100',
          deposit: '20',
          deliverWithin: 900,
          resultWithin: 3600,
          decryptWithin: 900,
          leakageBound: 10,
          ckksPreset: preset,
          freeSample: true,
          computationPolicy: policy,
        },
        { csv: penguins.csv },
      );
      return listed.listing;
    };
    const stats = builtin('column-means', 'column-sums', 'xtx', 'xty');
    const statsListing = await list(
      'penguins-stats',
      computations.presets.mean,
      'statistics',
      stats,
    );
    const lrPolicy = builtin('lr-epochs');
    const lrListing = await list(
      'penguins-train',
      computations.presets.logistic,
      'training',
      lrPolicy,
    );
    console.log(
      `${statsListing.schema.rowCount} rows × ${statsListing.schema.columns.length} columns: ${statsListing.schema.columns.join(', ')}`,
    );
    console.log(
      `the rows stay in the seller store; results are released with flooding noise at s = ${RELEASE_BITS} bits and rounded; the ledger holds the listings:`,
    );
    console.log(
      table(
        ['id', 'price', 'rows', 'leakage bound', 'budget/key', 'sample', 'approved', 'preset'],
        [statsListing, lrListing].map((l) => [
          l.id,
          l.price,
          l.schema.rowCount,
          l.leakageBound,
          l.maxValuesPerKey,
          l.sampleKind,
          l.computationPolicy.mode === 'approved'
            ? l.computationPolicy.computations.map((c) => c.id).join(', ')
            : 'open',
          l.ckksPreset,
        ]),
      ),
    );

    const tradeApps: ApprovedTradeApps = {
      buyer: buyer.client,
      auditor: auditor.client,
      progress,
      step,
    };
    // Example 1: the encrypted mean of a column.
    const targetIndex = penguins.columns.indexOf(PENGUIN_TARGET);
    const meanTrade = await approvedTrade(
      tradeApps,
      statsListing.id,
      'example 1, the encrypted mean of a column (approved computation column-means)',
      { computationId: 'column-means', params: { columns: [PENGUIN_TARGET, 'body_mass_g'] } },
    );
    const plainStart = performance.now();
    const plainMeans = [
      mean(penguins.rows.map((r) => at(r, targetIndex))),
      mean(penguins.rows.map((r) => at(r, 3))),
    ];
    const plainMs = performance.now() - plainStart;
    console.log(
      table(
        ['column', 'encrypted → decrypted', 'plain', 'difference'],
        [`${PENGUIN_TARGET} (share of Adélie)`, 'body_mass_g (standardised)'].map((c, i) => [
          c,
          meanTrade.values[i]?.toFixed(4),
          at(plainMeans, i).toFixed(4),
          Math.abs((meanTrade.values[i] ?? NaN) - at(plainMeans, i)).toExponential(1),
        ]),
      ),
    );
    console.log(
      `time: encrypted ${secs(meanTrade.computeMs)} (load bundle + compute) vs plain ${(plainMs / 1000).toFixed(6)} s (thesis: 0.153 s vs ~0)`,
    );

    // Example 2: encrypted logistic-regression training.
    const features = penguins.rows.map((r) => r.slice(0, targetIndex));
    const labels = penguins.rows.map((r) => at(r, targetIndex));
    const { epochs, learningRate, initialWeight } = computations.logistic;
    const initial = [...(features[0] ?? []).map(() => initialWeight), 0];
    const featureNames = penguins.columns.slice(0, targetIndex);
    const lrTrade = await approvedTrade(
      tradeApps,
      lrListing.id,
      `example 2, encrypted logistic regression (approved lr-epochs: ${epochs} epoch, sigmoid ≈ 0.5 + 0.197x − 0.004x³)`,
      {
        computationId: 'lr-epochs',
        params: {
          features: featureNames,
          target: PENGUIN_TARGET,
          epochs,
          learningRate,
          initialWeights: featureNames.map(() => W0),
          initialBias: 0,
        },
      },
    );
    // The release is the model itself: weights after the epoch, then the bias.
    const model = lrTrade.values;
    const plainLrStart = performance.now();
    const plainApprox = trainLogistic(features, labels, epochs, learningRate, sigmoid3, initial);
    const plainLrMs = performance.now() - plainLrStart;
    const plainExact = trainLogistic(features, labels, epochs, learningRate, sigmoid, initial);
    const plainLong = trainLogistic(features, labels, 200, learningRate, sigmoid);
    const names = [...penguins.columns.slice(0, targetIndex), 'bias'];
    console.log(
      table(
        ['weight', 'encrypted → decrypted', 'plain (same algorithm)', 'plain (exact sigmoid)'],
        names.map((n, i) => [
          n,
          model[i]?.toFixed(4),
          at(plainApprox, i).toFixed(4),
          at(plainExact, i).toFixed(4),
        ]),
      ),
    );
    const pct = (w: number[]) => `${(accuracy(features, labels, w) * 100).toFixed(1)} %`;
    console.log(
      table(
        ['model', `accuracy on the ${features.length} penguins`],
        [
          ['decrypted, trained on ciphertexts', pct(model)],
          ['plain, same algorithm', pct(plainApprox)],
          ['plain, exact sigmoid', pct(plainExact)],
          ['plain, exact sigmoid, 200 epochs (reference)', pct(plainLong)],
        ],
      ),
    );
    console.log(
      `time: encrypted ${secs(lrTrade.computeMs)} (load bundle + compute) vs plain ${(plainLrMs / 1000).toFixed(4)} s (thesis: 119.91 s vs 0.002 s, one epoch)`,
    );

    step('example 3, the mean of an unscaled column (body mass in grams) on the engine');
    await printUnscaledMean(RELEASE_BITS);

    step('the ledger afterwards (read through the auditor app)');
    const trades = {
      records: [
        ...(await auditor.client.auditTrades({ dataset: statsListing.id })).records,
        ...(await auditor.client.auditTrades({ dataset: lrListing.id })).records,
      ],
    };
    console.log(
      table(
        ['trade', 'state', 'price', 'deposit', 'escrow', 'to seller', 'to buyer', 'values'],
        trades.records.map((t: Trade) => [
          `${t.tradeId.slice(0, 16)}…`,
          t.state,
          t.price,
          t.deposit,
          t.escrow,
          t.paidToSeller,
          t.paidToBuyer,
          t.valueCount,
        ]),
      ),
    );
    const after = await balances();
    console.log(
      keyValues([
        ['buyer balance', `${after.buyer} (2000 − 2 × 100; deposits returned)`],
        ['seller balance', `${after.seller} (+ 2 × 100)`],
      ]),
    );
    const supply = await auditor.client.auditSupply();
    console.log(
      keyValues([
        ['total supply', supply.totalSupply],
        ['balances + escrow', `${supply.sumOfBalances} + ${supply.sumOfEscrow}`],
        ['balanced', supply.balanced],
      ]),
    );
    const tx = await auditor.client.transaction(lrTrade.tradeId);
    console.log(
      `purchase transaction as decoded from its block: ${tx.function}(${tx.args[0]}, <result key>) by ${tx.creatorMspId}, ${tx.validationCode}, event ${tx.event?.name}`,
    );

    // Example 4: a pool of three seller orgs (docs/pools.md), after the single trades' books.
    await islandPool({
      network,
      channel: CHANNEL,
      storeDir: demoDir,
      buyer: buyer.client,
      step,
      progress,
    });

    step('where things are');
    await network.run('status'); // verbose: its table goes straight to the terminal
    console.log(`run directory:   ${network.runDir}`);
    console.log(`demo stores:     ${demoDir}`);
    console.log('stop the network: npm run network -- down');
    if (keep) {
      console.log(
        `web app: open ${buyer.gateway.url}/ (buyer), ${seller.gateway.url}/ (seller) or ${auditor.gateway.url}/ (auditor) and sign in with that app's token from ${path.join(demoDir, 'profiles.json')}`,
      );
      console.log(
        `apps keep running; try: npx datamarket --profile ${path.join(demoDir, 'profiles.json')} --as auditor audit trades --dataset ${lrListing.id}`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => {
          resolve();
        });
      });
    }
  } finally {
    progress.done();
    await Promise.allSettled(apps.map((app) => app.gateway.close()));
    issuerConnection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
