/**
 * lr-epochs for k epochs: the honest model equals plain training within the preset's
 * precision, and more epochs than the preset holds are refused at compute time, naming the most
 * it holds.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import {
  maxLrEpochs,
  plainLrEpochs,
  runComputation,
  type ComputationRequest,
} from '../../../src/computations/index.js';
import { closeSharedPool } from '../../../src/ckks/index.js';
import { engineSellerCrypto } from '../../../src/gateway/ckks-adapter.js';
import type { SellerCrypto, TradeMaterial } from '../../../src/gateway/seller-crypto.js';
import { lrDataset } from './dataset.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

describe('approved lr-epochs over several epochs', function () {
  this.timeout(900_000);
  const data = lrDataset(200);
  let crypto: SellerCrypto;
  const bundles = new Map<string, TradeMaterial>();

  after(async () => {
    await closeSharedPool();
  });

  before(async () => {
    // No flooding: this checks the arithmetic. (A release at n16384-d9 with s = 16 adds noise
    // of σ ≈ 0.03 to outputs at the canonical scale; reexecution.test.ts covers flooded releases.)
    crypto = await engineSellerCrypto({ statisticalSecurityBits: 0, decimals: 6 });
  });

  async function bundleFor(preset: string): Promise<TradeMaterial> {
    let material = bundles.get(preset);
    if (!material) {
      material = await crypto.createBundle(
        { channel: 'c', datasetId: 'd', columns: data.columns, rows: data.rows },
        preset,
      );
      bundles.set(preset, material);
    }
    return material;
  }

  const params = (epochs: number) => ({
    features: ['a', 'b', 'c', 'd'],
    target: 'y',
    epochs,
    learningRate: 0.5,
    initialWeights: [0.1, -0.1, 0.05, 0.02],
    initialBias: 0.01,
  });

  async function decrypted(preset: string, request: ComputationRequest): Promise<number[]> {
    const material = await bundleFor(preset);
    const result = await runComputation(material.bundle, request);
    return crypto.decryptResult({
      secretKey: material.secretKey,
      bundle: material.bundle,
      result: result.bytes,
      preset,
      maxValues: 64,
      declaredValues: result.valueCount,
    });
  }

  const close = (actual: number[], expected: number[], tolerance: number) => {
    if (process.env.SHOW_VALUES) console.log(actual, expected);
    expect(actual).to.have.length(expected.length);
    actual.forEach((v, i) => expect(v).to.be.closeTo(expected[i] ?? NaN, tolerance));
  };

  it('the presets hold 1 (depth 4) and 2 (depth 9) epochs, depth 2 none', () => {
    expect([2, 4, 9].map(maxLrEpochs)).to.deep.equal([0, 1, 2]);
  });

  for (const epochs of [2]) {
    it(`${epochs} epochs on n16384-d9 equal ${epochs} plain epochs`, async () => {
      const p = params(epochs);
      const plain = plainLrEpochs(data.columns, data.rows, p);
      // Not vacuous: each epoch moves the model by more than the tolerance.
      const fewer = plainLrEpochs(data.columns, data.rows, { ...p, epochs: epochs - 1 });
      expect(Math.max(...plain.map((v, i) => Math.abs(v - (fewer[i] ?? 0))))).to.be.above(0.05);
      close(await decrypted('n16384-d9', { computationId: 'lr-epochs', params: p }), plain, 5e-3);
    });
  }

  it('2 epochs re-execute byte for byte, in this process and in a child process', async () => {
    const material = await bundleFor('n16384-d9');
    const request = { computationId: 'lr-epochs', params: params(2) };
    const first = await runComputation(material.bundle, request);
    const second = await runComputation(material.bundle, request, [], { pool: true });
    expect(second.sha256).to.equal(first.sha256);
    const dir = await mkdtemp(path.join(tmpdir(), 'lr-epochs-'));
    try {
      const file = path.join(dir, 'bundle.bin');
      await writeFile(file, material.bundle);
      const { stdout } = await run(
        process.execPath,
        [path.join(here, 'child-run.js'), file, JSON.stringify(request)],
        { maxBuffer: 1 << 20 },
      );
      expect(JSON.parse(stdout)).to.deep.equal({ sha256: first.sha256, bytes: first.bytes.length });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('more epochs than the preset holds are refused at compute time, naming the most', async () => {
    const cases: [string, number, number][] = [
      ['n8192-d4', 2, 1],
      ['n16384-d9', 3, 2],
    ];
    for (const [preset, epochs, max] of cases) {
      const material = await bundleFor(preset);
      await runComputation(material.bundle, {
        computationId: 'lr-epochs',
        params: params(epochs),
      }).then(
        () => expect.fail(`${preset} accepted ${epochs} epochs`),
        (error: unknown) => {
          expect((error as { code?: string }).code).to.equal('DEPTH_EXHAUSTED');
          expect((error as Error).message).to.contain(`at most ${max} epoch`);
        },
      );
    }
  });
});
