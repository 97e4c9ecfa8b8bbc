/**
 * Re-execution gives the same bytes with and without the CKKS worker pool: the fast kernels
 * the catalogue uses (column means, one LR epoch) cut their work into programs that run the
 * same in a worker thread as in this one.
 */
import { expect } from 'chai';
import { closeSharedPool } from '../../../src/ckks/index.js';
import { runComputation, type ComputationRequest } from '../../../src/computations/index.js';
import { engineSellerCrypto } from '../../../src/gateway/ckks-adapter.js';
import { lrDataset } from './dataset.js';

describe('approved computations with and without the worker pool', function () {
  this.timeout(600_000);
  after(async () => {
    await closeSharedPool();
  });

  it('column-means and lr-epochs give byte-identical results', async () => {
    const data = lrDataset(200);
    const crypto = await engineSellerCrypto({ statisticalSecurityBits: 16, decimals: 6 });
    const material = await crypto.createBundle(
      { channel: 'c', datasetId: 'd', columns: data.columns, rows: data.rows },
      'n8192-d4',
    );
    const requests: ComputationRequest[] = [
      { computationId: 'column-means', params: { columns: ['a', 'b', 'y'] } },
      {
        computationId: 'lr-epochs',
        params: {
          features: ['a', 'b', 'c', 'd'],
          target: 'y',
          epochs: 1,
          learningRate: 0.5,
          initialWeights: [0.1, -0.1, 0.05, 0.02],
          initialBias: 0.01,
        },
      },
    ];
    for (const request of requests) {
      const alone = await runComputation(material.bundle, request, [], { pool: false });
      const pooled = await runComputation(material.bundle, request, [], { pool: true });
      expect(pooled.sha256, request.computationId).to.equal(alone.sha256);
      expect(Buffer.from(pooled.bytes).equals(Buffer.from(alone.bytes))).to.equal(true);
    }
  });
});
