import type { Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import {
  connectAs,
  retryWhileEndorsersSettle,
  type GatewayConnection,
} from '../../src/fabric/index.js';
import type { Trade } from '../../src/gateway/types.js';
import {
  call,
  closeAll,
  gatewayConfig,
  initialized,
  startApp,
  waitFor,
  type AppHandle,
} from './e2e-support.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const CHANNEL = 'market';
const TRADE = '/api/channels/{channel}/trades/{tradeId}';

// The seller app with the real CKKS engine makes an n8192-d4 bundle in its crypto workers
// (gateway/crypto-worker) while /health is asked in a loop: the slowest answer stays far below
// the time the pump took to deliver, measured in the same test (never a fixed duration).
describe('e2e: the seller app answers /health while its pump makes a CKKS bundle', function () {
  this.timeout(300_000);
  let seller: AppHandle;
  let buyer: AppHandle;
  let issuerConnection: GatewayConnection;
  let issuer: Contract;
  // 1,000 rows × 8 columns of values in [-1, 1]: two ciphertexts of n8192-d4.
  const rows = Array.from({ length: 1000 }, (_, i) =>
    Array.from({ length: 8 }, (_, j) => Math.round(Math.sin(i * 8 + j) * 1000) / 1000),
  );
  const columns = Array.from({ length: 8 }, (_, j) => `c${String(j)}`);
  const csv = `${columns.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`;

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(issuer);
    const s = gatewayConfig(testNetwork.runDir, 'seller', ['seller'], [CHANNEL], ['User1']);
    seller = await startApp(s.config, s.tokens); // the default crypto: the CKKS engine
    const b = gatewayConfig(testNetwork.runDir, 'buyer', ['buyer'], [CHANNEL], ['Admin']);
    buyer = await startApp(b.config, b.tokens);
    const account = await call<{ accountId: string }>(
      buyer,
      'GET',
      '/api/channels/{channel}/account',
      { channel: CHANNEL },
    );
    await retryWhileEndorsersSettle(() => issuer.submitTransaction('Mint', '100'));
    await retryWhileEndorsersSettle(() =>
      issuer.submitTransaction('Transfer', account.body.accountId, '100'),
    );
  });

  after(async () => {
    await closeAll(
      () => seller.gateway.close(),
      () => buyer.gateway.close(),
      () => {
        issuerConnection.close();
      },
    );
  });

  it('delivers an n8192-d4 trade with /health answering promptly throughout', async () => {
    const datasetId = `offloop-${String(Date.now())}`;
    const listed = await call(
      seller,
      'POST',
      '/api/channels/{channel}/datasets',
      { channel: CHANNEL },
      {
        json: {
          listing: {
            id: datasetId,
            title: 'eight columns',
            price: '10',
            deliverWithin: 600,
            resultWithin: 600,
            decryptWithin: 600,
            leakageBound: 8,
            ckksPreset: 'n8192-d4',
          },
          csv,
        },
      },
    );
    expect(listed.status, JSON.stringify(listed.body)).to.equal(201);
    const start = performance.now();
    const bought = await call<Trade>(
      buyer,
      'POST',
      '/api/channels/{channel}/trades',
      { channel: CHANNEL },
      { json: { datasetId } },
    );
    expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
    const state = { delivered: false };
    const delivered = waitFor(
      `trade ${bought.body.tradeId} delivered`,
      async () => {
        const t = (
          await call<Trade>(buyer, 'GET', TRADE, { channel: CHANNEL, tradeId: bought.body.tradeId })
        ).body;
        return t.state === 'DELIVERED' ? t : undefined;
      },
      240_000,
    ).finally(() => {
      state.delivered = true;
    });
    let answered = 0;
    let slowest = 0;
    while (!state.delivered) {
      const asked = performance.now();
      const health = await fetch(`${seller.url}/health`);
      expect(health.status).to.equal(200);
      await health.arrayBuffer();
      slowest = Math.max(slowest, performance.now() - asked);
      answered++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const trade = await delivered;
    const took = performance.now() - start;
    if (process.env.SHOW_TIMES) console.log({ took, answered, slowest });
    expect(trade.bundleHash).to.be.a('string');
    expect(answered).to.be.at.least(10);
    // With the work on the event loop, key generation alone held /health for most of `took`.
    expect(slowest).to.be.below(took / 4);
  });
});
