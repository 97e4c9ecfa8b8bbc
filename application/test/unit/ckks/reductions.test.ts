/**
 * Sums, means, dot products, matrix products and views against plain arithmetic.
 * Tolerance: 1e-6 × (1 + |expected|) on n8192-d2; 1e-2 on n4096-d1 for the large shapes.
 */
import { expect } from 'chai';
import { encryptTable, matmulPlain, type TradeKeys } from '../../../src/ckks/index.js';
import { at, cell, check, expectCode, keysFor, plain, randomMatrix } from './helpers.js';

describe('ckks reductions, products and views', function () {
  let keys: TradeKeys;
  before(async () => {
    keys = await keysFor('n8192-d2');
  });

  const shapes: [number, number][] = [
    [1, 1],
    [1, 6],
    [9, 1],
    [100, 3],
    [1000, 10],
  ];
  for (const [r, c] of shapes) {
    it(`sum and mean (all, per column, per row) of a ${r}×${c} table`, () => {
      const a = randomMatrix(r, c, r + 100 * c);
      const A = encryptTable(keys, a);
      const tol = 1e-6 * (1 + r * c);
      try {
        check(A.sum(), keys, plain.sum(a), tol, 'sum');
        check(A.sum(0), keys, plain.sum0(a), tol, 'sum(0)');
        check(A.sum(1), keys, plain.sum1(a), tol, 'sum(1)');
        check(
          A.mean(),
          keys,
          plain.map(plain.sum(a), (v) => v / (r * c)),
          1e-6,
          'mean',
        );
        check(
          A.mean(0),
          keys,
          plain.map(plain.sum0(a), (v) => v / r),
          1e-6,
          'mean(0)',
        );
        check(
          A.mean(1),
          keys,
          plain.map(plain.sum1(a), (v) => v / c),
          1e-6,
          'mean(1)',
        );
        const T = A.t();
        check(T.sum(0), keys, plain.transpose(plain.sum1(a)), tol, 't().sum(0)');
        check(T.sum(1), keys, plain.transpose(plain.sum0(a)), tol, 't().sum(1)');
        T.dispose();
      } finally {
        A.dispose();
      }
    });
  }

  it('selects rows, columns, cells and column subsets (views) and transposes', () => {
    const a = randomMatrix(30, 5, 11);
    const A = encryptTable(keys, a, ['a', 'b', 'c', 'd', 'e']);
    try {
      expect(A.shape()).to.deep.equal([30, 5]);
      expect(A.dim()).to.deep.equal([30, 5]);
      check(A.row(7), keys, [at(a, 7)], 1e-8, 'row');
      check(
        A.col('c'),
        keys,
        a.map((r) => [at(r, 2)]),
        1e-8,
        'col by name',
      );
      check(
        A.column(4),
        keys,
        a.map((r) => [at(r, 4)]),
        1e-8,
        'col by index',
      );
      check(A.cell(29, 'e'), keys, [[cell(a, 29, 4)]], 1e-8, 'cell');
      check(
        A.select(['e', 'a']),
        keys,
        a.map((r) => [at(r, 4), at(r, 0)]),
        1e-8,
        'select',
      );
      const T = A.transpose();
      expect(T.shape()).to.deep.equal([5, 30]);
      check(T.row(1), keys, [a.map((r) => at(r, 1))], 1e-8, 't().row');
      check(
        T.col(3),
        keys,
        at(a, 3).map((v) => [v]),
        1e-8,
        't().col',
      );
      check(T.t(), keys, a, 1e-8, 't().t()');
      // Sums over views: the other columns sharing the ciphertexts must not leak in.
      const S = A.select(['b', 'd']);
      check(
        S.sum(1),
        keys,
        a.map((r) => [at(r, 1) + at(r, 3)]),
        1e-5,
        'view sum(1)',
      );
      check(S.sum(), keys, [[a.reduce((s, r) => s + at(r, 1) + at(r, 3), 0)]], 1e-5, 'view sum');
      const R = A.row(4);
      check(R.sum(), keys, [[at(a, 4).reduce((s, v) => s + v, 0)]], 1e-6, 'row sum');
      for (const t of [T, S, R]) t.dispose();
    } finally {
      A.dispose();
    }
  });

  it('computes dot products and matrix products with plain and encrypted operands', () => {
    const a = randomMatrix(64, 4, 21);
    const w = [0.5, -1, 2, 0.25];
    const A = encryptTable(keys, a);
    try {
      const xw = plain.matvec(a, w);
      check(A.matmul(w), keys, xw, 1e-5, 'X·w');
      const W = [
        [1, 0],
        [0, 1],
        [1, 1],
        [-1, 2],
      ];
      check(
        A.matmul(W),
        keys,
        a.map((r) => [0, 1].map((q) => r.reduce((s, v, j) => s + v * cell(W, j, q), 0))),
        1e-5,
        'X·W',
      );
      const v = A.col(0);
      const xtv = plain.transpose(plain.sum0(plain.map(a, (x, i) => x * cell(a, i, 0))));
      check(A.t().matmul(v), keys, xtv, 1e-5, 'Xᵀ·v');
      check(A.t().matmul(a.map((r) => at(r, 0))), keys, xtv, 1e-5, 'Xᵀ·plain');
      const u = A.col(1);
      const dot = a.reduce((s, r) => s + at(r, 0) * at(r, 1), 0);
      check(v.dot(u), keys, [[dot]], 1e-5, 'dot enc');
      check(v.dot(a.map((r) => at(r, 1))), keys, [[dot]], 1e-5, 'dot plain');
      const M = randomMatrix(5, 64, 22);
      const mv = M.map((row) => [row.reduce((s, m, j) => s + m * cell(a, j, 0), 0)]);
      check(matmulPlain(M, v), keys, mv, 1e-5, 'M·v');
      check(v.leftMatmul(M), keys, mv, 1e-5, 'v.leftMatmul(M)');
      for (const t of [v, u]) t.dispose();
    } finally {
      A.dispose();
    }
  });

  it('multiplies by encrypted weights that come from a reduction over the same table', async () => {
    const k = await keysFor('n8192-d4');
    const a = randomMatrix(200, 3, 31);
    const A = encryptTable(k, a);
    const v = A.col(0);
    const g = A.t().matmul(v);
    try {
      const xtv = plain.transpose(plain.sum0(plain.map(a, (x, i) => x * cell(a, i, 0))));
      const xg = plain.matvec(
        a,
        xtv.map((r) => at(r, 0)),
      );
      check(A.matmul(g), k, xg, 1e-2, 'X·(Xᵀv)');
      // The same on a depth-2 preset needs more levels than it has.
      const A2 = encryptTable(keys, a);
      const g2 = A2.t().matmul(A2.col(0));
      await expectCode(() => A2.matmul(g2), 'DEPTH_EXHAUSTED', /depth 2/);
      A2.dispose();
      g2.dispose();
    } finally {
      for (const t of [A, v, g]) t.dispose();
    }
  });

  it('reduces tables with more rows than slots', async () => {
    const k = await keysFor('n4096-d1');
    const a = randomMatrix(2500, 3, 99);
    const A = encryptTable(k, a);
    try {
      check(A.sum(0), k, plain.sum0(a), 1e-2, 'sum(0)');
      check(A.sum(1), k, plain.sum1(a), 1e-3, 'sum(1)');
      check(
        A.mean(),
        k,
        plain.map(plain.sum(a), (v) => v / 7500),
        1e-5,
        'mean',
      );
      const v = A.col(2);
      const M = randomMatrix(2, 2500, 5);
      check(
        v.leftMatmul(M),
        k,
        M.map((r) => [r.reduce((s, m, j) => s + m * cell(a, j, 2), 0)]),
        1e-2,
        'M·v',
      );
      check(
        A.t().matmul(v),
        k,
        plain.transpose(plain.sum0(plain.map(a, (x, i) => x * cell(a, i, 2)))),
        2e-2,
        'Xᵀv',
      );
      v.dispose();
    } finally {
      A.dispose();
    }
  });
});
