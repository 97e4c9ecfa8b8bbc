/**
 * Approved computations: the honest result decrypts to the plain arithmetic within the
 * preset's precision, and re-executing it, in this process or another, gives the same bytes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import {
  paramsHash,
  plainLrEpochs,
  plainMeans,
  plainSums,
  plainXtx,
  plainXty,
  runComputation,
  type ComputationRequest,
} from '../../../src/computations/index.js';
import { engineSellerCrypto } from '../../../src/gateway/ckks-adapter.js';
import type { SellerCrypto, TradeMaterial } from '../../../src/gateway/seller-crypto.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

/** Seeded rows: four features in [-1, 1] and a 0/1 label that depends on them. */
function dataset(n: number): { columns: string[]; rows: number[][] } {
  let a = 7;
  const next = () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
  const rows = Array.from({ length: n }, () => {
    const [a0, a1, a2, a3] = [0, 1, 2, 3].map(() => Math.round((2 * next() - 1) * 1000) / 1000);
    const x = [a0 ?? 0, a1 ?? 0, a2 ?? 0, a3 ?? 0];
    const label = (a0 ?? 0) - 0.5 * (a1 ?? 0) + 0.2 * next() > 0 ? 1 : 0;
    return [...x, label];
  });
  return { columns: ['a', 'b', 'c', 'd', 'y'], rows };
}

describe('approved computations', function () {
  this.timeout(600_000);
  const data = dataset(200);
  let crypto: SellerCrypto;
  const bundles = new Map<string, TradeMaterial>();

  before(async () => {
    crypto = await engineSellerCrypto({ statisticalSecurityBits: 16, decimals: 6 });
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

  async function decrypted(preset: string, request: ComputationRequest): Promise<number[]> {
    const material = await bundleFor(preset);
    const result = await runComputation(material.bundle, request);
    expect(result.paramsHash).to.equal(paramsHash(request.params));
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

  it('column means and sums equal the plain arithmetic', async () => {
    const params = { columns: ['a', 'c', 'y'] };
    close(
      await decrypted('n8192-d2', { computationId: 'column-means', params }),
      plainMeans(data.columns, data.rows, params),
      1e-3,
    );
    close(
      await decrypted('n8192-d2', { computationId: 'column-sums', params }),
      plainSums(data.columns, data.rows, params),
      1e-2,
    );
  });

  it('XᵀX (upper triangle) and Xᵀy equal the plain arithmetic', async () => {
    const params = { columns: ['a', 'b', 'c'] };
    close(
      await decrypted('n8192-d2', { computationId: 'xtx', params }),
      plainXtx(data.columns, data.rows, params),
      1e-2,
    );
    const xty = { columns: ['a', 'b'], target: 'y' };
    close(
      await decrypted('n8192-d2', { computationId: 'xty', params: xty }),
      plainXty(data.columns, data.rows, xty),
      1e-2,
    );
  });

  // The flooding noise of a release at the depth-4 preset (s = 16) is about 3e-3 here.
  it('one LR epoch from given weights equals the plain epoch', async () => {
    const params = {
      features: ['a', 'b', 'c', 'd'],
      target: 'y',
      epochs: 1,
      learningRate: 0.5,
      initialWeights: [0.1, -0.1, 0.05, 0.02],
      initialBias: 0.01,
    };
    close(
      await decrypted('n8192-d4', { computationId: 'lr-epochs', params }),
      plainLrEpochs(data.columns, data.rows, params),
      2e-2,
    );
  });

  it('refuses bad parameters before touching the bundle', async () => {
    const material = await bundleFor('n8192-d2');
    for (const params of [{}, { columns: [] }, { columns: ['a'], extra: 1 }]) {
      await runComputation(material.bundle, { computationId: 'column-means', params }).then(
        () => expect.fail('accepted'),
        (error: unknown) => expect((error as Error).name).to.equal('ParamsError'),
      );
    }
  });

  it('re-execution is byte-identical in this process and in a child process', async () => {
    const material = await bundleFor('n8192-d4');
    const dir = await mkdtemp(path.join(tmpdir(), 'reexec-'));
    try {
      const file = path.join(dir, 'bundle.bin');
      await writeFile(file, material.bundle);
      const meanRequest = { computationId: 'column-means', params: { columns: ['a', 'b'] } };
      const requests: ComputationRequest[] = [
        meanRequest,
        { computationId: 'xtx', params: { columns: ['a', 'b'] } },
        {
          computationId: 'lr-epochs',
          params: {
            features: ['a', 'b'],
            target: 'y',
            epochs: 1,
            learningRate: 1,
            initialWeights: [0.01, 0.01],
            initialBias: 0,
          },
        },
      ];
      for (const request of requests) {
        const first = await runComputation(material.bundle, request);
        const second = await runComputation(material.bundle, request);
        expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).to.equal(true);
        const { stdout } = await run(
          process.execPath,
          [path.join(here, 'child-run.js'), file, JSON.stringify(request)],
          { maxBuffer: 1 << 20 },
        );
        const child = JSON.parse(stdout) as { sha256: string; bytes: number };
        expect(child).to.deep.equal({ sha256: first.sha256, bytes: first.bytes.length });
      }
      // Other parameters give other bytes: the check is not vacuous.
      const other = await runComputation(material.bundle, {
        computationId: 'column-means',
        params: { columns: ['a', 'c'] },
      });
      const first = await runComputation(material.bundle, meanRequest);
      expect(other.sha256).to.not.equal(first.sha256);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
