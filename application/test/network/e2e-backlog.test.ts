import type { Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DataMarketClient } from '../../src/client/index.js';
import {
  connectAs,
  retryWhileEndorsersSettle,
  type GatewayConnection,
} from '../../src/fabric/index.js';
import { storeLocation } from '../../src/gateway/config.js';
import type { RunningGateway } from '../../src/gateway/server.js';
import { openSellerStore } from '../../src/gateway/store/seller-store.js';
import type { Page, Trade, TradeHistoryEntry } from '../../src/gateway/types.js';
import {
  call,
  closeAll,
  gatewayConfig,
  initialized,
  present,
  startApp,
  waitFor,
  type AppHandle,
} from './e2e-support.js';
import { freePort, startSellerProcess, type SellerProcess } from './seller-process-control.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const CHANNEL = 'market';
const utf8 = new TextDecoder();
/** Purchases in the backlog, by three buyer users, two at a time each (one balance key each). */
const BACKLOG = 200;
const BUYERS = ['Admin', 'User1', 'User2'];
const AT_ONCE_PER_BUYER = 2;

/** Runs `work` over `items`, at most `width` at a time. */
async function bounded<T, R>(
  items: T[],
  width: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i] as T);
      }
    }),
  );
  return results;
}

/**
 * A backlog of 200 purchases made while the seller's app is down, drained by its event pump
 * (a worker pool) with the app killed (SIGKILL) once in the middle of the drain: every trade
 * ends DELIVERED exactly once, and /health answers during the drain. Pass-through crypto.
 */
describe('e2e: a backlog of 200 purchases drained through a pump killed once', function () {
  this.timeout(900_000);
  let buyer: AppHandle;
  let issuerConnection: GatewayConnection;
  let auditor: Contract;
  let sellerProcess: SellerProcess | undefined;

  const tradesOf = async (datasetId: string): Promise<Trade[]> => {
    const all: Trade[] = [];
    let bookmark = '';
    do {
      const page = JSON.parse(
        utf8.decode(
          await auditor.evaluateTransaction('ListTradesByDataset', datasetId, '100', bookmark),
        ),
      ) as Page<Trade>;
      all.push(...page.records);
      bookmark = page.records.length > 0 ? page.bookmark : '';
    } while (bookmark);
    return all;
  };
  const delivered = async (datasetId: string) =>
    (await tradesOf(datasetId)).filter((t) => t.state === 'DELIVERED').length;

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    auditor = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(auditor);
    const b = gatewayConfig(testNetwork.runDir, 'buyer', ['buyer'], [CHANNEL], BUYERS);
    buyer = await startApp(b.config, b.tokens);
    await retryWhileEndorsersSettle(() =>
      auditor.submitTransaction('Mint', String(BACKLOG * BUYERS.length)),
    );
    for (const user of BUYERS) {
      const account = await call<{ accountId: string }>(
        buyer,
        'GET',
        '/api/channels/{channel}/account',
        { channel: CHANNEL },
        { user },
      );
      await auditor.submitTransaction('Transfer', account.body.accountId, String(BACKLOG));
    }
  });

  after(async () => {
    await sellerProcess?.kill();
    await closeAll(
      () => buyer.gateway.close(),
      () => {
        issuerConnection.close();
      },
    );
  });

  it('every trade is DELIVERED exactly once; /health answers during the drain', async () => {
    const port = await freePort();
    const s = gatewayConfig(testNetwork.runDir, 'seller', ['seller'], [CHANNEL], ['Admin'], {
      port,
      pumpConcurrency: 8,
    });
    const configFile = path.join(
      path.dirname(present(s.config.storePath, 'the store path')),
      'config.json',
    );
    writeFileSync(configFile, JSON.stringify(s.config));
    sellerProcess = await startSellerProcess(configFile);
    const sellerApp: AppHandle = {
      gateway: { config: s.config } as RunningGateway,
      tokens: s.tokens,
      url: sellerProcess.url,
    };
    const datasetId = `backlog-${randomUUID().slice(0, 8)}`;
    const seller = new DataMarketClient({
      url: sellerApp.url,
      token: s.tokens.Admin ?? '',
      channel: CHANNEL,
    });
    await seller.sell(
      {
        id: datasetId,
        title: 'backlog',
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
    await sellerProcess.kill();

    // The backlog: purchases while the seller's app is down.
    const shares = BUYERS.map((user, b) => {
      const market = new DataMarketClient({
        url: buyer.url,
        token: buyer.tokens[user] ?? '',
        channel: CHANNEL,
      });
      const count = Math.floor(BACKLOG / BUYERS.length) + (b < BACKLOG % BUYERS.length ? 1 : 0);
      return bounded(
        Array.from({ length: count }, (_, i) => i),
        AT_ONCE_PER_BUYER,
        () => market.buy(datasetId, '1', '0'),
      );
    });
    const bought = (await Promise.all(shares)).flat();
    expect(new Set(bought.map((t) => t.tradeId)).size).to.equal(BACKLOG);

    // Drain, killed once in the middle.
    sellerProcess = await startSellerProcess(configFile);
    await waitFor(
      'a part of the backlog delivered',
      async () => {
        const n = await delivered(datasetId);
        return n >= BACKLOG / 4 ? n : undefined;
      },
      300_000,
    );
    await sellerProcess.kill();
    const atKill = await delivered(datasetId);
    expect(atKill).to.be.below(BACKLOG);
    sellerProcess = await startSellerProcess(configFile);
    sellerApp.url = sellerProcess.url;
    let healthChecks = 0;
    await waitFor(
      'the whole backlog delivered',
      async () => {
        const health = await call(sellerApp, 'GET', '/health', {});
        expect(health.status).to.equal(200);
        healthChecks += 1;
        const n = await delivered(datasetId);
        return n === BACKLOG ? n : undefined;
      },
      600_000,
    );
    expect(healthChecks).to.be.at.least(1);
    await sellerProcess.kill();
    sellerProcess = undefined;

    // Exactly once: each trade has one DELIVERED version on chain, one confirmation journaled.
    const store = await openSellerStore(storeLocation(s.config));
    try {
      for (const trade of bought) {
        const history = JSON.parse(
          utf8.decode(await auditor.evaluateTransaction('GetTradeHistory', trade.tradeId)),
        ) as TradeHistoryEntry[];
        const states = history.map((h) => h.trade?.state);
        expect(
          states.filter((state) => state === 'DELIVERED'),
          trade.tradeId,
        ).to.have.length(1);
        const actions = (await store.pumpLog(CHANNEL, trade.tradeId)).map((e) => e.action);
        expect(
          actions.filter((a) => a === 'delivery-confirmed'),
          trade.tradeId,
        ).to.have.length(1);
        // One bundle, the one confirmed (a kill right after storing it shows as a reuse).
        expect(actions.filter((a) => a === 'bundle-stored').length, trade.tradeId).to.be.at.most(1);
        const last = history.at(-1)?.trade;
        const bundle = await store.getBundle(CHANNEL, trade.tradeId);
        expect(bundle?.sha256, trade.tradeId).to.equal(last?.bundleHash);
      }
    } finally {
      await store.close();
    }
  });
});
