import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { connectAs, type GatewayConnection } from '../../src/fabric/index.js';
import { penguinsCsv } from '../../src/demo/penguins.js';
import type { Listing, Trade } from '../../src/gateway/types.js';
import {
  call,
  closeAll,
  gatewayConfig,
  initialized,
  plainTestCrypto,
  startApp,
  waitFor,
  type AppHandle,
} from './e2e-support.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const CHANNEL = 'market';
const TRADE = '/api/channels/{channel}/trades/{tradeId}';
const PURCHASES = 6;

// `up --peers 2`: the seller org runs two peers and its app holds one gRPC channel over both.
// One of them dies in the middle of a stream of purchases; the seller app's pump and submits
// move to the other, and every trade still gets its delivery.
describe('two peers per org: the seller app fails over when one dies', function () {
  this.timeout(900_000);
  let seller: AppHandle;
  let buyer: AppHandle;
  let issuerConnection: GatewayConnection;

  before(async () => {
    await ensureTestNetwork({ peers: 2 });
    const network = await testNetwork.describe();
    expect(network.orgs.seller?.peers?.map((p) => p.name)).to.deep.equal([
      'peer0.seller',
      'peer1.seller',
    ]);
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    const issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(issuer);
    const s = gatewayConfig(testNetwork.runDir, 'seller', ['seller'], [CHANNEL], ['Admin']);
    seller = await startApp(s.config, s.tokens, { crypto: plainTestCrypto });
    const b = gatewayConfig(testNetwork.runDir, 'buyer', ['buyer'], [CHANNEL], ['Admin']);
    buyer = await startApp(b.config, b.tokens);
    const account = await call<{ accountId: string }>(
      buyer,
      'GET',
      '/api/channels/{channel}/account',
      { channel: CHANNEL },
      { user: 'Admin' },
    );
    await issuer.submitTransaction('Mint', '5000');
    await issuer.submitTransaction('Transfer', account.body.accountId, '5000');
  });

  after(async () => {
    await closeAll(
      () => seller.gateway.close(),
      () => buyer.gateway.close(),
      () => {
        issuerConnection.close();
      },
    );
    await testNetwork.run('startNode', 'peer0.seller');
  });

  it('delivers every purchase of a stream during which peer0.seller is stopped', async () => {
    const { csv } = await penguinsCsv();
    const listed = await call<{ listing: Listing }>(
      seller,
      'POST',
      '/api/channels/{channel}/datasets',
      { channel: CHANNEL },
      {
        json: {
          listing: {
            id: `failover-${randomUUID().slice(0, 8)}`,
            title: 'Palmer penguins, bought many times',
            description: 'standardised',
            price: '10',
            deposit: '1',
            deliverWithin: 600,
            resultWithin: 600,
            decryptWithin: 600,
            leakageBound: 5,
            ckksPreset: 'n8192',
            freeSample: false,
          },
          csv,
          standardize: true,
        },
      },
    );
    expect(listed.status, JSON.stringify(listed.body)).to.equal(201);
    const datasetId = listed.body.listing.id;

    const tradeIds: string[] = [];
    for (let i = 0; i < PURCHASES; i++) {
      if (i === 2) await testNetwork.stopNode('peer0.seller');
      const bought = await call<Trade>(
        buyer,
        'POST',
        '/api/channels/{channel}/trades',
        { channel: CHANNEL },
        { user: 'Admin', json: { datasetId } },
      );
      expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
      tradeIds.push(bought.body.tradeId);
    }
    const status = await testNetwork.run('status');
    expect(status.output).to.match(/peer0\.seller\s+-\s+stopped/);

    // The seller app confirms each delivery through peer1.seller.
    for (const tradeId of tradeIds) {
      await waitFor(
        `trade ${tradeId} to be delivered`,
        async () => {
          const trade = (
            await call<Trade>(buyer, 'GET', TRADE, { channel: CHANNEL, tradeId }, { user: 'Admin' })
          ).body;
          return trade.state === 'DELIVERED' ? trade : undefined;
        },
        180_000,
      );
    }
  });
});
