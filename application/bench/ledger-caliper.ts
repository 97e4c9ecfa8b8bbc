/**
 * Hyperledger Caliper on the bench network: writes Caliper's network configuration (from the
 * run directory's network.json and the bench identities) and benchmark configuration (fixed-
 * rate rounds up to saturation and a fixed-load round per workload), runs Caliper 0.6 from
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
  /** Transactions kept in flight by the fixed-load round. */
  load: number;
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
  const fixedLoad = (label: string, file: string, extra: Record<string, unknown> = {}): Round => ({
    label: `${label}@load${String(plan.load)}`,
    txDuration: plan.roundSeconds,
    rateControl: { type: 'fixed-load', opts: { transactionLoad: plan.load, startingTps: 10 } },
    workload: { module: module(file), arguments: { ...common, ...extra } },
  });
  // The seller's steps go one rate less far: each needs a trade the Purchase rounds made.
  const step = (name: string) =>
    fixedRate(name, 'trade-step.js', { step: name }, plan.rates.slice(0, -1));
  const read = (fn: string, fnArgs: string[]) =>
    fixedRate(fn, 'read.js', { fn, args: fnArgs }, plan.readRates);
  const rounds: Round[] = [
    ...fixedRate('Transfer', 'transfer.js', {}, plan.rates),
    fixedLoad('Transfer', 'transfer.js'),
    ...fixedRate('Purchase', 'purchase.js', {}, plan.rates),
    fixedLoad('Purchase', 'purchase.js'),
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
