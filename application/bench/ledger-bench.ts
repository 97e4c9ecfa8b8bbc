/**
 * `npm run bench:ledger`: the ledger measured the way Fabric users measure it. Starts its own
 * network (DATAMARKET_BENCH_RUN_DIR, default .run/bench-ledger; DATAMARKET_BENCH_PORT_BASE,
 * default 37000), then
 * 1. Hyperledger Caliper 0.6 (bench/caliper, installed on demand): fixed-rate rounds up to
 *    saturation and a fixed-load round for Transfer, Purchase, the seller's side of those trades
 *    (ConfirmDelivery, the buyer's SubmitResult, DeliverResult) and reads (BalanceOf,
 *    GetListing, ListTradesByState); Caliper's table, then the CPU of each process;
 * 2. 100 settlements paying one seller at once (hot key), one buyer's concurrent purchases
 *    through the app, REST overhead (ledger-scenarios.ts);
 * 3. whole-trade latency p50/p95 with pass-through crypto (demo/bench-trades.ts).
 * The growth bench (100k trades) runs in process: application/dist/bench/ledger-growth.js.
 *
 * Flags: --reuse (a network already up in the run dir, chaincode deployed; left up),
 * --quick (short rounds), --caliper-only Transfer,Purchase (those rounds only), --pg (REST
 * overhead also with a PostgreSQL store), --no-caliper, --no-scenarios, --no-latency.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Contract } from '@hyperledger/fabric-gateway';
import { table } from '../src/cli/format.js';
import { latencyTable, tradeLatencies } from '../src/demo/bench-trades.js';
import { retryWhileEndorsersSettle, TestNetwork } from '../src/fabric/index.js';
import { generateResultKeyPair } from '../src/gateway/crypto/result-envelope.js';
import {
  ensureCaliper,
  runCaliper,
  writeBenchConfig,
  writeNetworkConfig,
  type CaliperPlan,
} from './ledger-caliper.js';
import { cpuRows, processTable, startCpu, treeOf } from './ledger-cpu.js';
import { cryptogenIdentities, issueIdentities, type BenchIdentity } from './ledger-identities.js';
import { accountOf, Contracts, hotSeller, restOverhead } from './ledger-scenarios.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const flag = (name: string) => process.argv.includes(name);

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

async function main(): Promise<void> {
  const quick = flag('--quick');
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
    await network.up();
    await network.deployChaincode('market');
  }
  const description = await network.describe();
  const contracts = new Contracts(description);
  try {
    const issuer = await contracts.of({ org: 'auditor', name: 'Admin' });
    await retryWhileEndorsersSettle(
      () =>
        issuer.submitTransaction('Initialize', 'AuditorMSP').catch((e: unknown) => {
          if (
            !String(e).includes('ALREADY_EXISTS') &&
            !JSON.stringify(e).includes('ALREADY_EXISTS')
          )
            throw e;
        }),
      60_000,
    );
    await retryWhileEndorsersSettle(() => issuer.submitTransaction('Mint', '100000000'));
    const sellerId = cryptogenIdentities(
      'seller',
      description.orgs.seller ?? (undefined as never),
    ).find((i) => i.name === 'Admin');
    if (!sellerId) throw new Error('no seller Admin');
    const seller = await contracts.of(sellerId);
    const datasetId = `ledger-bench-${Date.now().toString(36)}`;
    await seller.submitTransaction('CreateListing', JSON.stringify(listing(datasetId)));
    const resultKey = generateResultKeyPair().publicKeyPem;
    const senders = [
      ...issueIdentities(description, 'buyer', 150),
      ...issueIdentities(description, 'auditor', 50),
    ];
    process.stderr.write(`funding ${String(senders.length)} bench identities ...\n`);
    await fund(contracts, issuer, senders, 10_000);

    if (!flag('--no-caliper')) {
      const onlyAt = process.argv.indexOf('--caliper-only');
      const only = onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',') : [];
      const plan: CaliperPlan = quick
        ? {
            rates: [25, 50, 100],
            readRates: [100, 200],
            roundSeconds: 5,
            load: 20,
            workers: 2,
            only,
          }
        : {
            rates: [25, 50, 75, 100, 150],
            readRates: [100, 200, 400],
            roundSeconds: 8,
            load: 30,
            workers: 2,
            only,
          };
      const dir = path.join(network.runDir, 'caliper');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dir, { recursive: true });
      const netConfig = writeNetworkConfig(dir, description, [...senders, sellerId]);
      const benchConfig = writeBenchConfig(dir, plan, {
        senders,
        seller: sellerId,
        sellerAccountId: await accountOf(seller),
        datasetId,
        resultKey,
      });
      const cli = await ensureCaliper(repoRoot);
      const pids = await network.pids();
      const cpu = startCpu(() => {
        const groups = new Map<string, number[]>();
        const parents = processTable();
        for (const [name, pid] of pids) groups.set(name, treeOf(pid, parents));
        groups.set(
          'caliper (manager + workers)',
          treeOf(process.pid, parents).filter((pid) => pid !== process.pid),
        );
        return groups;
      });
      const result = await runCaliper(
        cli,
        dir,
        netConfig,
        benchConfig,
        path.join(dir, 'caliper.log'),
      );
      const shares = cpu.stop();
      console.log(
        `\nCaliper 0.6 (${String(plan.workers)} workers, peer-gateway connector), exit ${String(result.code)}; log and report.html in ${dir}`,
      );
      console.log(result.tables.join('\n'));
      console.log('\nCPU during the Caliper run (share of one core, from /proc)');
      console.log(table(['process', 'CPU'], cpuRows(shares)));
    }

    if (!flag('--no-scenarios')) {
      const hot = await hotSeller(contracts, senders.slice(0, 100), seller, datasetId, resultKey);
      console.log('\n100 settlements paying one seller at once (fabric-gateway, no retries)');
      console.log(table(['step', 'trades', 'failed', 'seconds', 'per second', 'first error'], hot));
      const users = senders.filter((s) => s.org === 'buyer').slice(100, 120);
      const each = quick ? 3 : 5;
      const stores: [string, string | undefined][] = [['SQLite (synchronous = FULL)', undefined]];
      const pg = flag('--pg') ? await startPostgres(network) : undefined;
      if (pg) stores.push(['PostgreSQL', pg.url]);
      try {
        for (const [store, url] of stores) {
          const rest = await restOverhead(
            network.runDir,
            contracts,
            users,
            datasetId,
            resultKey,
            each,
            30,
            url,
          );
          console.log(
            `\nREST overhead, buyer app store ${store}: ${String(users.length)} buyers, each ${String(each)} purchases in a row, all buyers at once`,
          );
          console.log(table(['path', 'purchases', 'failed', 'seconds', 'per second'], rest.rows));
          console.log(`overhead of the app: ${(rest.overhead * 100).toFixed(1)} % (goal ≤ 15 %)`);
          console.log(
            table(['one buyer: concurrent REST purchases', 'failed', 'seconds'], [rest.oneBuyer]),
          );
        }
      } finally {
        await pg?.stop();
      }
    }

    if (!flag('--no-latency')) {
      const latencies = await tradeLatencies(network, issuer, quick ? 10 : 20, false);
      console.log(
        '\nwhole-trade latency (pass-through crypto): purchase → delivery → result → settlement',
      );
      console.log(latencyTable(latencies));
    }
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
    sellerGatewayUrl: 'https://127.0.0.1:1/unused',
    freeSample: false,
  };
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
