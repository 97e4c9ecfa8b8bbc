/**
 * The seller's pump with the real CKKS engine on the in-process ledger: an approved
 * computation is re-executed on the trade's bundle before decryption. An honest mean, XᵀX
 * and LR epoch settle with the plain values; a raw slice sent as "the mean" is rejected on
 * chain with nothing decrypted and the buyer refunded; every release counts against the key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  canonicalJson,
  plainLrEpochs,
  plainMeans,
  plainXtx,
  runComputation,
  scriptHash,
  type ComputationRequest,
} from '../../../src/computations/index.js';
import { loadBundle, serializeResult } from '../../../src/ckks/index.js';
import { engineSellerCrypto } from '../../../src/gateway/ckks-adapter.js';
import { withDefaults } from '../../../src/gateway/config.js';
import {
  decryptWithResultKey,
  generateResultKeyPair,
  sha256Hex,
} from '../../../src/gateway/crypto/result-envelope.js';
import { Sealer } from '../../../src/gateway/crypto/sealing.js';
import { labels } from '../../../src/gateway/key-labels.js';
import { EventPump } from '../../../src/gateway/pump.js';
import type { SellerCrypto } from '../../../src/gateway/seller-crypto.js';
import { openSellerStore, type SellerStore } from '../../../src/gateway/store/seller-store.js';
import type { ComputationPolicy } from '@datamarket/chaincode/api';
import type { ListingInput, PlainResult } from '../../../src/gateway/types.js';
import { fundedNetwork, ORG_ADMIN, type FundedNetwork } from '../../support/index.js';
import { eventually } from './pump-fixture.js';

const CHANNEL = 'market';
const USER = 'User1';
const COLUMNS = ['a', 'b', 'c', 'y'];
const ROWS = Array.from({ length: 60 }, (_, i) => {
  const a = Math.round(Math.sin(i + 1) * 1000) / 1000;
  const b = Math.round(Math.cos(3 * i) * 1000) / 1000;
  const c = Math.round(((i % 7) / 7 - 0.5) * 1000) / 1000;
  return [a, b, c, a - b > 0 ? 1 : 0];
});
const APPROVED: ComputationPolicy = {
  mode: 'approved',
  computations: [
    { id: 'column-means', kind: 'builtin' },
    { id: 'xtx', kind: 'builtin' },
    { id: 'lr-epochs', kind: 'builtin' },
  ],
};

describe('gateway pump: approved computations re-executed before decryption (real CKKS)', function () {
  this.timeout(600_000);
  let funded: FundedNetwork;
  let store: SellerStore;
  let pump: EventPump;
  let dir: string;
  let decryptions = 0;
  const buyerKeys = new Map<string, string>();

  before(async () => {
    funded = await fundedNetwork();
    // A listing may name only its own org's registered app (RegisterOrgApp).
    await funded.seller.registerOrgApp(ORG_ADMIN, CHANNEL, 'https://seller.example.com/gateway');
    dir = mkdtempSync(path.join(tmpdir(), 'datamarket-verify-'));
    const storePath = path.join(dir, 'seller.sqlite');
    store = await openSellerStore(storePath);
    const engine = await engineSellerCrypto({ statisticalSecurityBits: 16, decimals: 6 });
    const counting: SellerCrypto = {
      createBundle: (d, p) => engine.createBundle(d, p),
      decryptResult: (input) => {
        decryptions += 1;
        return engine.decryptResult(input);
      },
    };
    const config = withDefaults({
      org: 'seller',
      roles: ['seller'],
      channels: [CHANNEL],
      networkRunDir: dir,
      storePath,
      storeSecret: 'verify test store secret',
      users: [{ user: USER, tokenSha256: sha256Hex('seller token') }],
    });
    pump = new EventPump({
      config,
      ledger: funded.seller,
      store,
      sealer: new Sealer('verify test store secret'),
      crypto: counting,
      log: () => undefined,
      now: () => funded.network.now(),
      resumeDelayMs: 5,
    });
    pump.start();
  });

  after(async () => {
    await pump.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function list(id: string, preset: string, policy: ComputationPolicy): Promise<void> {
    const input: ListingInput = {
      id,
      title: id,
      schema: { columns: COLUMNS, rowCount: ROWS.length },
      price: '100',
      deposit: '10',
      deliverWithin: 3600,
      resultWithin: 7200,
      decryptWithin: 1800,
      leakageBound: 16,
      ckksPreset: preset,
      sellerGatewayUrl: 'https://seller.example.com/gateway',
      computationPolicy: policy,
    };
    await store.putDataset({
      channel: CHANNEL,
      datasetId: id,
      columns: COLUMNS,
      rows: ROWS,
      owner: USER,
    });
    await funded.seller.createListing(USER, CHANNEL, input);
  }

  /** Buys, waits for delivery and returns the trade id and its bundle. */
  async function bought(datasetId: string): Promise<{ tradeId: string; bundle: Uint8Array }> {
    const keys = generateResultKeyPair();
    const { txId: tradeId } = await funded.buyer.purchase(
      USER,
      CHANNEL,
      { datasetId, buyerResultKey: keys.publicKeyPem },
      (id) => {
        buyerKeys.set(id, keys.privateKeyPem);
        return Promise.resolve();
      },
    );
    await eventually(
      async () => (await funded.buyer.getTrade(USER, CHANNEL, tradeId)).state === 'DELIVERED',
      'delivery',
      120_000,
    );
    const bundle = await store.getBundle(CHANNEL, tradeId);
    if (!bundle) throw new Error('no bundle');
    return { tradeId, bundle: bundle.bytes };
  }

  /** What the buyer's app does: upload parameters and result, then SubmitComputedResult. */
  async function submit(
    tradeId: string,
    request: ComputationRequest,
    result: Uint8Array,
    valueCount: number,
  ) {
    await store.insertTradeComputation({
      channel: CHANNEL,
      tradeId,
      computationId: request.computationId,
      paramsJson: canonicalJson(request.params),
    });
    const sha256 = sha256Hex(result);
    await store.putResult({ channel: CHANNEL, tradeId, bytes: result, sha256 });
    const { paramsHash } = await import('../../../src/computations/index.js');
    await funded.buyer.submitComputedResult(USER, CHANNEL, tradeId, {
      resultHash: sha256,
      valueCount,
      computationId: request.computationId,
      paramsHash: paramsHash(request.params),
    });
  }

  async function closed(tradeId: string) {
    await eventually(
      async () =>
        ['SETTLED', 'REJECTED'].includes(
          (await funded.buyer.getTrade(USER, CHANNEL, tradeId)).state,
        ),
      'settlement',
      300_000,
    );
    return funded.buyer.getTrade(USER, CHANNEL, tradeId);
  }

  async function valuesOf(tradeId: string): Promise<number[]> {
    const delivered = await funded.buyer.getDeliveredResult(USER, CHANNEL, tradeId);
    const key = buyerKeys.get(tradeId) ?? '';
    const plain = JSON.parse(
      decryptWithResultKey(key, delivered.encryptedResult).toString(),
    ) as PlainResult;
    return plain.values;
  }

  const close = (actual: number[], expected: number[], tolerance: number) => {
    expect(actual).to.have.length(expected.length);
    actual.forEach((v, i) => expect(v).to.be.closeTo(expected[i] ?? NaN, tolerance));
  };

  it('an honest approved mean and XᵀX settle, verified, equal to the plain arithmetic', async () => {
    await list('stats', 'n8192-d2', APPROVED);
    for (const request of [
      { computationId: 'column-means', params: { columns: ['a', 'b', 'c'] } },
      { computationId: 'xtx', params: { columns: ['a', 'b'] } },
    ]) {
      const { tradeId, bundle } = await bought('stats');
      const result = await runComputation(bundle, request);
      await submit(tradeId, request, result.bytes, result.valueCount);
      const trade = await closed(tradeId);
      expect(trade.state).to.equal('SETTLED');
      expect(trade.computation?.verification).to.equal('verified');
      const expected =
        request.computationId === 'xtx'
          ? plainXtx(COLUMNS, ROWS, request.params)
          : plainMeans(COLUMNS, ROWS, request.params);
      close(await valuesOf(tradeId), expected, 1e-2);
      expect(await store.keyBudgetSpent(labels.tradeKey(CHANNEL, tradeId))).to.equal(
        expected.length,
      );
    }
  });

  it('an honest approved LR epoch settles with the plain model', async () => {
    await list('model', 'n8192-d4', APPROVED);
    const params = {
      features: ['a', 'b', 'c'],
      target: 'y',
      epochs: 1,
      learningRate: 0.5,
      initialWeights: [0.1, 0, -0.1],
      initialBias: 0,
    };
    const { tradeId, bundle } = await bought('model');
    const request = { computationId: 'lr-epochs', params };
    const result = await runComputation(bundle, request);
    await submit(tradeId, request, result.bytes, result.valueCount);
    const trade = await closed(tradeId);
    expect(trade.state).to.equal('SETTLED');
    close(await valuesOf(tradeId), plainLrEpochs(COLUMNS, ROWS, params), 2e-2);
  });

  it('a raw slice sent as the approved mean is rejected on chain: nothing decrypted, all refunded', async () => {
    await list('guarded', 'n8192-d2', APPROVED);
    const { tradeId, bundle } = await bought('guarded');
    const balance = BigInt(
      await funded.buyer.balanceOf(USER, CHANNEL, funded.buyer.accountOf(USER)),
    );
    // The hostile buyer's "mean": the first three cells of column a.
    const loaded = await loadBundle(bundle);
    const slice = loaded.table.select(['a']).t();
    const raw = serializeResult(slice);
    slice.dispose();
    loaded.dispose();
    const before = decryptions;
    await submit(
      tradeId,
      { computationId: 'column-means', params: { columns: ['a', 'b', 'c'] } },
      raw.bytes,
      3,
    );
    const trade = await closed(tradeId);
    expect(trade.state).to.equal('REJECTED');
    expect(trade.rejectReason).to.match(/^COMPUTATION_MISMATCH: the result is not 'column-means'/);
    expect(trade.computation?.verification).to.equal('mismatch');
    expect(trade.computation?.reexecutedHash).to.match(/^[0-9a-f]{64}$/);
    expect(decryptions).to.equal(before);
    expect(trade.paidToSeller).to.equal('0');
    const after = BigInt(await funded.buyer.balanceOf(USER, CHANNEL, funded.buyer.accountOf(USER)));
    expect(after - balance).to.equal(110n);
    expect(await store.keyBudgetSpent(labels.tradeKey(CHANNEL, tradeId))).to.equal(0);
  });

  it('a crafted result on an open listing releases at most the bound, counted against its key', async () => {
    await list('open', 'n8192-d2', { mode: 'open' });
    const { tradeId, bundle } = await bought('open');
    // Raw cells, not a statistic: an open listing decrypts them, up to its leakage bound.
    const loaded = await loadBundle(bundle);
    const rows = Object.fromEntries([0, 1, 2, 3].map((i) => [`row${i}`, loaded.table.row(i)]));
    const raw = serializeResult(rows);
    for (const t of Object.values(rows)) t.dispose();
    loaded.dispose();
    const sha256 = sha256Hex(raw.bytes);
    await store.putResult({ channel: CHANNEL, tradeId, bytes: raw.bytes, sha256 });
    await funded.buyer.submitResult(USER, CHANNEL, tradeId, sha256, raw.valueCount);
    const trade = await closed(tradeId);
    expect(trade.state).to.equal('SETTLED');
    expect(trade.computation).to.equal(null);
    expect(await valuesOf(tradeId)).to.have.length(16);
    const spent = await store.keyBudgetSpent(labels.tradeKey(CHANNEL, tradeId));
    expect(spent).to.equal(16);
    expect(spent).to.be.at.most(trade.terms.maxValuesPerKey);
  });

  it("a seller script, identified by its code's hash, is re-executed from the store and settles", async () => {
    const code =
      'export default ({ table, params }) => { const s = table.select(params.columns); const m = s.mean(0); s.dispose(); return { means: m }; };\n';
    await list('scripted', 'n8192-d2', {
      mode: 'approved',
      computations: [{ id: 'my-means', kind: 'script', sha256: scriptHash(code) }],
    });
    await store.putScript(CHANNEL, 'scripted', { id: 'my-means', code });
    const { tradeId, bundle } = await bought('scripted');
    const request = { computationId: 'my-means', params: { columns: ['a', 'b'] } };
    const result = await runComputation(bundle, request, [{ id: 'my-means', code }]);
    await submit(tradeId, request, result.bytes, result.valueCount);
    const trade = await closed(tradeId);
    expect(trade.state).to.equal('SETTLED');
    expect(trade.computation?.computationHash).to.equal(scriptHash(code));
    expect(trade.computation?.verification).to.equal('verified');
    close(await valuesOf(tradeId), plainMeans(COLUMNS, ROWS, request.params), 1e-2);
  });

  it('other parameters than the ones hashed on chain are not decrypted', async () => {
    await list('params', 'n8192-d2', APPROVED);
    const { tradeId, bundle } = await bought('params');
    const request = { computationId: 'column-means', params: { columns: ['a'] } };
    const result = await runComputation(bundle, request);
    await store.insertTradeComputation({
      channel: CHANNEL,
      tradeId,
      computationId: 'column-means',
      paramsJson: canonicalJson({ columns: ['b'] }),
    });
    const sha256 = sha256Hex(result.bytes);
    await store.putResult({ channel: CHANNEL, tradeId, bytes: result.bytes, sha256 });
    await funded.buyer.submitComputedResult(USER, CHANNEL, tradeId, {
      resultHash: sha256,
      valueCount: 1,
      computationId: 'column-means',
      paramsHash: result.paramsHash,
    });
    const trade = await closed(tradeId);
    expect(trade.state).to.equal('REJECTED');
    expect(trade.rejectReason).to.include('do not match the paramsHash');
  });
});
