/**
 * One epoch of encrypted logistic regression (the thesis's example, small synthetic data) against
 * the same epoch in plain arithmetic with the same sigmoid approximation. Tolerance 1e-4 on the
 * updated weights (n8192-d4, Δ = 2^30).
 */
import { expect } from 'chai';
import {
  createTradeKeys,
  decryptTable,
  encryptTable,
  galoisStepsFor,
  polyvalPlain,
  SIGMOID_THESIS,
  tidy,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { at, keysFor, rng } from './helpers.js';

describe('ckks logistic regression epoch', function () {
  let keys: TradeKeys;
  before(async () => {
    keys = await keysFor('n8192-d4');
  });

  it('matches the plain epoch with the thesis sigmoid approximation', () => {
    const r = rng(42);
    const n = 300;
    const d = 4;
    const trueW = [1, -0.5, 0.8, 0];
    const X = Array.from({ length: n }, () => Array.from({ length: d }, () => 2 * r() - 1));
    const y = X.map((row) =>
      row.reduce((s, v, j) => s + v * at(trueW, j), 0) + 0.3 * (r() - 0.5) > 0 ? 1 : 0,
    );
    const table = encryptTable(
      keys,
      X.map((row, i) => [...row, at(y, i)]),
      ['f0', 'f1', 'f2', 'f3', 'label'],
    );
    const w0 = [0.1, -0.1, 0.05, 0];
    const b0 = 0.02;
    const lr = 0.5;

    // Plain reference.
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    X.forEach((row, i) => {
      const z = row.reduce((s, v, j) => s + v * at(w0, j), b0);
      const res = polyvalPlain(SIGMOID_THESIS, z) - at(y, i);
      row.forEach((v, j) => (gw[j] = at(gw, j) + v * res));
      gb += res;
    });
    const w1 = w0.map((w, j) => w - (lr / n) * at(gw, j));
    const b1 = b0 - (lr / n) * gb;

    // Encrypted epoch: the buyer's code.
    const Xe = table.select(['f0', 'f1', 'f2', 'f3']);
    const ye = table.col('label');
    const z = Xe.matmul(w0).add(b0);
    const p = z.sigmoid();
    const res = p.sub(ye);
    const gwe = Xe.t()
      .matmul(res)
      .mul(lr / n);
    const gbe = res.sum().mul(lr / n);
    const w1e = gwe.rsub(w0);
    const b1e = gbe.rsub(b0);
    try {
      expect(w1e.shape()).to.deep.equal([d, 1]);
      expect(b1e.shape()).to.deep.equal([1, 1]);
      expect(w1e.level).to.equal(4);
      decryptTable(w1e, keys).forEach((row, j) => expect(row[0]).to.be.closeTo(at(w1, j), 1e-4));
      expect(decryptTable(b1e, keys)[0]?.[0]).to.be.closeTo(b1, 1e-4);
      // The gradient points the right way: the loss decreases along it.
      expect(w1[0]).to.be.greaterThan(at(w0, 0));
    } finally {
      for (const t of [table, Xe, ye, z, p, res, gwe, gbe, w1e, b1e]) t.dispose();
    }
  });

  it('runs with only the Galois keys galoisStepsFor plans for it', async () => {
    const steps = galoisStepsFor(
      'n8192-d4',
      [100, 3],
      ['sum-rows', 'sum-columns', 'broadcast-rows'],
    );
    expect(steps).to.have.members([
      1, 2, 4, 8, 16, 32, 64, 1024, 2048, -1, -2, -4, -8, -16, -32, -64,
    ]);

    const k = await createTradeKeys('n8192-d4', { galoisSteps: steps });
    const r = rng(7);
    const data = Array.from({ length: 100 }, () => [r() - 0.5, r() - 0.5, r() > 0.5 ? 1 : 0]);
    const T = encryptTable(k, data, ['a', 'b', 'y']);
    try {
      const out = tidy(() => {
        const X = T.select(['a', 'b']);
        const res = X.matmul([0.2, -0.1]).sigmoid().sub(T.col('y'));
        const g = X.t().matmul(res).mul(0.01);
        return { g, z2: X.matmul(X.t().matmul(T.col('a'))), s: res.sum() };
      });
      expect(decryptTable(out.g, k)).to.have.length(2);
      expect(decryptTable(out.z2, k)).to.have.length(100);
      for (const t of Object.values(out)) t.dispose();
    } finally {
      T.dispose();
      k.dispose();
    }
  });
});
