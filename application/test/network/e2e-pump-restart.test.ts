import { expect } from 'chai';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Contract } from '@hyperledger/fabric-gateway';
import { connectAs, type GatewayConnection } from '../../src/fabric/index.js';
import { openSellerStore } from '../../src/gateway/store/seller-store.js';
import { storeLocation } from '../../src/gateway/config.js';
import type { Trade } from '../../src/gateway/types.js';
import {
  call,
  closeAll,
  gatewayConfig,
  present,
  startApp,
  waitFor,
  type AppHandle,
  initialized,
} from './e2e-support.js';
import { retryWhileEndorsersSettle } from '../../src/fabric/index.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHANNEL = 'market';
const postgresScript = path.resolve(here, '../../../../test-network-scripts/postgres.sh');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Starts the seller app process; resolves once a line matching `until` is printed. */
function startSeller(
  configFile: string,
  hold: boolean,
  until: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [path.join(here, 'e2e-seller-process.js'), configFile], {
    env: { ...process.env, DATAMARKET_HOLD_BEFORE_CONFIRM: hold ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`seller process: no ${until} in:\n${output}`));
    }, 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = until.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`seller process exited (${code}):\n${output}`));
    });
  });
}

// The seller's app is killed (SIGKILL) after it stored a trade's bundle and before it confirmed
// delivery; restarted on the same store, its pump finishes the trade exactly once.
describe('e2e: event pump killed between purchase and delivery', function () {
  this.timeout(300_000);
  let buyer: AppHandle;
  let issuerConnection: GatewayConnection;
  let sellerAdmin: Contract;
  let sellerConnection: GatewayConnection;
  const children: ChildProcess[] = [];

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    const issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(issuer);
    sellerConnection = await connectAs(network, { org: 'seller', user: 'Admin' });
    sellerAdmin = sellerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    const b = gatewayConfig(testNetwork.runDir, 'buyer', ['buyer'], [CHANNEL], ['Admin']);
    buyer = await startApp(b.config, b.tokens);
    const account = await call<{ accountId: string }>(
      buyer,
      'GET',
      '/api/channels/{channel}/account',
      { channel: CHANNEL },
    );
    await retryWhileEndorsersSettle(() => issuer.submitTransaction('Mint', '1000'));
    await issuer.submitTransaction('Transfer', account.body.accountId, '1000');
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await closeAll(
      () => buyer.gateway.close(),
      () => {
        issuerConnection.close();
      },
      () => {
        sellerConnection.close();
      },
    );
  });

  /** One trade through a kill and two restarts; the store in SQLite, or at `storeUrl`. */
  const crashAndRestart = async (storeUrl?: string) => {
    const port = await freePort();
    const { config } = gatewayConfig(
      testNetwork.runDir,
      'seller',
      ['seller'],
      [CHANNEL],
      ['Admin'],
      { port, ...(storeUrl ? { storeUrl } : {}) },
    );
    // A fresh store: the pump reads from block 0 and acts only on datasets in its store.
    const configFile = path.join(
      path.dirname(present(config.storePath, 'the store path')),
      'config.json',
    );
    writeFileSync(configFile, JSON.stringify(config));

    const first = await startSeller(configFile, true, /listening (\S+)/);
    children.push(first.child);
    const sellerUrl = present(first.match[1], 'the URL the seller app listens on');
    // List through the store the process uses: the dataset row, then the listing on chain.
    const datasetId = `crash-${Date.now()}`;
    const store = await openSellerStore(storeLocation(config));
    await store.putDataset({
      channel: CHANNEL,
      datasetId,
      columns: ['x', 'y'],
      rows: [
        [1, 2],
        [3, 4],
      ],
      owner: 'Admin',
    });
    await store.close();
    await retryWhileEndorsersSettle(() =>
      sellerAdmin.submitTransaction(
        'CreateListing',
        JSON.stringify({
          id: datasetId,
          title: 'crash test',
          schema: { columns: ['x', 'y'], rowCount: 2 },
          price: '10',
          deliverWithin: 600,
          resultWithin: 600,
          decryptWithin: 600,
          leakageBound: 2,
          ckksPreset: 'n8192',
          sellerGatewayUrl: sellerUrl,
        }),
      ),
    );
    const bought = await call<Trade>(
      buyer,
      'POST',
      '/api/channels/{channel}/trades',
      { channel: CHANNEL },
      { json: { datasetId } },
    );
    expect(bought.status).to.equal(201);
    const tradeId = bought.body.tradeId;

    // Wait until the pump holds right before ConfirmDelivery, then kill it hard.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('pump never reached the hold point'));
      }, 90_000);
      const onData = (chunk: Buffer) => {
        if (chunk.toString().includes(`HOLD ${tradeId}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      present(first.child.stdout, "the seller process's stdout").on('data', onData);
    });
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(
      (
        await call<Trade>(buyer, 'GET', '/api/channels/{channel}/trades/{tradeId}', {
          channel: CHANNEL,
          tradeId,
        })
      ).body.state,
    ).to.equal('PAID');

    const second = await startSeller(
      configFile,
      false,
      new RegExp(`trade ${tradeId}: delivery confirmed`),
    );
    children.push(second.child);
    const delivered = await waitFor('DELIVERED', async () => {
      const trade = (
        await call<Trade>(buyer, 'GET', '/api/channels/{channel}/trades/{tradeId}', {
          channel: CHANNEL,
          tradeId,
        })
      ).body;
      return trade.state === 'DELIVERED' ? trade : undefined;
    });
    // The bundle made before the crash is the one on chain and the one the buyer gets.
    const bundle = await call(buyer, 'GET', '/api/channels/{channel}/trades/{tradeId}/bundle', {
      channel: CHANNEL,
      tradeId,
    });
    expect(bundle.headers.get('x-datamarket-sha256')).to.equal(delivered.bundleHash);

    // Submit a result; the restarted pump settles it. Then restart once more: nothing repeats.
    const submitted = await call<Trade>(
      buyer,
      'POST',
      '/api/channels/{channel}/trades/{tradeId}/result',
      { channel: CHANNEL, tradeId },
      { raw: Buffer.from('{"values":[4]}'), query: { valueCount: '1' } },
    );
    expect(submitted.status).to.equal(200);
    await waitFor('SETTLED', async () => {
      const trade = (
        await call<Trade>(buyer, 'GET', '/api/channels/{channel}/trades/{tradeId}', {
          channel: CHANNEL,
          tradeId,
        })
      ).body;
      return trade.state === 'SETTLED' ? trade : undefined;
    });
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
    const third = await startSeller(configFile, false, /listening/);
    children.push(third.child);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    third.child.kill('SIGTERM');
    await new Promise((resolve) => third.child.once('exit', resolve));

    const check = await openSellerStore(storeLocation(config));
    const actions = (await check.pumpLog(CHANNEL, tradeId)).map((e) => e.action);
    await check.close();
    expect(actions).to.deep.equal([
      'bundle-stored',
      'bundle-reused',
      'confirm-delivery-sent',
      'delivery-confirmed',
      'deliver-result-sent',
      'result-delivered',
    ]);
    const history = JSON.parse(
      Buffer.from(await sellerAdmin.evaluateTransaction('GetTradeHistory', tradeId)).toString(),
    ) as { trade: Trade }[];
    expect(history.map((h) => h.trade.state)).to.deep.equal([
      'PAID',
      'DELIVERED',
      'RESULT_SUBMITTED',
      'SETTLED',
    ]);
  };

  it('completes the trade once after a restart', () => crashAndRestart());

  it('completes the trade once after a restart, with the store in PostgreSQL', async function () {
    // A throwaway server (test-network-scripts/postgres.sh), clear of the network's ports.
    const pgPort = testNetwork.portBase + 900;
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-pg-e2e-'));
    const url = execFileSync(postgresScript, ['start', dir, String(pgPort)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    try {
      await crashAndRestart(url);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      execFileSync(postgresScript, ['stop', dir], { stdio: 'inherit' });
    }
  });
});
