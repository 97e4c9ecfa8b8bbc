/**
 * Polynomial evaluation (sigmoid approximation, smooth |x| and max) against plain evaluation of
 * the same polynomials on n8192-d4 (Δ = 2^30): absolute error below 3e-4 for inputs in [−4, 4]
 * (|x³| up to 64), 1e-4 for inputs in [−2, 2].
 */
import { expect } from 'chai';
import {
  absApproximation,
  chebyshevFit,
  encryptTable,
  polyvalPlain,
  SIGMOID_THESIS,
  sigmoid,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { check, keysFor, plain, randomMatrix } from './helpers.js';

describe('ckks polynomial evaluation', function () {
  let keys: TradeKeys;
  before(async () => {
    keys = await keysFor('n8192-d4');
  });

  it('evaluates the thesis sigmoid 0.5 + 0.197x − 0.004x³ with depth 2', () => {
    const a = randomMatrix(120, 3, 4, -4, 4);
    const A = encryptTable(keys, a);
    try {
      const s = A.sigmoid();
      expect(s.level).to.equal(2);
      check(
        s,
        keys,
        plain.map(a, (v) => 0.5 + 0.197 * v - 0.004 * v ** 3),
        3e-4,
        'sigmoid',
      );
      // The approximation itself is within 0.04 of the logistic function on [−3, 3].
      for (let x = -3; x <= 3; x += 0.25) {
        expect(polyvalPlain(SIGMOID_THESIS, x)).to.be.closeTo(sigmoid(x), 0.04);
      }
    } finally {
      A.dispose();
    }
  });

  const polys: number[][] = [
    [3],
    [0, 2],
    [1, -1, 0.5],
    [0.1, 0, 0, 0.3],
    [0, 1, 0, 0, -0.05],
    [0.2, -0.3, 0.1, 0.05, -0.01, 0.002, -0.0005],
  ];
  for (const c of polys) {
    it(`matches plain evaluation for coefficients [${c.join(', ')}]`, () => {
      const a = randomMatrix(40, 2, c.length, -2, 2);
      const A = encryptTable(keys, a);
      try {
        const p = A.polyval(c);
        const degree = c.length - 1;
        expect(p.level).to.equal(degree <= 1 ? 0 : Math.ceil(Math.log2(degree)));
        check(
          p,
          keys,
          plain.map(a, (v) => polyvalPlain(c, v)),
          // Each multiplication level adds fresh CKKS noise: the bound grows with the degree.
          1e-4 * Math.max(1, degree / 2),
          'polyval',
        );
      } finally {
        A.dispose();
      }
    });
  }

  it('approximates |x|, max and min with polynomials whose error is reported', () => {
    const fit = absApproximation(2, 8);
    expect(fit.maxError).to.be.lessThan(0.15);
    expect(fit.coefficients[1]).to.equal(0);
    const x = randomMatrix(50, 1, 8, -1, 1);
    const y = randomMatrix(50, 1, 9, -1, 1);
    const X = encryptTable(keys, x);
    const Y = encryptTable(keys, y);
    try {
      check(
        X.approxAbs(2),
        keys,
        plain.map(x, (v) => polyvalPlain(fit.coefficients, v)),
        1e-4,
        'abs',
      );
      const max = plain.zip(x, y, (p, q) => Math.max(p, q));
      check(X.approxMax(Y, 2), keys, max, fit.maxError / 2 + 1e-3, 'approxMax');
      const min = plain.zip(x, y, (p, q) => Math.min(p, q));
      check(X.approxMin(Y, 2), keys, min, fit.maxError / 2 + 1e-3, 'approxMin');
    } finally {
      X.dispose();
      Y.dispose();
    }
  });

  it('fits functions with Chebyshev interpolation', () => {
    const f = chebyshevFit(Math.exp, -1, 1, 8);
    expect(f.maxError).to.be.lessThan(5e-8);
    const inv = chebyshevFit((v) => 1 / v, 1, 3, 10);
    expect(polyvalPlain(inv.coefficients, 2)).to.be.closeTo(0.5, 1e-4);
    const s = chebyshevFit(sigmoid, -6, 6, 7);
    expect(s.maxError).to.be.lessThan(0.02);
  });
});
