/**
 * The bench's own scenarios on the real network, beside Caliper's rounds:
 * - hot key: 100 trades of different buyers settled at once, every one paying the same
 *   seller, with plain fabric-gateway calls and no retry (a conflict would be a failure);
 * - one buyer's concurrent purchases through the buyer app's REST route (the debit queue);
 * - REST overhead: purchases/s through the buyer app's REST route against direct
 *   fabric-gateway calls by the same users at the same concurrency.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Contract } from '@hyperledger/fabric-gateway';
import { newRequestId } from '../src/client/purchase-retry.js';
import { connectAs, type GatewayConnection, type NetworkDescription } from '../src/fabric/index.js';
import { newApiToken, tokenSha256Hex } from '../src/gateway/auth.js';
import { withDefaults } from '../src/gateway/config.js';
import { startGateway } from '../src/gateway/server.js';
import type { BenchIdentity } from './ledger-identities.js';
import { RestClients } from './ledger-rest-clients.js';

const CHANNEL = 'market';
const utf8 = new TextDecoder();
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

export class Contracts {
  private readonly connections: GatewayConnection[] = [];
  constructor(private readonly network: NetworkDescription) {}

  async of(who: { org: string; name: string }): Promise<Contract> {
    const connection = await connectAs(this.network, { org: who.org, user: who.name });
    this.connections.push(connection);
    return connection.gateway.getNetwork(CHANNEL).getContract('datamarket');
  }

  close(): void {
    for (const c of this.connections) c.close();
  }
}

export async function accountOf(contract: Contract): Promise<string> {
  return utf8.decode(await contract.evaluateTransaction('ClientAccountID'));
}

/** The error's message and the peers' own (fabric-gateway puts the chaincode's there). */
function describeError(error: Error): string {
  const details = (error as Error & { details?: { message?: string }[] }).details ?? [];
  return [error.message, ...details.map((d) => d.message ?? '')].join(' | ').slice(0, 300);
}

/** Runs every call at once; counts failures and the seconds until the last one ended. */
async function burst(
  calls: (() => Promise<unknown>)[],
): Promise<{ failed: number; seconds: number; firstError?: string }> {
  const started = performance.now();
  const outcomes = await Promise.allSettled(calls.map((c) => c()));
  const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  const first: unknown = rejected[0]?.reason;
  return {
    failed: rejected.length,
    seconds: (performance.now() - started) / 1000,
    firstError: first instanceof Error ? describeError(first) : undefined,
  };
}

/** 100 settlements paying one seller in the same blocks: every step at once, no retries. */
export async function hotSeller(
  contracts: Contracts,
  buyers: BenchIdentity[],
  seller: Contract,
  datasetId: string,
  resultKey: string,
): Promise<string[][]> {
  const parties = await Promise.all(buyers.map(async (b) => contracts.of(b)));
  const ids: string[] = [];
  const byTrade = new Map<string, Contract>();
  const purchase = await burst(
    parties.map((c) => async () => {
      const bytes = await c.submitTransaction('Purchase', datasetId, resultKey);
      const { tradeId } = JSON.parse(utf8.decode(bytes)) as { tradeId: string };
      ids.push(tradeId);
      byTrade.set(tradeId, c);
    }),
  );
  const confirm = await burst(
    ids.map((id) => () => seller.submitTransaction('ConfirmDelivery', id, sha(`b${id}`), '4096')),
  );
  const submit = await burst(
    ids.map(
      (id) => () =>
        (byTrade.get(id) ?? seller).submitTransaction('SubmitResult', id, sha(`r${id}`), '1'),
    ),
  );
  const settle = await burst(
    ids.map(
      (id) => () =>
        seller.submitTransaction(
          'DeliverResult',
          id,
          Buffer.from(JSON.stringify({ values: [1] })).toString('base64'),
          sha(id),
        ),
    ),
  );
  const row = (
    label: string,
    n: number,
    r: { failed: number; seconds: number; firstError?: string },
  ) => [
    label,
    String(n),
    String(r.failed),
    r.seconds.toFixed(2),
    (n / r.seconds).toFixed(1),
    r.firstError ?? '',
  ];
  return [
    row('Purchase (distinct buyers)', buyers.length, purchase),
    row('ConfirmDelivery', ids.length, confirm),
    row('SubmitResult', ids.length, submit),
    row('DeliverResult (all pay one seller)', ids.length, settle),
  ];
}

/** A buyer app for `users` (cryptogen layout), with one API token per user. */
async function buyerApp(runDir: string, users: string[], storeUrl?: string) {
  const work = mkdtempSync(path.join(tmpdir(), 'dm-ledger-bench-'));
  const tokens = users.map(() => newApiToken());
  const config = withDefaults({
    org: 'buyer',
    roles: ['buyer'],
    channels: [CHANNEL],
    networkRunDir: runDir,
    storePath: path.join(work, 'buyer.db'),
    ...(storeUrl ? { storeUrl } : {}),
    storeSecret: newApiToken(),
    users: users.map((user, i) => ({ user, tokenSha256: tokenSha256Hex(tokens[i] ?? '') })),
  });
  const app = await startGateway(config, { log: () => undefined });
  return {
    url: app.url,
    tokens,
    close: async () => {
      await app.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** What one path did over all its rounds. */
interface PathRun {
  purchases: number;
  failed: number;
  seconds: number;
  /** CPU of this process (every thread: the app's store thread included), ms. */
  cpuMs: number;
  /** Time this process's event loop was busy, ms. */
  loopMs: number;
  /** CPU of the REST client process, ms (the direct path's clients are this process). */
  clientCpuMs?: number;
}

const emptyRun = (): PathRun => ({ purchases: 0, failed: 0, seconds: 0, cpuMs: 0, loopMs: 0 });

/** Runs `work` (every user's closed loop at once); adds what it took to `into`. */
async function timed(
  into: PathRun,
  n: number,
  work: () => Promise<{ failed: number; clientCpuMs?: number }>,
): Promise<void> {
  const loop0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const { failed, clientCpuMs } = await work();
  into.seconds += (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  into.cpuMs += (cpu.user + cpu.system) / 1000;
  into.loopMs += performance.eventLoopUtilization(loop0).active;
  into.purchases += n;
  into.failed += failed;
  if (clientCpuMs !== undefined) into.clientCpuMs = (into.clientCpuMs ?? 0) + clientCpuMs;
}

const rate = (r: PathRun) => (r.purchases - r.failed) / r.seconds;

function pathRow(label: string, r: PathRun): string[] {
  const per = (ms: number) => (ms / Math.max(1, r.purchases - r.failed)).toFixed(1);
  return [
    label,
    String(r.purchases),
    String(r.failed),
    r.seconds.toFixed(2),
    rate(r).toFixed(1),
    per(r.cpuMs),
    per(r.loopMs),
    r.clientCpuMs === undefined ? '(same process)' : per(r.clientCpuMs),
  ];
}

export const REST_OVERHEAD_HEADER = [
  'path',
  'purchases',
  'failed',
  'seconds',
  'per second',
  'CPU ms / purchase',
  'event loop ms / purchase',
  'HTTP clients CPU ms / purchase',
];

/**
 * purchases/s by `users` (one closed loop of `each` purchases per user, all users at once)
 * through the buyer app's REST route and through fabric-gateway directly, the same contract
 * call (PurchaseOnce with a fresh request id, as the client sends), `rounds` times each in
 * ABBA order (direct, REST, REST, direct, …) so a machine getting busier or quieter, or a
 * ledger growing, weighs on both alike; and `burstOfOne` concurrent purchases by a single
 * user through the REST route, all expected to succeed. The buyer app runs in this process
 * and its HTTP clients in another (ledger-rest-clients.ts), as a buyer's clients would: the
 * CPU and event-loop figures of the REST row are the app's, against the fabric-gateway
 * clients' in the direct row.
 */
export async function restOverhead(
  runDir: string,
  contracts: Contracts,
  users: BenchIdentity[],
  datasetId: string,
  resultKey: string,
  each: number,
  burstOfOne: number,
  storeUrl?: string,
  rounds = 3,
): Promise<{ rows: string[][]; overhead: number; oneBuyer: string[] }> {
  const app = await buyerApp(
    runDir,
    users.map((u) => u.name),
    storeUrl,
  );
  let clients: RestClients | undefined;
  try {
    const loop = async (call: () => Promise<unknown>) => {
      let failed = 0;
      for (let i = 0; i < each; i++) await call().catch(() => (failed += 1));
      return failed;
    };
    const direct = await Promise.all(users.map(async (u) => contracts.of(u)));
    // Warm both paths (connections, account ids) before timing.
    clients = await RestClients.start({ url: app.url, tokens: app.tokens, datasetId, each });
    const rest = clients;
    await Promise.all(direct.map((c) => accountOf(c)));
    const n = users.length * each;
    const viaGateway = emptyRun();
    const viaRest = emptyRun();
    const purchaseOnce = (c: Contract) =>
      c.submitTransaction('PurchaseOnce', datasetId, resultKey, '', '', newRequestId());
    const runDirect = () =>
      timed(viaGateway, n, async () => ({
        failed: (await Promise.all(direct.map((c) => loop(() => purchaseOnce(c))))).reduce(
          (a, b) => a + b,
          0,
        ),
      }));
    const runRest = () =>
      timed(viaRest, n, async () => {
        const { failed, cpuMs } = await rest.run({ run: 'loops' });
        return { failed, clientCpuMs: cpuMs };
      });
    for (let round = 0; round < rounds; round++) {
      for (const run of round % 2 === 0 ? [runDirect, runRest] : [runRest, runDirect]) {
        await run();
      }
    }
    const overhead = 1 - rate(viaRest) / rate(viaGateway);
    const one = await rest.run({ run: 'burst', count: burstOfOne });
    return {
      rows: [
        pathRow('fabric-gateway direct', viaGateway),
        pathRow('buyer app REST route', viaRest),
      ],
      overhead,
      oneBuyer: [String(burstOfOne), String(one.failed), one.seconds.toFixed(2)],
    };
  } finally {
    clients?.close();
    await app.close();
  }
}
