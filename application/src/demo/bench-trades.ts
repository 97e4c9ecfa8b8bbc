/**
 * Whole-trade latency on a real network: purchase → delivery → result → settlement, through
 * the gateway apps and the seller's event pump, p50/p95 over `--trades N` (default 20)
 * sequential trades. Throughput is measured open-loop by `npm run bench:ledger`
 * (application/bench/ledger-bench.ts, Caliper), not here.
 * `node application/dist/src/demo/bench-trades.js [--trades N] [--engine]`: with --engine the
 * seller uses the CKKS engine (bundle creation and decryption in the latency); without, a
 * pass-through stand-in, so the numbers are the market's own overhead. The network uses
 * DATAMARKET_BENCH_RUN_DIR and DATAMARKET_BENCH_PORT_BASE when set (default .run/bench-network,
 * ports 37000+).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { Contract } from '@hyperledger/fabric-gateway';
import { loadBundle, serializeResult } from '../ckks/index.js';
import { DataMarketClient } from '../client/index.js';
import { table } from '../cli/format.js';
import { connectAs, TestNetwork, type GatewayConnection } from '../fabric/index.js';
import { newApiToken, tokenSha256Hex } from '../gateway/auth.js';
import { withDefaults, type Role } from '../gateway/config.js';
import { retryWhileEndorsersSettle } from '../fabric/index.js';
import { ResultRefused, type SellerCrypto } from '../gateway/seller-crypto.js';
import { startGateway, type RunningGateway } from '../gateway/server.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const CHANNEL = 'market';

/** Pass-through stand-in for the engine: results are JSON {values}. */
const passThrough: SellerCrypto = {
  createBundle: (dataset) =>
    Promise.resolve({
      bundle: Buffer.from(
        JSON.stringify({ rows: dataset.rows.length, tag: randomBytes(8).toString('hex') }),
      ),
      secretKey: randomBytes(16),
    }),
  decryptResult: ({ result, maxValues }) => {
    const values = (JSON.parse(Buffer.from(result).toString()) as { values: number[] }).values;
    if (values.length > maxValues) throw new ResultRefused('over the bound');
    return Promise.resolve(values);
  },
};

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/**
 * `trades` sequential whole trades between a seller app and a buyer app on `network` (up,
 * chaincode deployed and initialized; `issuer` holds tokens). Resolves with each trade's
 * latency in ms, sorted.
 */
export async function tradeLatencies(
  network: TestNetwork,
  issuer: Contract,
  trades: number,
  useEngine: boolean,
): Promise<number[]> {
  const work = mkdtempSync(path.join(tmpdir(), 'dm-bench-'));
  const apps: RunningGateway[] = [];
  try {
    const app = async (org: string, roles: Role[]) => {
      const token = newApiToken();
      const config = withDefaults({
        org,
        roles,
        channels: [CHANNEL],
        networkRunDir: network.runDir,
        storePath: path.join(work, `${org}.db`),
        storeSecret: newApiToken(),
        users: [{ user: 'Admin', tokenSha256: tokenSha256Hex(token) }],
        ...(roles.includes('seller') ? { registerAppAs: 'Admin' } : {}),
      });
      const gateway = await startGateway(config, {
        crypto: useEngine ? undefined : passThrough,
        log: () => undefined,
      });
      apps.push(gateway);
      return new DataMarketClient({ url: gateway.url, token });
    };
    const seller = await app('seller', ['seller']);
    const buyer = await app('buyer', ['buyer']);
    const buyerAccount = (await buyer.account()).accountId;
    await issuer.submitTransaction('Transfer', buyerAccount, String(10 * trades + 10));
    const rows = Array.from({ length: 200 }, (_, i) => `${(i % 17) / 17},${(i % 5) / 5}`).join(
      '\n',
    );
    const datasetId = `bench-${randomBytes(4).toString('hex')}`;
    await seller.sell(
      {
        id: datasetId,
        title: 'bench',
        price: '1',
        deposit: '0',
        deliverWithin: 3600,
        resultWithin: 3600,
        decryptWithin: 3600,
        leakageBound: 4,
        ckksPreset: 'n8192-d2',
      },
      { csv: `a,b\n${rows}\n` },
    );
    const latencies: number[] = [];
    for (let i = 0; i < trades; i++) {
      const started = performance.now();
      const { trade, bundle } = await buyer.requestData(datasetId);
      if (useEngine) {
        const loaded = await loadBundle(bundle);
        const means = loaded.table.mean(0);
        const result = serializeResult(means);
        means.dispose();
        loaded.dispose();
        await buyer.submitResult(trade.tradeId, result.bytes, result.valueCount);
      } else {
        await buyer.submitResult(trade.tradeId, Buffer.from(JSON.stringify({ values: [i] })), 1);
      }
      await buyer.requestResult(trade.tradeId);
      const latency = performance.now() - started;
      latencies.push(latency);
      process.stderr.write(`\rtrade ${i + 1}/${trades}: ${(latency / 1000).toFixed(2)} s   `);
    }
    process.stderr.write('\n');
    return latencies.sort((a, b) => a - b);
  } finally {
    await Promise.allSettled(apps.map((a) => a.close()));
    rmSync(work, { recursive: true, force: true });
  }
}

export function latencyTable(latencies: number[]): string {
  return table(
    ['p50', 'p95', 'min', 'max'],
    [
      [percentile(latencies, 50), percentile(latencies, 95), latencies[0], latencies.at(-1)].map(
        (ms) => `${((ms ?? NaN) / 1000).toFixed(2)} s`,
      ),
    ],
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const trades = Number(argv[argv.indexOf('--trades') + 1] ?? 20) || 20;
  const useEngine = argv.includes('--engine');
  const network = new TestNetwork({
    runDir: process.env.DATAMARKET_BENCH_RUN_DIR ?? path.join(repoRoot, '.run', 'bench-network'),
    portBase: Number(process.env.DATAMARKET_BENCH_PORT_BASE ?? 37000),
  });
  const connections: GatewayConnection[] = [];
  console.log(
    `starting a bench network in ${network.runDir} (ports ${String(network.portBase)}+) ...`,
  );
  await network.run('down');
  await network.up();
  try {
    await network.deployChaincode(CHANNEL);
    const connection = await connectAs(await network.describe(), { org: 'auditor', user: 'Admin' });
    connections.push(connection);
    const issuer = connection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await retryWhileEndorsersSettle(
      () => issuer.submitTransaction('Initialize', 'AuditorMSP'),
      60_000,
    );
    await retryWhileEndorsersSettle(() => issuer.submitTransaction('Mint', '1000000'));
    const latencies = await tradeLatencies(network, issuer, trades, useEngine);
    console.log(
      `\nwhole-trade latency over ${trades} trades (${useEngine ? 'CKKS engine' : 'pass-through crypto'}): purchase → delivery → result → settlement`,
    );
    console.log(latencyTable(latencies));
  } finally {
    for (const c of connections) c.close();
    await network.run('down');
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
