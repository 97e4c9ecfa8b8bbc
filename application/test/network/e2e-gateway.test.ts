import type { Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signRequest } from '../../src/gateway/auth.js';
import { userSigningIdentity } from '../../src/gateway/identities.js';
import {
  connectAs,
  retryWhileEndorsersSettle,
  type GatewayConnection,
} from '../../src/fabric/index.js';
import type { Listing, Trade } from '../../src/gateway/types.js';
import { penguinsCsv } from '../../src/demo/penguins.js';
import {
  call,
  closeAll,
  firstToken,
  gatewayConfig,
  present,
  plainTestCrypto,
  startApp,
  waitFor,
  type AppHandle,
  initialized,
} from './e2e-support.js';
import { HostileApp } from '../support/hostile-app.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const CHANNEL = 'market';
const cliMain = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const PRIVATE_CHANNEL = 'ds-e2e';
const TRADE = '/api/channels/{channel}/trades/{tradeId}';

// The gateway apps on the real network, one per org, in process. They act as the Admin user
// of each org (the other network tests use User1 and User2), so balances are our own.
describe('e2e: gateway apps on the real network', function () {
  this.timeout(600_000);
  let seller: AppHandle;
  let buyer: AppHandle;
  let auditor: AppHandle;
  let issuerConnection: GatewayConnection;
  let issuer: Contract;
  let runDir: string;
  let buyerAccount: string;
  let csv: string;

  const balance = async () =>
    Number(
      (
        await call<{ balance: string }>(
          buyer,
          'GET',
          '/api/channels/{channel}/account',
          { channel: CHANNEL },
          { user: 'Admin' },
        )
      ).body.balance,
    );
  const tradeOf = async (tradeId: string, channel = CHANNEL) =>
    (await call<Trade>(buyer, 'GET', TRADE, { channel, tradeId }, { user: 'Admin' })).body;
  const waitForState = (tradeId: string, state: string, timeoutMs = 60_000) =>
    waitFor(
      `trade ${tradeId} to be ${state}`,
      async () => {
        const trade = await tradeOf(tradeId);
        return trade.state === state ? trade : undefined;
      },
      timeoutMs,
    );

  const listDataset = async (terms: Record<string, unknown> = {}, channel = CHANNEL) => {
    const id = `penguins-${randomUUID().slice(0, 8)}`;
    const reply = await call<{ listing: Listing; rowCount: number }>(
      seller,
      'POST',
      '/api/channels/{channel}/datasets',
      { channel },
      {
        json: {
          listing: {
            id,
            title: 'Palmer penguins: bill, flipper, mass; Adelie or not',
            description: 'vega-datasets penguins, rows with missing values dropped, standardised',
            price: '100',
            deposit: '10',
            deliverWithin: 600,
            resultWithin: 600,
            decryptWithin: 600,
            leakageBound: 5,
            ckksPreset: 'n8192',
            freeSample: true,
            ...terms,
          },
          csv,
          standardize: true,
        },
      },
    );
    expect(reply.status, JSON.stringify(reply.body)).to.equal(201);
    return { id, listing: reply.body.listing };
  };

  const buy = async (datasetId: string, channel = CHANNEL) => {
    const reply = await call<Trade>(
      buyer,
      'POST',
      '/api/channels/{channel}/trades',
      { channel },
      { user: 'Admin', json: { datasetId } },
    );
    expect(reply.status, JSON.stringify(reply.body)).to.equal(201);
    return reply.body;
  };

  const submitResult = (tradeId: string, values: number[], valueCount = values.length) =>
    call<Trade>(
      buyer,
      'POST',
      `${TRADE}/result`,
      { channel: CHANNEL, tradeId },
      {
        user: 'Admin',
        raw: Buffer.from(JSON.stringify({ values })),
        query: { valueCount: String(valueCount) },
      },
    );

  before(async () => {
    await ensureTestNetwork();
    runDir = testNetwork.runDir;
    const network = await testNetwork.describe();
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(issuer);
    csv = (await penguinsCsv()).csv;

    const s = gatewayConfig(runDir, 'seller', ['seller'], [CHANNEL], ['Admin']);
    seller = await startApp(s.config, s.tokens, { crypto: plainTestCrypto });
    const b = gatewayConfig(
      runDir,
      'buyer',
      ['buyer'],
      [CHANNEL, PRIVATE_CHANNEL],
      ['Admin', 'User1'],
    );
    buyer = await startApp(b.config, b.tokens);
    const a = gatewayConfig(runDir, 'auditor', ['auditor'], [CHANNEL], ['Admin']);
    auditor = await startApp(a.config, a.tokens);

    buyerAccount = (
      await call<{ accountId: string }>(
        buyer,
        'GET',
        '/api/channels/{channel}/account',
        { channel: CHANNEL },
        { user: 'Admin' },
      )
    ).body.accountId;
    await retryWhileEndorsersSettle(() => issuer.submitTransaction('Mint', '5000'));
    await issuer.submitTransaction('Transfer', buyerAccount, '5000');
  });

  after(async () => {
    await closeAll(
      () => seller.gateway.close(),
      () => buyer.gateway.close(),
      () => auditor.gateway.close(),
      () => {
        issuerConnection.close();
      },
    );
  });

  it('serves its OpenAPI description with exactly its routes', async () => {
    for (const app of [seller, buyer, auditor]) {
      const health = await call<{ roles: string[] }>(app, 'GET', '/health', {});
      expect(health.status).to.equal(200);
      const spec = await call<{ paths: Record<string, unknown> }>(app, 'GET', '/openapi.json', {});
      expect(Object.keys(spec.body.paths).length).to.be.greaterThan(3);
    }
  });

  it('happy path: list from CSV, buy, deliver, download, compute, submit, settle, decrypt, audit', async () => {
    const { id, listing } = await listDataset();
    expect(listing.schema).to.deep.equal({
      columns: ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'adelie'],
      rowCount: 334,
    });
    expect(listing.sellerGatewayUrl).to.equal(seller.url);
    const browse = await call<{ records: Listing[] }>(
      buyer,
      'GET',
      '/api/channels/{channel}/listings',
      { channel: CHANNEL },
      { query: { pageSize: '100' } },
    );
    expect(browse.body.records.map((l) => l.id)).to.include(id);

    const before = await balance();
    const bought = await buy(id);
    expect(bought.state).to.equal('PAID');
    expect(await balance()).to.equal(before - 110);

    const delivered = await waitForState(bought.tradeId, 'DELIVERED');
    const bundle = await call(
      buyer,
      'GET',
      `${TRADE}/bundle`,
      { channel: CHANNEL, tradeId: bought.tradeId },
      { user: 'Admin' },
    );
    expect(bundle.status).to.equal(200);
    expect(bundle.headers.get('x-datamarket-sha256')).to.equal(delivered.bundleHash);
    expect(bundle.bytes?.length).to.equal(delivered.bundleBytes);

    const submitted = await submitResult(bought.tradeId, [0.1234, -1.5]);
    expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
    expect(submitted.body.state).to.equal('RESULT_SUBMITTED');
    await waitForState(bought.tradeId, 'SETTLED');
    const result = await call<{ verified: boolean; result: { values: number[] } }>(
      buyer,
      'GET',
      `${TRADE}/result`,
      { channel: CHANNEL, tradeId: bought.tradeId },
      { user: 'Admin' },
    );
    expect(result.status).to.equal(200);
    expect(result.body.verified).to.equal(true);
    expect(result.body.result.values).to.deep.equal([0.123, -1.5]);
    expect(await balance()).to.equal(before - 100); // deposit back

    // A second upload after settlement is refused: wrong state.
    expect((await submitResult(bought.tradeId, [1])).status).to.equal(409);

    // The seller's pump did each step once.
    const log = await call<{ entries: { action: string }[] }>(seller, 'GET', `${TRADE}/pump-log`, {
      channel: CHANNEL,
      tradeId: bought.tradeId,
    });
    expect(log.body.entries.map((e) => e.action)).to.deep.equal([
      'bundle-stored',
      'confirm-delivery-sent',
      'delivery-confirmed',
      'deliver-result-sent',
      'result-delivered',
    ]);

    // The auditor sees all of it.
    const history = await call<{ history: { trade: Trade; txId: string }[] }>(
      auditor,
      'GET',
      '/api/channels/{channel}/audit/trades/{tradeId}/history',
      { channel: CHANNEL, tradeId: bought.tradeId },
    );
    expect(history.body.history.map((h) => h.trade.state)).to.deep.equal([
      'PAID',
      'DELIVERED',
      'RESULT_SUBMITTED',
      'SETTLED',
    ]);
    const byDataset = await call<{ records: Trade[] }>(
      auditor,
      'GET',
      '/api/channels/{channel}/audit/trades',
      { channel: CHANNEL },
      { query: { dataset: id } },
    );
    expect(byDataset.body.records.map((t) => t.tradeId)).to.deep.equal([bought.tradeId]);
    const byState = await call<{ records: Trade[] }>(
      auditor,
      'GET',
      '/api/channels/{channel}/audit/trades',
      { channel: CHANNEL },
      { query: { state: 'SETTLED', pageSize: '100' } },
    );
    expect(byState.body.records.map((t) => t.tradeId)).to.include(bought.tradeId);
    const supply = await call<{ balanced: boolean; totalSupply: string }>(
      auditor,
      'GET',
      '/api/channels/{channel}/audit/supply',
      { channel: CHANNEL },
    );
    expect(supply.body.balanced).to.equal(true);
    // The running totals tell the same (reading only the deltas since a checkpoint), a
    // checkpoint keeps them so, and the paid seller folds its payout into its balance.
    const totalsPath = '/api/channels/{channel}/audit/supply/totals';
    const totals = await call<{ balanced: boolean; totalSupply: string; deltas: number }>(
      auditor,
      'GET',
      totalsPath,
      { channel: CHANNEL },
    );
    expect(totals.body).to.include({ balanced: true, totalSupply: supply.body.totalSupply });
    expect(totals.body.deltas).to.be.greaterThan(0);
    const checkpoint = await call<{ folded: number }>(
      auditor,
      'POST',
      '/api/channels/{channel}/audit/supply/checkpoint',
      { channel: CHANNEL },
    );
    expect(checkpoint.status, JSON.stringify(checkpoint.body)).to.equal(200);
    const afterCheckpoint = await call<{ balanced: boolean; totalSupply: string }>(
      auditor,
      'GET',
      totalsPath,
      { channel: CHANNEL },
    );
    expect(afterCheckpoint.body).to.include({
      balanced: true,
      totalSupply: supply.body.totalSupply,
    });
    const sellerBalance = await call<{ balance: string }>(
      seller,
      'GET',
      '/api/channels/{channel}/account',
      {
        channel: CHANNEL,
      },
    );
    const compacted = await call<{ balance: string; folded: number }>(
      seller,
      'POST',
      '/api/channels/{channel}/account/compact',
      { channel: CHANNEL },
    );
    expect(compacted.status, JSON.stringify(compacted.body)).to.equal(200);
    expect(compacted.body.balance).to.equal(sellerBalance.body.balance);
    expect(compacted.body.folded).to.be.greaterThan(0); // at least this trade's payout
    const tx = await call<{
      function: string;
      validationCode: string;
      creatorMspId: string;
      event: { name: string };
    }>(auditor, 'GET', '/api/channels/{channel}/audit/transactions/{txId}', {
      channel: CHANNEL,
      txId: bought.tradeId,
    });
    expect([
      tx.body.function,
      tx.body.validationCode,
      tx.body.creatorMspId,
      tx.body.event.name,
    ]).to.deep.equal(['Purchase', 'VALID', 'BuyerMSP', 'TradeEvent']);
    const chain = await call<{ height: string }>(
      auditor,
      'GET',
      '/api/channels/{channel}/audit/chain',
      { channel: CHANNEL },
    );
    const block = await call<{ number: string; transactions: { txId: string }[] }>(
      auditor,
      'GET',
      '/api/channels/{channel}/audit/blocks/{number}',
      { channel: CHANNEL, number: String(BigInt(chain.body.height) - 1n) },
    );
    expect(block.body.transactions.length).to.be.greaterThan(0);
    expect(
      (
        await call(auditor, 'GET', '/api/channels/{channel}/audit/blocks/{number}', {
          channel: CHANNEL,
          number: '999999',
        })
      ).status,
    ).to.equal(404);
    expect(
      (
        await call(auditor, 'GET', '/api/channels/{channel}/audit/transactions/{txId}', {
          channel: CHANNEL,
          txId: 'f'.repeat(64),
        })
      ).status,
    ).to.equal(404);
  });

  it('the CLI reads the same through the apps (--json and tables)', async () => {
    const cli = (app: AppHandle, ...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [cliMain, '--url', app.url, '--token', firstToken(app), '--quiet', ...args],
          (error, stdout, stderr) => {
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
          },
        );
      });
    const listings = await cli(buyer, '--json', 'listings');
    expect(listings.code, listings.stderr).to.equal(0);
    expect((JSON.parse(listings.stdout) as Listing[]).length).to.be.greaterThan(0);
    const supply = await cli(auditor, 'audit', 'supply');
    expect(supply.stdout, supply.stderr).to.match(/balanced\s+true/);
    const totals = await cli(auditor, '--json', 'audit', 'totals');
    expect(totals.code, totals.stderr).to.equal(0);
    expect(JSON.parse(totals.stdout)).to.include({ balanced: true });
    const compacted = await cli(buyer, '--json', 'compact');
    expect(compacted.code, compacted.stderr).to.equal(0);
    expect(JSON.parse(compacted.stdout)).to.have.property('folded');
    const table = await cli(buyer, 'trades');
    expect(table.stdout).to.match(/trade\s+dataset\s+state/);
    const denied = await cli(buyer, 'status', 'f'.repeat(64));
    expect([denied.code, denied.stderr]).to.satisfy(
      ([code, err]: [number, string]) => code === 1 && err.includes('404'),
    );
    const usage = await cli(buyer, 'frobnicate');
    expect(usage.code).to.equal(2);
  });

  it('test sample: the buyer fetches it and gets a test result decrypted, rate-limited', async () => {
    const { id } = await listDataset({ leakageBound: 3 });
    const sample = await call(buyer, 'GET', '/api/channels/{channel}/listings/{datasetId}/sample', {
      channel: CHANNEL,
      datasetId: id,
    });
    expect(sample.status).to.equal(200);
    const sampleBundle = JSON.parse(present(sample.bytes, 'the sample bytes').toString()) as {
      rows: number;
    };
    expect(sampleBundle.rows).to.equal(32);
    const result = await call<{ values: number[]; remaining: number }>(
      buyer,
      'POST',
      '/api/channels/{channel}/listings/{datasetId}/sample/result',
      { channel: CHANNEL, datasetId: id },
      { raw: Buffer.from(JSON.stringify({ values: [2.5] })) },
    );
    expect([result.status, result.body.values]).to.deep.equal([200, [2.5]]);
    const tooMany = await call(
      buyer,
      'POST',
      '/api/channels/{channel}/listings/{datasetId}/sample/result',
      { channel: CHANNEL, datasetId: id },
      { raw: Buffer.from(JSON.stringify({ values: [1, 2, 3, 4] })) },
    );
    expect(tooMany.status).to.equal(422);
  });

  it('refunds the buyer when the seller app is down past the delivery deadline; the restarted pump leaves the trade alone', async () => {
    const { id } = await listDataset({ deliverWithin: 3 });
    const config = seller.gateway.config;
    await seller.gateway.close();
    const before = await balance();
    const bought = await buy(id);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const refunded = await call<Trade>(
      buyer,
      'POST',
      `${TRADE}/refund`,
      { channel: CHANNEL, tradeId: bought.tradeId },
      { user: 'Admin' },
    );
    expect([refunded.status, refunded.body.state, refunded.body.refundBasis]).to.deep.equal([
      200,
      'REFUNDED',
      'DELIVERY_DEADLINE_MISSED',
    ]);
    expect(await balance()).to.equal(before);
    seller = await startApp({ ...config, port: Number(new URL(seller.url).port) }, seller.tokens, {
      crypto: plainTestCrypto,
    });
    const log = await waitFor('the pump to see the purchase', async () => {
      const reply = await call<{ entries: { action: string }[] }>(
        seller,
        'GET',
        `${TRADE}/pump-log`,
        { channel: CHANNEL, tradeId: bought.tradeId },
      );
      return reply.body.entries.length > 0 ? reply.body.entries : undefined;
    });
    expect(log.map((e) => e.action)).to.deep.equal(['skip-purchase']);
    expect(
      (
        await call(
          buyer,
          'POST',
          `${TRADE}/refund`,
          { channel: CHANNEL, tradeId: bought.tradeId },
          { user: 'Admin' },
        )
      ).status,
    ).to.equal(409);
  });

  it('rejects and refunds a result over the leakage bound', async () => {
    const { id } = await listDataset({ leakageBound: 2 });
    const before = await balance();
    const bought = await buy(id);
    await waitForState(bought.tradeId, 'DELIVERED');
    // The contract itself refuses a declared count over the bound ...
    const declaredOver = await submitResult(bought.tradeId, [1, 2, 3]);
    expect(declaredOver.status).to.equal(400);
    // ... and the seller refuses a result that holds more values than it declared.
    const sneaky = await submitResult(bought.tradeId, [1, 2, 3, 4, 5, 6], 2);
    expect(sneaky.status).to.equal(200);
    const rejected = await waitForState(bought.tradeId, 'REJECTED');
    expect(rejected.rejectReason).to.match(/leakage bound 2/);
    expect(await balance()).to.equal(before);
  });

  it("refuses a buyer another buyer's bundle, unsigned calls, bad tokens, bad bodies", async () => {
    const { id } = await listDataset();
    const bought = await buy(id);
    await waitForState(bought.tradeId, 'DELIVERED');
    // User1 of the buyer org through its own app ...
    const other = await call(
      buyer,
      'GET',
      `${TRADE}/bundle`,
      { channel: CHANNEL, tradeId: bought.tradeId },
      { user: 'User1' },
    );
    expect(other.status).to.equal(403);
    // ... and straight at the seller's app, signed with its own identity.
    const network = await testNetwork.describe();
    const identity = await userSigningIdentity(network, 'buyer', 'User1');
    const path = `/peer/channels/${CHANNEL}/trades/${bought.tradeId}/bundle`;
    const direct = await fetch(`${seller.url}${path}`, {
      headers: signRequest(identity, 'GET', path),
    });
    expect(direct.status).to.equal(403);
    const unsigned = await fetch(`${seller.url}${path}`);
    expect(unsigned.status).to.equal(401);
    const upload = await fetch(
      `${seller.url}/peer/channels/${CHANNEL}/trades/${bought.tradeId}/result`,
      {
        method: 'PUT',
        headers: {
          ...signRequest(
            identity,
            'PUT',
            `/peer/channels/${CHANNEL}/trades/${bought.tradeId}/result`,
            Buffer.from('x'),
          ),
          'content-type': 'application/octet-stream',
        },
        body: 'x',
      },
    );
    expect(upload.status).to.equal(403);
    // Tokens and bodies.
    expect(
      (
        await call(
          buyer,
          'GET',
          TRADE,
          { channel: CHANNEL, tradeId: bought.tradeId },
          { token: 'not-a-real-token-at-all' },
        )
      ).status,
    ).to.equal(401);
    expect(
      (
        await call(
          buyer,
          'POST',
          '/api/channels/{channel}/trades',
          { channel: CHANNEL },
          { user: 'Admin', json: '{"datasetId":' },
        )
      ).status,
    ).to.equal(400);
    expect(
      (
        await call(
          buyer,
          'POST',
          '/api/channels/{channel}/trades',
          { channel: CHANNEL },
          { user: 'Admin', json: { datasetId: 'x'.repeat(70_000) } },
        )
      ).status,
    ).to.equal(413);
    expect(
      (
        await call(
          buyer,
          'POST',
          '/api/channels/{channel}/trades',
          { channel: CHANNEL },
          { user: 'Admin', json: { datasetId: 'no-such-dataset' } },
        )
      ).status,
    ).to.equal(404);
    expect(
      (
        await call(
          buyer,
          'GET',
          TRADE,
          { channel: 'nochannel', tradeId: bought.tradeId },
          { user: 'Admin' },
        )
      ).status,
    ).to.equal(404);
    expect(
      (
        await call(
          seller,
          'POST',
          '/api/channels/{channel}/datasets',
          { channel: CHANNEL },
          { json: { listing: { id: 'x' } } },
        )
      ).status,
    ).to.equal(400);
    const big = await call(
      seller,
      'POST',
      '/api/channels/{channel}/datasets',
      { channel: CHANNEL },
      { json: { listing: { id: 'big' }, csv: 'a\n'.repeat(9_000_000) } },
    );
    expect(big.status).to.equal(413);
    // The seller may not buy its own listing, the buyer may not delist it.
    expect(
      (
        await call(
          buyer,
          'GET',
          `${TRADE}/result`,
          { channel: CHANNEL, tradeId: bought.tradeId },
          { user: 'Admin' },
        )
      ).status,
    ).to.equal(409);
    const refund = await call<Trade>(
      buyer,
      'POST',
      `${TRADE}/refund`,
      { channel: CHANNEL, tradeId: bought.tradeId },
      { user: 'Admin' },
    );
    expect(refund.body.state).to.equal('REFUNDED');
    const delisted = await call<{ listing: Listing }>(
      seller,
      'DELETE',
      '/api/channels/{channel}/datasets/{datasetId}',
      { channel: CHANNEL, datasetId: id },
    );
    expect(delisted.body.listing.state).to.equal('DELISTED');
    expect(
      (
        await call(
          buyer,
          'POST',
          '/api/channels/{channel}/trades',
          { channel: CHANNEL },
          { user: 'Admin', json: { datasetId: id } },
        )
      ).status,
    ).to.equal(409);
  });

  it('bounds calls to a hostile seller app, lists race-free, refuses replayed signed requests', async () => {
    const hostile = new HostileApp();
    await hostile.start();
    hostile.redirectTo = `${seller.url}/openapi.json`;
    try {
      const sample = async (datasetId: string) => {
        const start = Date.now();
        const reply = await call<{ error: string; code: string }>(
          buyer,
          'GET',
          '/api/channels/{channel}/listings/{datasetId}/sample',
          { channel: CHANNEL, datasetId },
          { user: 'Admin' },
        );
        return { reply, ms: Date.now() - start };
      };
      // A listing may name only a URL its org registered: an unregistered one is refused.
      const unregistered = await call<{ code: string }>(
        seller,
        'POST',
        '/api/channels/{channel}/datasets',
        { channel: CHANNEL },
        {
          user: 'Admin',
          json: {
            listing: {
              id: `unregistered-${randomUUID().slice(0, 8)}`,
              title: 'names an app its org never registered',
              price: '1',
              deliverWithin: 600,
              resultWithin: 600,
              decryptWithin: 600,
              leakageBound: 1,
              ckksPreset: 'n8192',
              sellerGatewayUrl: `${hostile.url}/huge`,
            },
            csv,
          },
        },
      );
      expect([unregistered.status, unregistered.body.code]).to.deep.equal([
        403,
        'APP_NOT_REGISTERED',
      ]);
      // A hostile member registers its hostile app: the buyer's app bounds what it reads.
      for (const mode of ['huge', 'redirect', 'silent']) {
        await seller.gateway.ledger.registerOrgApp('Admin', CHANNEL, `${hostile.url}/${mode}`);
      }
      const huge = await listDataset({ sellerGatewayUrl: `${hostile.url}/huge` });
      const cut = await sample(huge.id);
      expect([cut.reply.status, cut.reply.body.code]).to.deep.equal([502, 'SELLER_APP_TOO_LARGE']);
      expect(cut.ms).to.be.below(5_000);
      const redirecting = await listDataset({ sellerGatewayUrl: `${hostile.url}/redirect` });
      const redirected = await sample(redirecting.id);
      expect(redirected.reply.status).to.equal(502);
      expect(redirected.reply.body.error).to.match(/redirects are not followed/);
      const silent = await listDataset({ sellerGatewayUrl: `${hostile.url}/silent` });
      const waited = await sample(silent.id);
      expect([waited.reply.status, waited.reply.body.code]).to.deep.equal([
        504,
        'SELLER_APP_TIMEOUT',
      ]);
      expect(waited.ms).to.be.below(8_000);
    } finally {
      await hostile.stop();
    }

    // Two identical listings at once: one is listed, the other refused, the data stays.
    const id = `race-${randomUUID().slice(0, 8)}`;
    const post = () =>
      call<{ error: string }>(
        seller,
        'POST',
        '/api/channels/{channel}/datasets',
        { channel: CHANNEL },
        {
          json: {
            listing: {
              id,
              title: 'race',
              price: '1',
              deposit: '1',
              deliverWithin: 600,
              resultWithin: 600,
              decryptWithin: 600,
              leakageBound: 5,
              ckksPreset: 'n8192',
              freeSample: true,
            },
            csv,
            standardize: true,
          },
        },
      );
    const statuses = (await Promise.all([post(), post()])).map((r) => r.status).sort();
    expect(statuses).to.deep.equal([201, 409]);
    expect(await seller.gateway.store.getDataset(CHANNEL, id)).not.to.equal(undefined);

    // A signed request is single-use, also across the network.
    const network = await testNetwork.describe();
    const identity = await userSigningIdentity(network, 'buyer', 'User1');
    const path = `/peer/channels/${CHANNEL}/datasets/${id}/sample`;
    const headers = signRequest(identity, 'GET', path);
    expect((await fetch(`${seller.url}${path}`, { headers })).status).to.equal(200);
    const replay = await fetch(`${seller.url}${path}`, { headers });
    expect(replay.status).to.equal(409);
    expect(((await replay.json()) as { code: string }).code).to.equal('REQUEST_REPLAYED');
  });

  it("refuses a trade on a dataset channel the buyer's org is not in", async () => {
    await testNetwork.createChannel(PRIVATE_CHANNEL, ['seller', 'auditor']);
    await testNetwork.deployChaincode(PRIVATE_CHANNEL);
    const network = await testNetwork.describe();
    const sellerAdmin = await connectAs(network, { org: 'seller', user: 'Admin' });
    try {
      const contract = sellerAdmin.gateway.getNetwork(PRIVATE_CHANNEL).getContract('datamarket');
      await retryWhileEndorsersSettle(
        () => contract.submitTransaction('Initialize', 'AuditorMSP'),
        60_000,
      );
    } finally {
      sellerAdmin.close();
    }
    const config = seller.gateway.config;
    await seller.gateway.close();
    seller = await startApp(
      { ...config, channels: [CHANNEL, PRIVATE_CHANNEL], port: Number(new URL(seller.url).port) },
      seller.tokens,
      { crypto: plainTestCrypto },
    );
    const { id } = await listDataset({}, PRIVATE_CHANNEL);
    const refused = await call(
      buyer,
      'POST',
      '/api/channels/{channel}/trades',
      { channel: PRIVATE_CHANNEL },
      { user: 'Admin', json: { datasetId: id } },
    );
    expect(refused.status, JSON.stringify(refused.body)).to.be.oneOf([403, 404]);
    const browse = await call(
      buyer,
      'GET',
      '/api/channels/{channel}/listings',
      { channel: PRIVATE_CHANNEL },
      { user: 'Admin' },
    );
    expect(browse.status, JSON.stringify(browse.body)).to.be.oneOf([403, 404]);
  });
});
