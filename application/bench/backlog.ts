/**
 * Backlog drain benchmark on a real network (its own run directory and ports, 38000+ unless
 * DATAMARKET_BENCH_PORT_BASE says otherwise): `--trades N` purchases (default 100) are made
 * while the seller's event pump is off, then a pump starts on the seller's store and the time
 * until every trade is DELIVERED is measured, once with one trade at a time (pumpConcurrency
 * 1: how the pump worked before its worker pool) and once with the pool (`--pool K`, default
 * 8). Pass-through crypto, so the figures are the market's own. It also reports the chain's
 * purchase rate while the backlog was made.
 * `node application/dist/bench/backlog.js [--trades N] [--pool K]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Contract } from '@hyperledger/fabric-gateway';
import { table } from '../src/cli/format.js';
import { DataMarketClient } from '../src/client/index.js';
import {
  connectAs,
  retryWhileEndorsersSettle,
  TestNetwork,
  type GatewayConnection,
} from '../src/fabric/index.js';
import { newApiToken, tokenSha256Hex } from '../src/gateway/auth.js';
import { withDefaults, type GatewayConfig } from '../src/gateway/config.js';
import type { SellerCrypto } from '../src/gateway/seller-crypto.js';
import { startGateway, type RunningGateway } from '../src/gateway/server.js';
import type { Page, Trade } from '../src/gateway/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CHANNEL = 'market';
const BUYERS = ['Admin', 'User1', 'User2'];
const utf8 = new TextDecoder();

const passThrough: SellerCrypto = {
  createBundle: (dataset) =>
    Promise.resolve({
      bundle: Buffer.from(
        JSON.stringify({ rows: dataset.rows, tag: randomBytes(8).toString('hex') }),
      ),
      secretKey: randomBytes(16),
    }),
  decryptResult: () => Promise.resolve([]),
};

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Runs `work` `count` times, at most `width` at once. */
async function bounded(count: number, width: number, work: () => Promise<unknown>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (started < count) {
        started += 1;
        await work();
      }
    }),
  );
}

interface Round {
  concurrency: number;
  purchases: number;
  purchaseSeconds: number;
  drainSeconds: number;
}

async function main(): Promise<void> {
  const trades = option('--trades', 100);
  const pool = option('--pool', 8);
  const portBase = option('--port-base', Number(process.env.DATAMARKET_BENCH_PORT_BASE ?? 38000));
  const network = new TestNetwork({
    runDir: path.join(repoRoot, '.run', 'backlog-bench-network'),
    portBase,
  });
  const work = mkdtempSync(path.join(tmpdir(), 'dm-backlog-'));
  const connections: GatewayConnection[] = [];
  const apps: RunningGateway[] = [];
  console.log(`starting a bench network in ${network.runDir} (ports ${String(portBase)}+) ...`);
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

    const tokens = Object.fromEntries(BUYERS.map((u) => [u, newApiToken()]));
    const sellerToken = newApiToken();
    const base = (org: string, storePath: string, users: [string, string][]) =>
      withDefaults({
        org,
        roles: org === 'seller' ? ['seller'] : ['buyer'],
        channels: [CHANNEL],
        networkRunDir: network.runDir,
        storePath,
        storeSecret: 'backlog bench store secret',
        users: users.map(([user, token]) => ({ user, tokenSha256: tokenSha256Hex(token) })),
        ...(org === 'seller' ? { registerAppAs: 'Admin' } : {}),
      });
    const buyerApp = await startGateway(
      base('buyer', path.join(work, 'buyer.db'), Object.entries(tokens)),
      {
        log: () => undefined,
      },
    );
    apps.push(buyerApp);
    const buyers = BUYERS.map(
      (user) =>
        new DataMarketClient({ url: buyerApp.url, token: tokens[user] ?? '', channel: CHANNEL }),
    );
    await retryWhileEndorsersSettle(() =>
      issuer.submitTransaction('Mint', String(trades * 4 * BUYERS.length)),
    );
    for (const market of buyers) {
      await issuer.submitTransaction(
        'Transfer',
        (await market.account()).accountId,
        String(trades * 4),
      );
    }
    const delivered = async (datasetId: string): Promise<number> => {
      let n = 0;
      let bookmark = '';
      do {
        const page = JSON.parse(
          utf8.decode(
            await issuer.evaluateTransaction('ListTradesByDataset', datasetId, '100', bookmark),
          ),
        ) as Page<Trade>;
        n += page.records.filter((t) => t.state === 'DELIVERED').length;
        bookmark = page.records.length > 0 ? page.bookmark : '';
      } while (bookmark);
      return n;
    };

    const round = async (concurrency: number): Promise<Round> => {
      const storePath = path.join(work, `seller-${String(concurrency)}.db`);
      const sellerConfig = (extra: Partial<GatewayConfig>) => ({
        ...base('seller', storePath, [['Admin', sellerToken]]),
        ...extra,
      });
      // List with the pump off; the pump later starts at the listing's block.
      const lister = await startGateway(sellerConfig({}), {
        crypto: passThrough,
        pump: false,
        log: () => undefined,
      });
      const datasetId = `backlog-${String(concurrency)}-${randomBytes(3).toString('hex')}`;
      await new DataMarketClient({ url: lister.url, token: sellerToken, channel: CHANNEL }).sell(
        {
          id: datasetId,
          title: 'backlog bench',
          price: '1',
          deposit: '0',
          deliverWithin: 3600,
          resultWithin: 600,
          decryptWithin: 600,
          leakageBound: 1,
          ckksPreset: 'n8192-d2',
        },
        { csv: 'x\n1\n2\n' },
      );
      const height = BigInt((await lister.ledger.chainInfo('Admin', CHANNEL)).height);
      await lister.close();

      const bought = performance.now();
      const per = Math.ceil(trades / buyers.length);
      await Promise.all(
        buyers.map((market, b) =>
          bounded(Math.min(per, trades - b * per), 2, () => market.buy(datasetId, '1', '0')),
        ),
      );
      const purchaseSeconds = (performance.now() - bought) / 1000;

      const drainStart = performance.now();
      const pump = await startGateway(
        sellerConfig({ pumpConcurrency: concurrency, pumpStartBlock: height - 1n }),
        {
          crypto: passThrough,
          log: () => undefined,
        },
      );
      apps.push(pump);
      while ((await delivered(datasetId)) < trades) await new Promise((r) => setTimeout(r, 200));
      const drainSeconds = (performance.now() - drainStart) / 1000;
      await pump.close();
      apps.pop();
      return { concurrency, purchases: trades, purchaseSeconds, drainSeconds };
    };

    const results = [await round(1), await round(pool)];
    const rows = results.map((r) => [
      r.concurrency === 1
        ? 'one at a time (before)'
        : `worker pool of ${String(r.concurrency)} (after)`,
      r.purchases,
      `${r.drainSeconds.toFixed(1)} s`,
      (r.purchases / r.drainSeconds).toFixed(1),
      (r.purchases / r.purchaseSeconds).toFixed(1),
    ]);
    console.log(
      `\nbacklog of ${String(trades)} purchases drained by the seller's pump (pass-through crypto)`,
    );
    console.log(
      table(['pump', 'backlog', 'drain time', 'deliveries/s', 'chain purchases/s'], rows),
    );
  } finally {
    await Promise.allSettled(apps.map((a) => a.close()));
    for (const c of connections) c.close();
    await network.run('down');
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
