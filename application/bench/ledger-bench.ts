/**
 * `npm run bench:ledger`: the ledger measured the way Fabric users measure it. Starts its own
 * network (DATAMARKET_BENCH_RUN_DIR, default .run/bench-ledger; DATAMARKET_BENCH_PORT_BASE,
 * default 37000), then
 * 0. whole-trade latency p50/p95 with pass-through crypto (demo/bench-trades.ts), first,
 *    while the ledger is quiet;
 * 1. Hyperledger Caliper 0.6 (bench/caliper, installed on demand): fixed-rate rounds up to
 *    saturation for Transfer and Purchase, then fixed-load rounds of both in ABBA order; the
 *    seller's side of those trades (ConfirmDelivery, the buyer's SubmitResult, DeliverResult)
 *    and reads (BalanceOf, GetListing, ListTradesByState); Caliper's table, the CPU of each
 *    process, and its CPU per committed transaction in each round;
 * 2. 100 settlements paying one seller at once (hot key), one buyer's concurrent purchases
 *    through the app, REST overhead (ledger-scenarios.ts).
 * The growth bench (100k trades) runs in process: application/dist/bench/ledger-growth.js.
 *
 * Flags: --reuse (a network already up in the run dir, chaincode deployed; left up),
 * --quick (short rounds), --caliper-only Transfer,Purchase (those rounds only), --no-pg (REST
 * overhead with the SQLite store only, not also with a PostgreSQL one), --no-caliper,
 * --no-scenarios, --no-latency.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Contract } from '@hyperledger/fabric-gateway';
import { table } from '../src/cli/format.js';
import { latencyTable, tradeLatencies } from '../src/demo/bench-trades.js';
import {
  retryWhileEndorsersSettle,
  TestNetwork,
  type NetworkDescription,
} from '../src/fabric/index.js';
import { generateResultKeyPair } from '../src/gateway/crypto/result-envelope.js';
import {
  ensureCaliper,
  caliperRows,
  fixedLoadComparison,
  runCaliper,
  writeBenchConfig,
  writeNetworkConfig,
  type CaliperPlan,
} from './ledger-caliper.js';
import { cpuRows, processTable, startCpu, treeOf } from './ledger-cpu.js';
import { cryptogenIdentities, issueIdentities, type BenchIdentity } from './ledger-identities.js';
import {
  accountOf,
  Contracts,
  hotSeller,
  REST_OVERHEAD_HEADER,
  restOverhead,
} from './ledger-scenarios.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const flag = (name: string) => process.argv.includes(name);
/** The bench's listing names an app no one calls: the scenarios never deliver through it. */
const SELLER_APP_URL = 'https://127.0.0.1:1/unused';

/** Gives every sender `amount`: the issuer pays a few, each of those pays its share (debits of one account go one per block). */
async function fund(
  contracts: Contracts,
  issuer: Contract,
  senders: BenchIdentity[],
  amount: number,
): Promise<void> {
  const fan = Math.ceil(Math.sqrt(senders.length));
  const heads = senders.slice(0, fan);
  const rest = senders.slice(fan);
  const share = Math.ceil(rest.length / fan);
  for (const head of heads) {
    const account = await accountOf(await contracts.of(head));
    await issuer.submitTransaction('Transfer', account, String(amount * (share + 1)));
  }
  await Promise.all(
    heads.map(async (head, h) => {
      const payer = await contracts.of(head);
      for (const to of rest.slice(h * share, (h + 1) * share)) {
        await payer.submitTransaction(
          'Transfer',
          await accountOf(await contracts.of(to)),
          String(amount),
        );
      }
    }),
  );
}

/** A throwaway PostgreSQL (test-network-scripts/postgres.sh) for the buyer app's store. */
async function startPostgres(
  network: TestNetwork,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const script = path.join(repoRoot, 'test-network-scripts', 'postgres.sh');
  const dir = path.join(network.runDir, 'bench-pg');
  const port = String(network.portBase + 950);
  const { execFileSync } = await import('node:child_process');
  execFileSync('bash', [script, 'stop', dir], { stdio: 'ignore' });
  execFileSync('bash', [script, 'start', dir, port], { stdio: 'inherit' });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/datamarket`,
    stop: () => {
      execFileSync('bash', [script, 'stop', dir], { stdio: 'ignore' });
      return Promise.resolve();
    },
  };
}

interface Bench {
  network: TestNetwork;
  description: NetworkDescription;
  contracts: Contracts;
  issuer: Contract;
  seller: Contract;
  sellerId: BenchIdentity;
  datasetId: string;
  resultKey: string;
  senders: BenchIdentity[];
  quick: boolean;
}

/** Initialize, mint, the bench listing, the bench identities and their tokens. */
async function setUp(network: TestNetwork, contracts: Contracts, quick: boolean): Promise<Bench> {
  const description = await network.describe();
  const issuer = await contracts.of({ org: 'auditor', name: 'Admin' });
  const initialize = () =>
    issuer.submitTransaction('Initialize', 'AuditorMSP').catch((e: unknown) => {
      // --reuse: initialized by an earlier run.
      if (!`${String(e)} ${JSON.stringify(e)}`.includes('ALREADY_EXISTS')) throw e;
    });
  await retryWhileEndorsersSettle(initialize, 60_000);
  await retryWhileEndorsersSettle(() => issuer.submitTransaction('Mint', '100000000'));
  const sellerOrg = description.orgs.seller;
  const sellerId =
    sellerOrg && cryptogenIdentities('seller', sellerOrg).find((i) => i.name === 'User1');
  if (!sellerId) throw new Error('no seller User1');
  const seller = await contracts.of(sellerId);
  // A listing names only an app URL its org's admin registered (RegisterOrgApp; registering
  // again is harmless on --reuse). On a fresh channel discovery may still be settling.
  const sellerAdmin = await contracts.of({ org: 'seller', name: 'Admin' });
  await retryWhileEndorsersSettle(() =>
    sellerAdmin.submitTransaction('RegisterOrgApp', SELLER_APP_URL),
  );
  const datasetId = `ledger-bench-${Date.now().toString(36)}`;
  await seller.submitTransaction('CreateListing', JSON.stringify(listing(datasetId)));
  const senders = [
    ...issueIdentities(description, 'buyer', 150),
    ...issueIdentities(description, 'auditor', 50),
  ];
  process.stderr.write(`funding ${String(senders.length)} bench identities ...\n`);
  await fund(contracts, issuer, senders, 10_000);
  const resultKey = generateResultKeyPair().publicKeyPem;
  return {
    network,
    description,
    contracts,
    issuer,
    seller,
    sellerId,
    datasetId,
    resultKey,
    senders,
    quick,
  };
}

async function latencyPhase(b: Bench): Promise<void> {
  const latencies = await tradeLatencies(b.network, b.issuer, b.quick ? 10 : 20, false);
  console.log(
    '\nwhole-trade latency (pass-through crypto): purchase → delivery → result → settlement',
  );
  console.log(latencyTable(latencies));
}

function caliperPlan(quick: boolean): CaliperPlan {
  const onlyAt = process.argv.indexOf('--caliper-only');
  const only = onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',') : [];
  return quick
    ? {
        rates: [25, 50, 100],
        readRates: [100, 200],
        roundSeconds: 5,
        load: 20,
        loadPairs: 2,
        workers: 2,
        only,
      }
    : {
        rates: [25, 50, 100, 150],
        readRates: [100, 200, 400],
        roundSeconds: 6,
        load: 30,
        loadPairs: 4,
        workers: 2,
        only,
      };
}

async function caliperPhase(b: Bench): Promise<void> {
  const plan = caliperPlan(b.quick);
  // Beside the run directory, which `network.sh down` removes.
  const dir = `${b.network.runDir}-caliper`;
  mkdirSync(dir, { recursive: true });
  const netConfig = writeNetworkConfig(dir, b.description, [...b.senders, b.sellerId]);
  const benchConfig = writeBenchConfig(dir, plan, {
    senders: b.senders,
    seller: b.sellerId,
    sellerAccountId: await accountOf(b.seller),
    datasetId: b.datasetId,
    resultKey: b.resultKey,
    repoRoot,
  });
  const cli = await ensureCaliper(repoRoot);
  const pids = await b.network.pids();
  const cpu = startCpu(() => {
    const groups = new Map<string, number[]>();
    const parents = processTable();
    for (const [name, pid] of pids) groups.set(name, treeOf(pid, parents));
    const mine = treeOf(process.pid, parents).filter((pid) => pid !== process.pid);
    groups.set('caliper (manager + workers)', mine);
    return groups;
  });
  const started = performance.now();
  // CPU each group used in each round, to set against the round's committed transactions.
  const perRound = new Map<string, Map<string, number>>();
  let roundStart = new Map<string, number>();
  const result = await runCaliper(
    cli,
    dir,
    netConfig,
    benchConfig,
    path.join(dir, 'caliper.log'),
    (event, label) => {
      const now = cpu.used();
      if (event === 'start') roundStart = now;
      else
        perRound.set(label, new Map([...now].map(([g, ms]) => [g, ms - (roundStart.get(g) ?? 0)])));
    },
  );
  const shares = cpu.stop();
  const runSeconds = (performance.now() - started) / 1000;
  const loadSeconds = result.log
    .map((line) => /Finished round .* in ([0-9.]+) seconds/.exec(line)?.[1])
    .reduce((sum, x) => sum + Number(x ?? 0), 0);
  console.log(
    `\nCaliper 0.6 (${String(plan.workers)} workers, peer-gateway connector), exit ${String(result.code)}; log and report.html in ${dir}`,
  );
  console.log(result.tables.join('\n'));
  const compared = fixedLoadComparison(result.tables);
  if (compared) {
    const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
    console.log(
      `\nfixed load ${String(plan.load)}, ABBA: Transfer ${list(compared.transfer)} tx/s; Purchase ${list(compared.purchase)} tx/s; ${String(compared.failed)} failed; Purchase/Transfer ${compared.ratio.toFixed(2)} (goal ≥ 0.9)`,
    );
  }
  console.log('\nCPU during the Caliper run (share of one core, from /proc)');
  const underLoad = `CPU under load (${loadSeconds.toFixed(0)} of ${runSeconds.toFixed(0)} s)`;
  console.log(
    table(['process', 'CPU, whole run', underLoad], cpuRows(shares, loadSeconds / runSeconds || 1)),
  );
  const rows = caliperRows(result.tables).filter((r) => perRound.has(r.name) && r.succ > 0);
  const groups = [...shares.keys()];
  console.log(
    '\nCPU ms per committed transaction, by round (all peers, orderers; the chaincode server)',
  );
  console.log(
    table(
      ['round', 'committed', ...groups.map(shortGroup), 'total'],
      rows.map((r) => {
        const used = perRound.get(r.name) ?? new Map<string, number>();
        const per = groups.map((g) => (used.get(g) ?? 0) / r.succ);
        return [
          r.name,
          String(r.succ),
          ...per.map((x) => x.toFixed(1)),
          per.reduce((a, b) => a + b, 0).toFixed(1),
        ];
      }),
    ),
  );
}

/** A process group's name short enough for a column head. */
function shortGroup(name: string): string {
  if (name.startsWith('cc-')) return 'chaincode';
  if (name.startsWith('caliper')) return 'caliper';
  return name.replace(/^peer0\./, 'peer ');
}

async function scenariosPhase(b: Bench): Promise<void> {
  const hot = await hotSeller(
    b.contracts,
    b.senders.slice(0, 100),
    b.seller,
    b.datasetId,
    b.resultKey,
  );
  console.log('\n100 settlements paying one seller at once (fabric-gateway, no retries)');
  console.log(table(['step', 'trades', 'failed', 'seconds', 'per second', 'first error'], hot));
  const users = b.senders.filter((s) => s.org === 'buyer').slice(100, 120);
  // Rounds of 200 purchases, four per path: a round of 100 moved the figure by ±3 points.
  const each = b.quick ? 3 : 10;
  const rounds = b.quick ? 2 : 4;
  const stores: [string, string | undefined][] = [
    ['SQLite (synchronous = FULL, its own thread, group commit)', undefined],
  ];
  const pg = flag('--no-pg') ? undefined : await startPostgres(b.network);
  if (pg) stores.push(['PostgreSQL', pg.url]);
  try {
    for (const [store, url] of stores) {
      const rest = await restOverhead(
        b.network.runDir,
        b.contracts,
        users,
        b.datasetId,
        b.resultKey,
        each,
        30,
        url,
        rounds,
      );
      console.log(
        `\nREST overhead, buyer app store ${store}: ${String(users.length)} buyers, each ${String(each)} purchases in a row, all buyers at once; ${String(rounds)} rounds per path, ABBA order`,
      );
      console.log(table(REST_OVERHEAD_HEADER, rest.rows));
      console.log(`overhead of the app: ${(rest.overhead * 100).toFixed(1)} % (goal ≤ 15 %)`);
      console.log(
        table(['one buyer: concurrent REST purchases', 'failed', 'seconds'], [rest.oneBuyer]),
      );
    }
  } finally {
    await pg?.stop();
  }
}

async function main(): Promise<void> {
  const network = new TestNetwork({
    runDir: process.env.DATAMARKET_BENCH_RUN_DIR ?? path.join(repoRoot, '.run', 'bench-ledger'),
    portBase: Number(process.env.DATAMARKET_BENCH_PORT_BASE ?? 37000),
  });
  const reuse = flag('--reuse');
  if (!reuse) {
    console.log(
      `starting a bench network in ${network.runDir} (ports ${String(network.portBase)}+) ...`,
    );
    await network.run('down');
    // cryptogen's layout: the bench issues its identities with the org CA's key (ledger-identities.ts).
    await network.must('up', '--crypto', 'cryptogen');
    await network.deployChaincode('market');
  }
  const contracts = new Contracts(await network.describe());
  try {
    const bench = await setUp(network, contracts, flag('--quick'));
    // Latency first, on a quiet ledger: the seller app's pump has no backlog to read.
    if (!flag('--no-latency')) await latencyPhase(bench);
    if (!flag('--no-caliper')) await caliperPhase(bench);
    if (!flag('--no-scenarios')) await scenariosPhase(bench);
  } finally {
    contracts.close();
    if (!reuse) await network.run('down');
  }
}

function listing(id: string): Record<string, unknown> {
  return {
    id,
    title: 'ledger bench',
    description: 'listing the ledger bench buys',
    schema: { columns: ['a', 'b'], rowCount: 200 },
    price: '1',
    deposit: '0',
    deliverWithin: 86_400,
    resultWithin: 86_400,
    decryptWithin: 86_400,
    leakageBound: 4,
    ckksPreset: 'n8192-d2',
    sellerGatewayUrl: SELLER_APP_URL,
    freeSample: false,
  };
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
