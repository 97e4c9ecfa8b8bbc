/**
 * Hyperledger Caliper on the bench network: writes Caliper's network configuration (from the
 * run directory's network.json and the bench identities) and benchmark configuration (fixed-
 * rate rounds up to saturation, fixed-load rounds of Transfer and Purchase in ABBA order), runs Caliper 0.6 from
 * bench/caliper (installed there on demand) and hands back its result tables.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NetworkDescription } from '../src/fabric/index.js';
import type { BenchIdentity } from './ledger-identities.js';

export interface CaliperPlan {
  /** Fixed-rate steps (tx/s) for the writing workloads, up to saturation. */
  rates: number[];
  /** Fixed-rate steps for the reads. */
  readRates: number[];
  /** Seconds per fixed-rate round. */
  roundSeconds: number;
  /** Transactions kept in flight by the fixed-load rounds. */
  load: number;
  /**
   * Fixed-load rounds of Transfer and Purchase, in pairs, in ABBA order (Transfer, Purchase,
   * Purchase, Transfer, …) so a machine getting busier or a ledger growing weighs on both.
   */
  loadPairs: number;
  workers: number;
  /** Only the rounds whose label starts with one of these (all when empty). */
  only: string[];
}

interface Round {
  label: string;
  txNumber?: number;
  txDuration?: number;
  rateControl: { type: string; opts: Record<string, number> };
  workload: { module: string; arguments: Record<string, unknown> };
}

interface Who {
  mspId: string;
  name: string;
}
const who = (i: BenchIdentity): Who => ({ mspId: i.mspId, name: i.name });

/** The connection profile and identities Caliper's peer-gateway connector reads, per org. */
export function writeNetworkConfig(
  dir: string,
  network: NetworkDescription,
  identities: BenchIdentity[],
): string {
  const organizations = Object.entries(network.orgs).map(([org, o]) => {
    const profile = path.join(dir, `profile-${org}.json`);
    writeFileSync(
      profile,
      JSON.stringify({
        name: org,
        version: '1.0.0',
        client: { organization: org },
        organizations: { [org]: { mspid: o.mspId, peers: [o.peerHostAlias] } },
        peers: {
          [o.peerHostAlias]: {
            url: `grpcs://${o.peerEndpoint}`,
            tlsCACerts: { path: o.tlsCa },
            grpcOptions: { 'ssl-target-name-override': o.peerHostAlias },
          },
        },
      }),
    );
    const certificates = identities
      .filter((i) => i.org === org)
      .map((i) => ({
        name: i.name,
        clientPrivateKey: { path: i.keyPath },
        clientSignedCert: { path: i.certPath },
      }));
    return {
      mspid: o.mspId,
      identities: { certificates },
      connectionProfile: { path: profile, discover: false },
    };
  });
  const file = path.join(dir, 'networkconfig.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'datamarket-bench',
      version: '2.0.0',
      caliper: { blockchain: 'fabric' },
      channels: [{ channelName: 'market', contracts: [{ id: 'datamarket' }] }],
      organizations,
    }),
  );
  return file;
}

/** Rounds: Transfer, Purchase, the seller's side of those trades, then the reads. */
export function writeBenchConfig(
  dir: string,
  plan: CaliperPlan,
  args: {
    senders: BenchIdentity[];
    seller: BenchIdentity;
    sellerAccountId: string;
    datasetId: string;
    resultKey: string;
    repoRoot: string;
  },
): string {
  const senders = args.senders.map(who);
  const common = {
    senders,
    seller: who(args.seller),
    datasetId: args.datasetId,
    resultKey: args.resultKey,
  };
  const workloadDir = path.join(args.repoRoot, 'bench', 'caliper', 'workloads');
  const module = (name: string) => path.join(workloadDir, name);
  const fixedRate = (
    label: string,
    file: string,
    extra: Record<string, unknown>,
    rates: number[],
  ) =>
    rates.map<Round>((tps) => ({
      label: `${label}@${String(tps)}/s`,
      txNumber: Math.round(tps * plan.roundSeconds),
      rateControl: { type: 'fixed-rate', opts: { tps } },
      workload: { module: module(file), arguments: { ...common, ...extra } },
    }));
  const fixedLoad = (label: string, file: string, n: number): Round => ({
    label: `${label}@load${String(plan.load)}#${String(n)}`,
    txDuration: plan.roundSeconds,
    rateControl: { type: 'fixed-load', opts: { transactionLoad: plan.load, startingTps: 10 } },
    workload: { module: module(file), arguments: common },
  });
  const loadRounds = Array.from({ length: plan.loadPairs }, (_, i) => {
    const pair = [
      fixedLoad('Transfer', 'transfer.js', i + 1),
      fixedLoad('Purchase', 'purchase.js', i + 1),
    ];
    return i % 2 === 0 ? pair : pair.reverse();
  }).flat();
  // The seller's steps go one rate less far: each needs a trade the Purchase rounds made.
  const step = (name: string) =>
    fixedRate(name, 'trade-step.js', { step: name }, plan.rates.slice(0, -1));
  const read = (fn: string, fnArgs: string[]) =>
    fixedRate(fn, 'read.js', { fn, args: fnArgs }, plan.readRates);
  const rounds: Round[] = [
    ...fixedRate('Transfer', 'transfer.js', {}, plan.rates),
    ...fixedRate('Purchase', 'purchase.js', {}, plan.rates),
    ...loadRounds,
    ...step('ConfirmDelivery'),
    ...step('SubmitResult'),
    ...step('DeliverResult'),
    ...read('BalanceOf', [args.sellerAccountId]),
    ...read('GetListing', [args.datasetId]),
    ...read('ListTradesByState', ['PAID', '20', '']),
  ];
  const file = path.join(dir, 'benchconfig.yaml');
  const chosen = rounds.filter(
    (r) => plan.only.length === 0 || plan.only.some((p) => r.label.startsWith(`${p}@`)),
  );
  writeFileSync(
    file,
    JSON.stringify({
      test: { name: 'datamarket', workers: { number: plan.workers }, rounds: chosen },
    }),
  );
  return file;
}

/** bench/caliper's node_modules, installed on demand (its own package.json, not the repo's). */
export async function ensureCaliper(repoRoot: string): Promise<string> {
  const dir = path.join(repoRoot, 'bench', 'caliper');
  const cli = path.join(dir, 'node_modules', '.bin', 'caliper');
  // The stand-in that hides the repo's fabric-network came later than some installs.
  const stub = path.join(dir, 'node_modules', 'fabric-network', 'package.json');
  if (!existsSync(cli) || !existsSync(stub)) {
    console.log('installing Caliper 0.6 into bench/caliper (once) ...');
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error'],
      dir,
      () => undefined,
    );
  }
  return cli;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  onLine: (line: string) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let rest = '';
    const collect = (chunk: Buffer) => {
      rest += chunk.toString();
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (rest) onLine(rest);
      resolve(code ?? 1);
    });
  });
}

/** Runs Caliper; resolves with the lines of its result tables. */
export async function runCaliper(
  cli: string,
  workDir: string,
  networkConfig: string,
  benchConfig: string,
  logFile: string,
  onRound: (event: 'start' | 'end', label: string) => void = () => undefined,
): Promise<{ code: number; tables: string[]; log: string[] }> {
  mkdirSync(workDir, { recursive: true });
  const log: string[] = [];
  const tables: string[] = [];
  const code = await run(
    cli,
    [
      'launch',
      'manager',
      '--caliper-workspace',
      workDir,
      '--caliper-networkconfig',
      networkConfig,
      '--caliper-benchconfig',
      benchConfig,
      '--caliper-flow-only-test',
      '--caliper-report-path',
      path.join(workDir, 'report.html'),
      '--caliper-fabric-timeout-invokeorquery',
      '60',
    ],
    workDir,
    (line) => {
      log.push(line);
      const round = /(Started|Finished) round [0-9]+ \(([^)]+)\)/.exec(line);
      if (round?.[1] && round[2]) onRound(round[1] === 'Started' ? 'start' : 'end', round[2]);
      // Caliper prints its tables as lines of | cells | and +----+ rules.
      const at = line.search(/[|+][- ]/);
      if (at >= 0 && /^[|+]/.test(line.slice(at).trim())) tables.push(line.slice(at));
      if (/Started round|Finished round|error/i.test(line) && !line.includes('|')) {
        process.stderr.write(
          `caliper: ${line.replace(/^.*?(Started|Finished|error)/i, '$1').slice(0, 160)}\n`,
        );
      }
    },
  );
  writeFileSync(logFile, log.join('\n'));
  // Caliper prints each round's table, then all rounds in one: keep that last one.
  const headers = tables.flatMap((line, i) => (line.startsWith('| Name') ? [i] : []));
  const start = Math.max(0, (headers.at(-1) ?? 1) - 1);
  return { code, tables: tables.slice(start), log };
}

/** One row of Caliper's result table. */
interface CaliperRow {
  name: string;
  succ: number;
  fail: number;
  throughput: number;
}

export function caliperRows(tables: string[]): CaliperRow[] {
  return tables.flatMap((line) => {
    const cells = line.split('|').map((c) => c.trim());
    // | Name | Succ | Fail | Send Rate | Max | Min | Avg | Throughput |
    const [, name, succ, fail, , , , , throughput] = cells;
    if (!name || name === 'Name' || throughput === undefined || !/^[0-9.]+$/.test(throughput)) {
      return [];
    }
    return [{ name, succ: Number(succ), fail: Number(fail), throughput: Number(throughput) }];
  });
}

/**
 * Purchase against Transfer over the fixed-load rounds: each workload's mean throughput, and
 * their ratio (the goal is at least 0.9).
 */
export function fixedLoadComparison(
  tables: string[],
): { transfer: number[]; purchase: number[]; failed: number; ratio: number } | undefined {
  const rows = caliperRows(tables).filter((r) => r.name.includes('@load'));
  const of = (w: string) => rows.filter((r) => r.name.startsWith(`${w}@`)).map((r) => r.throughput);
  const transfer = of('Transfer');
  const purchase = of('Purchase');
  if (transfer.length === 0 || purchase.length === 0) return undefined;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const failed = rows.reduce((sum, r) => sum + r.fail, 0);
  return { transfer, purchase, failed, ratio: mean(purchase) / mean(transfer) };
}
