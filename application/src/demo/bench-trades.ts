/**
 * Market benchmarks on a real network (its own run directory and ports, 37000+):
 * 1. whole-trade latency: purchase → delivery → result → settlement, through the gateway apps
 *    and the seller's event pump, p50/p95 over `--trades N` (default 20) sequential trades;
 * 2. purchase throughput: purchases/s with concurrent buyers, against Transfer (a plain
 *    two-key write) with the same accounts and concurrency.
 * `node application/dist/src/demo/bench-trades.js [--trades N] [--engine]`: with --engine the
 * seller uses the CKKS engine (bundle creation and decryption in the latency); without, a
 * pass-through stand-in, so the numbers are the market's own overhead.
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
import { generateResultKeyPair } from '../gateway/crypto/result-envelope.js';
import { retryWhileEndorsersSettle } from '../fabric/index.js';
import { ResultRefused, type SellerCrypto } from '../gateway/seller-crypto.js';
import { startGateway, type RunningGateway } from '../gateway/server.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const CHANNEL = 'market';
const utf8 = new TextDecoder();

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

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const trades = Number(argv[argv.indexOf('--trades') + 1] ?? 20) || 20;
  const useEngine = argv.includes('--engine');
  const network = new TestNetwork({
    runDir: path.join(repoRoot, '.run', 'bench-network'),
    portBase: 37000,
  });
  const work = mkdtempSync(path.join(tmpdir(), 'dm-bench-'));
  const connections: GatewayConnection[] = [];
  const apps: RunningGateway[] = [];
  console.log(`starting a bench network in ${network.runDir} (ports 37000+) ...`);
  await network.run('down');
  await network.up();
  try {
    await network.deployChaincode(CHANNEL);
    const description = await network.describe();
    const open = async (org: string, user: string): Promise<Contract> => {
      const connection = await connectAs(description, { org, user });
      connections.push(connection);
      return connection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    };
    const issuer = await open('auditor', 'Admin');
    await retryWhileEndorsersSettle(
      () => issuer.submitTransaction('Initialize', 'AuditorMSP'),
      60_000,
    );

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
    await retryWhileEndorsersSettle(() => issuer.submitTransaction('Mint', '1000000'));
    await issuer.submitTransaction('Transfer', buyerAccount, '100000');

    // 1. whole-trade latency
    const rows = Array.from({ length: 200 }, (_, i) => `${(i % 17) / 17},${(i % 5) / 5}`).join(
      '\n',
    );
    await seller.sell(
      {
        id: 'bench',
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
      const { trade, bundle } = await buyer.requestData('bench');
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
    latencies.sort((a, b) => a - b);

    // 2. purchases/s vs Transfer, 8 concurrent accounts, one transaction each per round.
    const buyers: Contract[] = [];
    for (const [org, user] of [
      ['buyer', 'Admin'],
      ['buyer', 'User1'],
      ['buyer', 'User2'],
      ['seller', 'User1'],
      ['seller', 'User2'],
      ['auditor', 'User1'],
      ['auditor', 'User2'],
      ['auditor', 'Admin'],
    ] as const) {
      const contract = await open(org, user);
      buyers.push(contract);
      const account = utf8.decode(await contract.evaluateTransaction('ClientAccountID'));
      if (!(org === 'auditor' && user === 'Admin'))
        await issuer.submitTransaction('Transfer', account, '10000');
    }
    const key = generateResultKeyPair().publicKeyPem;
    const rounds = Math.max(3, Math.ceil(trades / 8));
    const timed = async (label: string, op: (c: Contract, i: number) => Promise<unknown>) => {
      const started = performance.now();
      let ok = 0;
      for (let r = 0; r < rounds; r++) {
        const results = await Promise.allSettled(buyers.map((c, i) => op(c, i)));
        ok += results.filter((x) => x.status === 'fulfilled').length;
      }
      const seconds = (performance.now() - started) / 1000;
      return [label, ok, seconds.toFixed(2), (ok / seconds).toFixed(1)];
    };
    // Each sender writes only its own keys (a sink account of its own), so nothing conflicts.
    const purchases = await timed('Purchase', (c) => c.submitTransaction('Purchase', 'bench', key));
    const transfers = await timed('Transfer (plain key write)', (c, i) =>
      c.submitTransaction('Transfer', `SinkMSP::/CN=sink${i}::/CN=bench`, '1'),
    );

    console.log(
      `\nwhole-trade latency over ${trades} trades (${useEngine ? 'CKKS engine' : 'pass-through crypto'}): purchase → delivery → result → settlement`,
    );
    console.log(
      table(
        ['p50', 'p95', 'min', 'max'],
        [
          [
            percentile(latencies, 50),
            percentile(latencies, 95),
            latencies[0],
            latencies.at(-1),
          ].map((ms) => `${((ms ?? NaN) / 1000).toFixed(2)} s`),
        ],
      ),
    );
    console.log(`\nthroughput, 8 concurrent accounts × ${rounds} rounds`);
    console.log(
      table(['transaction', 'committed', 'seconds', 'per second'], [purchases, transfers]),
    );
    const t = (await buyer.trades()).records;
    console.log(`\n(${t.length} trades of the bench buyer on the ledger)`);
  } finally {
    await Promise.allSettled(apps.map((a) => a.close()));
    for (const c of connections) c.close();
    await network.run('down');
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
