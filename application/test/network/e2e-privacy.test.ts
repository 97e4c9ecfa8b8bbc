/**
 * The seller's data against a hostile buyer, on the real network with the real CKKS engine
 * (docs/privacy.md): free samples are synthetic, a sample key releases at most its budget,
 * an approved listing decrypts only a re-executed approved computation, and the CLI runs
 * approved computations by name.
 */
import type { Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle, serializeResult, type EncryptedTable } from '../../src/ckks/index.js';
import { paramsHash, plainMeans } from '../../src/computations/index.js';
import { connectAs, type GatewayConnection } from '../../src/fabric/index.js';
import { retryWhileEndorsersSettle } from '../../src/fabric/index.js';
import type { Trade } from '../../src/gateway/types.js';
import {
  call,
  closeAll,
  firstToken,
  gatewayConfig,
  initialized,
  present,
  startApp,
  waitFor,
  type AppHandle,
} from './e2e-support.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const CHANNEL = 'market';
const TRADE = '/api/channels/{channel}/trades/{tradeId}';
const SAMPLE = '/api/channels/{channel}/listings/{datasetId}/sample';
const cliMain = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

/** 40 rows of two columns with three decimals: a random value rarely equals a real cell. */
const ROWS = Array.from({ length: 40 }, (_, i) => [
  Math.round(((Math.sin(i * 12.9898) * 43758.5453) % 1) * 5000) / 1000 + 5,
  Math.round(((Math.cos(i * 78.233) * 12345.678) % 1) * 3000) / 1000,
]);
const CSV = `x,y\n${ROWS.map((r) => r.join(',')).join('\n')}\n`;

describe('e2e: privacy against a hostile buyer (real network, real CKKS)', function () {
  this.timeout(600_000);
  let seller: AppHandle;
  let buyer: AppHandle;
  let issuerConnection: GatewayConnection;
  let issuer: Contract;

  const list = async (id: string, extra: Record<string, unknown>) => {
    const listed = await call(
      seller,
      'POST',
      '/api/channels/{channel}/datasets',
      { channel: CHANNEL },
      {
        json: {
          listing: {
            id,
            title: id,
            price: '10',
            deposit: '5',
            deliverWithin: 600,
            resultWithin: 600,
            decryptWithin: 600,
            leakageBound: 16,
            ckksPreset: 'n8192-d2',
            freeSample: true,
            ...extra,
          },
          csv: CSV,
        },
      },
    );
    expect(listed.status, JSON.stringify(listed.body)).to.equal(201);
  };

  const waitForState = (tradeId: string, states: string[]) =>
    waitFor(
      `trade ${tradeId} in ${states.join('/')}`,
      async () => {
        const t = (await call<Trade>(buyer, 'GET', TRADE, { channel: CHANNEL, tradeId })).body;
        return states.includes(t.state) ? t : undefined;
      },
      180_000,
    );

  const buyAndDownload = async (datasetId: string) => {
    const bought = await call<Trade>(
      buyer,
      'POST',
      '/api/channels/{channel}/trades',
      { channel: CHANNEL },
      {
        json: { datasetId },
      },
    );
    expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
    const delivered = await waitForState(bought.body.tradeId, ['DELIVERED']);
    const bundle = await call(buyer, 'GET', `${TRADE}/bundle`, {
      channel: CHANNEL,
      tradeId: delivered.tradeId,
    });
    return { trade: delivered, bundle: present(bundle.bytes, 'the bundle') };
  };

  /** A hostile "computation": the first `rows` rows of the table as they are (raw cells). */
  const rawRows = async (bundle: Uint8Array, rows: number) => {
    const loaded = await loadBundle(bundle);
    const outputs: Record<string, EncryptedTable> = {};
    for (let i = 0; i < rows; i++) outputs[`row${i}`] = loaded.table.row(i);
    const result = serializeResult(outputs);
    for (const t of Object.values(outputs)) t.dispose();
    loaded.dispose();
    return result;
  };

  const postSample = (datasetId: string, bytes: Uint8Array) =>
    call<{ values: number[]; code?: string }>(
      buyer,
      'POST',
      `${SAMPLE}/result`,
      { channel: CHANNEL, datasetId },
      {
        raw: bytes,
      },
    );
  const getSample = async (datasetId: string) =>
    present((await call(buyer, 'GET', SAMPLE, { channel: CHANNEL, datasetId })).bytes, 'sample');

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(issuer);
    const s = gatewayConfig(testNetwork.runDir, 'seller', ['seller'], [CHANNEL], ['User1'], {
      releaseSecurityBits: 20,
    });
    seller = await startApp(s.config, s.tokens);
    const b = gatewayConfig(testNetwork.runDir, 'buyer', ['buyer'], [CHANNEL], ['Admin']);
    buyer = await startApp(b.config, b.tokens);
    const account = await call<{ accountId: string }>(
      buyer,
      'GET',
      '/api/channels/{channel}/account',
      {
        channel: CHANNEL,
      },
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

  it('a hostile buyer reading sample rows out gets synthetic values, within budget per fresh key', async () => {
    const datasetId = `privacy-sample-${Date.now()}`;
    await list(datasetId, { maxValuesPerKey: 32 });
    const real = ROWS.map((r) => r.map((v) => v.toFixed(3)));
    const released: number[][] = [];
    let bundle = await getSample(datasetId);
    for (let round = 0; round < 2; round++) {
      const raw = await rawRows(bundle, 8);
      const reply = await postSample(datasetId, raw.bytes);
      expect(reply.status, JSON.stringify(reply.body)).to.equal(200);
      const values = reply.body.values;
      for (let i = 0; i < values.length; i += 2)
        released.push([values[i] ?? NaN, values[i + 1] ?? NaN]);
    }
    // 32 values under this key: its budget is spent, the next result is refused.
    const over = await postSample(datasetId, (await rawRows(bundle, 1)).bytes);
    expect(over.status).to.equal(422);
    expect(over.body.code).to.equal('BUDGET_EXHAUSTED');
    // A new request gets fresh keys with a budget of their own.
    bundle = await getSample(datasetId);
    const fresh = await postSample(datasetId, (await rawRows(bundle, 1)).bytes);
    expect(fresh.status).to.equal(200);
    // Chance: a uniform value on the column's 3-decimal grid hits one of its 40 real cells.
    expect(released).to.have.length(16);
    for (const [j, width] of [
      [0, 10],
      [1, 6],
    ] as const) {
      const cells = new Set(real.map((r) => r[j]));
      const chance = cells.size / (width * 1000 + 1);
      const hits = released.filter((r) => cells.has((r[j] ?? NaN).toFixed(3))).length;
      // Expected hits ≈ 16 × chance (< 0.3); the first 32 real rows would give 16 of 16.
      expect(hits).to.be.at.most(Math.ceil(16 * chance) + 1);
    }
    const realRows = new Set(real.map((r) => r.join(',')));
    expect(
      released.filter((r) => realRows.has(r.map((v) => v.toFixed(3)).join(','))),
    ).to.deep.equal([]);
  });

  it('an approved listing rejects a raw slice sent as the mean: nothing decrypted, all refunded', async () => {
    const datasetId = `privacy-approved-${Date.now()}`;
    await list(datasetId, {
      computationPolicy: {
        mode: 'approved',
        computations: [{ id: 'column-means', kind: 'builtin' }],
      },
    });
    const { trade, bundle } = await buyAndDownload(datasetId);
    const raw = await rawRows(bundle, 1);
    const params = { columns: ['x', 'y'] };
    const submitted = await call<Trade>(
      buyer,
      'POST',
      `${TRADE}/computed-result`,
      { channel: CHANNEL, tradeId: trade.tradeId },
      {
        raw: raw.bytes,
        query: { valueCount: '2', computation: 'column-means', params: JSON.stringify(params) },
      },
    );
    expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
    expect(submitted.body.computation?.paramsHash).to.equal(paramsHash(params));
    const rejected = await waitForState(trade.tradeId, ['REJECTED', 'SETTLED']);
    expect(rejected.state).to.equal('REJECTED');
    expect(rejected.rejectReason).to.match(/^COMPUTATION_MISMATCH: /);
    expect(rejected.computation?.verification).to.equal('mismatch');
    expect(rejected.paidToSeller).to.equal('0');
    expect(rejected.paidToBuyer).to.equal('15');
    const log = await call<{ entries: { action: string }[] }>(seller, 'GET', `${TRADE}/pump-log`, {
      channel: CHANNEL,
      tradeId: trade.tradeId,
    });
    const actions = log.body.entries.map((e) => e.action);
    expect(actions).to.include('computation-mismatch');
    expect(actions).to.not.include('result-delivered');
  });

  it('an honest approved mean through the CLI by name settles verified, equal to the plain mean', async () => {
    const datasetId = `privacy-cli-${Date.now()}`;
    await list(datasetId, {
      computationPolicy: {
        mode: 'approved',
        computations: [{ id: 'column-means', kind: 'builtin' }],
      },
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-privacy-'));
    const ok = (...args: string[]) =>
      new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          [cliMain, '--url', buyer.url, '--token', firstToken(buyer), '--quiet', ...args],
          { cwd: dir },
          (error, stdout, stderr) => {
            if (error) reject(new Error(`${args.join(' ')}: ${stderr}`));
            else resolve(stdout);
          },
        );
      });
    try {
      const bought = JSON.parse(await ok('--json', 'buy', datasetId, '--out', 'trade.bundle')) as {
        trade: Trade;
      };
      await ok(
        'run',
        '--computation',
        'column-means',
        '--columns',
        'x,y',
        '--bundle',
        'trade.bundle',
        '--out',
        'r.bin',
      );
      await ok(
        'submit',
        bought.trade.tradeId,
        '--result',
        'r.bin',
        '--values',
        '2',
        '--computation',
        'r.bin.computation.json',
      );
      const result = JSON.parse(await ok('--json', 'result', bought.trade.tradeId)) as {
        result: { values: number[] };
      };
      const expected = plainMeans(['x', 'y'], ROWS, { columns: ['x', 'y'] });
      result.result.values.forEach((v, j) => expect(v).to.be.closeTo(expected[j] ?? NaN, 0.01));
      const trade = (
        await call<Trade>(buyer, 'GET', TRADE, { channel: CHANNEL, tradeId: bought.trade.tradeId })
      ).body;
      expect(trade.state).to.equal('SETTLED');
      expect(trade.computation?.verification).to.equal('verified');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
