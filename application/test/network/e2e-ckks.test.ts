import type { Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle, serializeResult } from '../../src/ckks/index.js';
import { connectAs, type GatewayConnection } from '../../src/fabric/index.js';
import { retryWhileEndorsersSettle } from '../../src/fabric/index.js';
import type { Trade } from '../../src/gateway/types.js';
import {
  call,
  closeAll,
  firstToken,
  gatewayConfig,
  present,
  startApp,
  waitFor,
  type AppHandle,
  initialized,
} from './e2e-support.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const CHANNEL = 'market';
const TRADE = '/api/channels/{channel}/trades/{tradeId}';
const distSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const cliMain = path.join(distSrc, 'cli', 'main.js');
const script = path.join(distSrc, 'demo', 'scripts', 'column-means.js');

/** The mean of column j of the rows. */
function columnMean(rows: number[][], j: number): number {
  return rows.reduce((sum, row) => sum + present(row[j], `column ${j}`), 0) / rows.length;
}

// The seller app with the real CKKS engine: fresh keys per trade, a real bundle, a buyer
// computing on ciphertexts, the pump's bounded loading and safe decryption.
describe('e2e: trades with the CKKS engine', function () {
  this.timeout(300_000);
  let seller: AppHandle;
  let buyer: AppHandle;
  let issuerConnection: GatewayConnection;
  let issuer: Contract;
  const rows = Array.from({ length: 40 }, (_, i) => [i / 10, (i % 7) - 3]);
  const csv = `x,y\n${rows.map((r) => r.join(',')).join('\n')}\n`;

  const waitForState = (tradeId: string, states: string[]) =>
    waitFor(
      `trade ${tradeId} in ${states.join('/')}`,
      async () => {
        const t = (await call<Trade>(buyer, 'GET', TRADE, { channel: CHANNEL, tradeId })).body;
        return states.includes(t.state) ? t : undefined;
      },
      120_000,
    );

  const buyAndDownload = async (datasetId: string) => {
    const bought = await call<Trade>(
      buyer,
      'POST',
      '/api/channels/{channel}/trades',
      { channel: CHANNEL },
      { json: { datasetId } },
    );
    expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
    const delivered = await waitForState(bought.body.tradeId, ['DELIVERED']);
    const bundle = await call(buyer, 'GET', `${TRADE}/bundle`, {
      channel: CHANNEL,
      tradeId: delivered.tradeId,
    });
    expect(bundle.status).to.equal(200);
    return { trade: delivered, bundle: present(bundle.bytes, 'the bundle bytes') };
  };

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(issuer);
    const s = gatewayConfig(testNetwork.runDir, 'seller', ['seller'], [CHANNEL], ['User1']);
    seller = await startApp(s.config, s.tokens); // the default crypto: the CKKS engine
    // The seller makes a CKKS test sample on first request (seconds of WASM on a busy machine)
    // before it starts answering: give that time, beyond the default 5 s connect timeout.
    const b = gatewayConfig(testNetwork.runDir, 'buyer', ['buyer'], [CHANNEL], ['Admin'], {
      otherAppTimeouts: { connectMs: 120_000, totalMs: 180_000 },
    });
    buyer = await startApp(b.config, b.tokens);
    const account = await call<{ accountId: string }>(
      buyer,
      'GET',
      '/api/channels/{channel}/account',
      { channel: CHANNEL },
    );
    await retryWhileEndorsersSettle(() => issuer.submitTransaction('Mint', '1000'));
    await retryWhileEndorsersSettle(() =>
      issuer.submitTransaction('Transfer', account.body.accountId, '1000'),
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

  it('test sample and a whole trade through the CLI: buy, run a script, submit, result', async () => {
    const datasetId = `ckks-cli-${Date.now()}`;
    const listed = await call(
      seller,
      'POST',
      '/api/channels/{channel}/datasets',
      { channel: CHANNEL },
      {
        json: {
          listing: {
            id: datasetId,
            title: 'two columns, with a sample',
            price: '10',
            deliverWithin: 600,
            resultWithin: 600,
            decryptWithin: 600,
            leakageBound: 2,
            ckksPreset: 'n8192-d2',
            freeSample: true,
          },
          csv,
        },
      },
    );
    expect(listed.status, JSON.stringify(listed.body)).to.equal(201);
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-cli-'));
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [cliMain, '--url', buyer.url, '--token', firstToken(buyer), '--quiet', ...args],
          { cwd: dir },
          (error, stdout, stderr) => {
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
          },
        );
      });
    const ok = async (...args: string[]) => {
      const reply = await cli(...args);
      expect(reply.code, `${args.join(' ')}: ${reply.stderr}`).to.equal(0);
      return reply.stdout;
    };
    // The free test sample: synthetic rows within the columns' ranges (never real ones) under
    // fresh keys for this request, decrypted for free.
    await ok('sample', datasetId, '--out', 'sample.bundle');
    await ok('run', script, '--bundle', 'sample.bundle', '--out', 'sample.result');
    const sample = JSON.parse(
      await ok('--json', 'sample-result', datasetId, '--result', 'sample.result'),
    ) as { values: number[] };
    expect(sample.values).to.have.length(2);
    expect(sample.values[0]).to.be.within(-0.01, 3.91);
    expect(sample.values[1]).to.be.within(-3.01, 3.01);
    // The real trade.
    const bought = JSON.parse(await ok('--json', 'buy', datasetId, '--out', 'trade.bundle')) as {
      trade: Trade;
    };
    expect(bought.trade.state).to.equal('DELIVERED');
    await ok('run', script, '--bundle', 'trade.bundle', '--out', 'trade.result');
    await ok('submit', bought.trade.tradeId, '--result', 'trade.result', '--values', '2');
    const result = JSON.parse(await ok('--json', 'result', bought.trade.tradeId)) as {
      result: { values: number[] };
    };
    result.result.values.forEach((v, j) => {
      expect(v).to.be.closeTo(columnMean(rows, j), 0.01);
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers an encrypted mean, decrypted safely, and rejects a result over the leakage bound', async () => {
    const datasetId = `ckks-${Date.now()}`;
    const listed = await call(
      seller,
      'POST',
      '/api/channels/{channel}/datasets',
      { channel: CHANNEL },
      {
        json: {
          listing: {
            id: datasetId,
            title: 'two columns',
            price: '10',
            deliverWithin: 600,
            resultWithin: 600,
            decryptWithin: 600,
            leakageBound: 2,
            ckksPreset: 'n8192-d2',
          },
          csv,
        },
      },
    );
    expect(listed.status, JSON.stringify(listed.body)).to.equal(201);

    const first = await buyAndDownload(datasetId);
    const loaded = await loadBundle(first.bundle, {
      expectedSha256: present(first.trade.bundleHash, 'the delivered bundle hash'),
    });
    const means = loaded.table.mean(0);
    const result = serializeResult(means);
    means.dispose();
    loaded.dispose();
    expect(result.valueCount).to.equal(2);
    const submitted = await call<Trade>(
      buyer,
      'POST',
      `${TRADE}/result`,
      { channel: CHANNEL, tradeId: first.trade.tradeId },
      { raw: result.bytes, query: { valueCount: '2' } },
    );
    expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
    await waitForState(first.trade.tradeId, ['SETTLED']);
    const delivered = await call<{ result: { values: number[] } }>(
      buyer,
      'GET',
      `${TRADE}/result`,
      { channel: CHANNEL, tradeId: first.trade.tradeId },
    );
    const expected = [0, 1].map((j) => columnMean(rows, j));
    delivered.body.result.values.forEach((v, j) => {
      expect(v).to.be.closeTo(present(expected[j], `the mean of column ${j}`), 0.01);
    });

    // A result holding 40 values, declared on chain as 2: the seller's engine refuses it.
    const second = await buyAndDownload(datasetId);
    const again = await loadBundle(second.bundle);
    const column = again.table.col('x');
    const big = serializeResult(column);
    column.dispose();
    again.dispose();
    expect(big.valueCount).to.equal(40);
    const sneaky = await call<Trade>(
      buyer,
      'POST',
      `${TRADE}/result`,
      { channel: CHANNEL, tradeId: second.trade.tradeId },
      { raw: big.bytes, query: { valueCount: '2' } },
    );
    expect(sneaky.status).to.equal(200);
    const rejected = await waitForState(second.trade.tradeId, ['REJECTED']);
    expect(rejected.rejectReason).to.match(/RESULT_TOO_LARGE/);
    expect(rejected.paidToBuyer).to.equal('10');
  });
});
