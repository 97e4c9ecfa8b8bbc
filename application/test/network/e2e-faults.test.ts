import type { Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DataMarketClient, GatewayError } from '../../src/client/index.js';
import {
  connectAs,
  retryWhileEndorsersSettle,
  type GatewayConnection,
} from '../../src/fabric/index.js';
import type { Page, Trade } from '../../src/gateway/types.js';
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
const utf8 = new TextDecoder();
const CSV = 'x,y\n1,2\n3,4\n5,6\n';
const TERMS = {
  title: 'fault test',
  price: '1',
  deposit: '0',
  deliverWithin: 600,
  resultWithin: 600,
  decryptWithin: 600,
  leakageBound: 2,
  ckksPreset: 'n8192-d2',
};

/**
 * Faults on the real network (docs/gateway.md, "Unknown outcomes"): a peer killed while a
 * purchase or a listing is under way, and concurrent purchases by one buyer. Each ends with
 * exactly one trade or listing, its data consistent, and never a 500.
 */
describe('e2e: peers killed mid-purchase and mid-listing, concurrent purchases', function () {
  this.timeout(600_000);
  let seller: AppHandle;
  let buyer: AppHandle;
  let issuerConnection: GatewayConnection;
  let auditor: Contract;

  const client = (app: AppHandle, user: string) =>
    new DataMarketClient({ url: app.url, token: app.tokens[user] ?? '', channel: CHANNEL });
  const tradesOf = async (datasetId: string): Promise<Trade[]> => {
    const page = JSON.parse(
      utf8.decode(await auditor.evaluateTransaction('ListTradesByDataset', datasetId, '100', '')),
    ) as Page<Trade>;
    return page.records;
  };
  const list = async (id: string) => {
    const listed = await client(seller, 'Admin').sell({ id, ...TERMS }, { csv: CSV });
    expect(listed.listing.state).to.equal('ACTIVE');
  };
  /** Stops a peer `afterMs` into `work`, starts it again once stopped, and returns `work`. */
  const withPeerKilled = async <T>(peer: string, afterMs: number, work: () => Promise<T>) => {
    const outcome = work().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    await testNetwork.stopNode(peer);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await testNetwork.startNode(peer);
    return outcome;
  };

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    auditor = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(auditor);
    const s = gatewayConfig(testNetwork.runDir, 'seller', ['seller'], [CHANNEL], ['Admin']);
    seller = await startApp(s.config, s.tokens, { crypto: plainTestCrypto });
    const b = gatewayConfig(testNetwork.runDir, 'buyer', ['buyer'], [CHANNEL], ['User2']);
    buyer = await startApp(b.config, b.tokens);
    const account = await client(buyer, 'User2').initialize();
    await retryWhileEndorsersSettle(() => auditor.submitTransaction('Mint', '1000'));
    await auditor.submitTransaction('Transfer', account.accountId, '1000');
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

  it("a purchase during which the buyer org's peer is killed ends with exactly one trade", async () => {
    const datasetId = `fault-buy-${randomUUID().slice(0, 8)}`;
    await list(datasetId);
    const outcome = await withPeerKilled('peer0.buyer', 150, () =>
      client(buyer, 'User2').buy(datasetId, '1', '0'),
    );
    if ('error' in outcome) throw outcome.error;
    const trade = outcome.value;
    expect(trade.datasetId).to.equal(datasetId);
    const trades = await waitFor('the trade on the auditor peer', async () => {
      const found = await tradesOf(datasetId);
      return found.length > 0 ? found : undefined;
    });
    expect(trades.map((t) => t.tradeId)).to.deep.equal([trade.tradeId]);
    // The seller delivers it: the trade is whole.
    await waitFor('delivery', async () => {
      const [now] = await tradesOf(datasetId);
      return now?.state === 'DELIVERED' ? now : undefined;
    });
  });

  it("a listing during which the seller org's peer is killed ends listed, with its data", async () => {
    const datasetId = `fault-list-${randomUUID().slice(0, 8)}`;
    const sell = client(seller, 'Admin');
    const outcome = await withPeerKilled('peer0.seller', 150, () =>
      sell.sell({ id: datasetId, ...TERMS }, { csv: CSV }),
    );
    if ('error' in outcome) {
      // Refused while the peer was down: nothing may have been kept in a half state.
      expect(outcome.error).to.be.instanceOf(GatewayError);
      const status = (outcome.error as GatewayError).status;
      expect(status === 0 || status >= 502, String(outcome.error)).to.equal(true);
      const listed = await waitFor('the seller peer to answer', async () => {
        try {
          return { listing: await sell.listing(datasetId) };
        } catch (error) {
          if (error instanceof GatewayError && error.status === 404) return { listing: undefined };
          return undefined;
        }
      });
      if (listed.listing === undefined) await sell.sell({ id: datasetId, ...TERMS }, { csv: CSV });
    }
    const listing = await waitFor('the listing', async () =>
      sell.listing(datasetId).catch(() => undefined),
    );
    expect(listing.state).to.equal('ACTIVE');
    const stored = await seller.gateway.store.getDataset(CHANNEL, datasetId);
    expect(stored?.rows).to.deep.equal([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    // A purchase of it is delivered: ledger and store agree.
    const trade = await client(buyer, 'User2').buy(datasetId, '1', '0');
    await client(buyer, 'User2').waitForState(trade.tradeId, ['DELIVERED'], 120_000);
  });

  it('concurrent purchases by one buyer: each 201 or a clear 409, never 500; one trade per request id', async () => {
    const datasetId = `fault-concurrent-${randomUUID().slice(0, 8)}`;
    await list(datasetId);
    const post = (requestId: string) =>
      call<Trade & { code?: string }>(
        buyer,
        'POST',
        '/api/channels/{channel}/trades',
        { channel: CHANNEL },
        { user: 'User2', json: { datasetId, expectedPrice: '1', expectedDeposit: '0', requestId } },
      );
    const distinct = await Promise.all(
      Array.from({ length: 6 }, (_, i) => post(`distinct-${String(i)}-${datasetId}`)),
    );
    for (const reply of distinct)
      expect([201, 409], JSON.stringify(reply.body)).to.include(reply.status);
    const created = distinct.filter((r) => r.status === 201).map((r) => r.body.tradeId);
    expect(created.length).to.be.at.least(1);
    const same = await Promise.all(Array.from({ length: 3 }, () => post(`same-${datasetId}`)));
    for (const reply of same)
      expect([201, 409], JSON.stringify(reply.body)).to.include(reply.status);
    const sameIds = new Set(same.filter((r) => r.status === 201).map((r) => r.body.tradeId));
    expect(sameIds.size).to.be.at.most(1);
    const onChain = (await tradesOf(datasetId)).map((t) => t.tradeId).sort();
    expect(onChain).to.deep.equal([...created, ...sameIds].sort());
  });
});
