/**
 * The row-blocked layout of depth-0 presets: which tables get it, that it survives a bundle, that
 * every reduction on it matches plain arithmetic (also with a column kept apart because its sum
 * cannot fit), and that a column mean needs log2(block) rotations instead of log2(rows).
 */
import { expect } from 'chai';
import {
  columnMeans,
  createTradeKeys,
  decryptTable,
  encryptTable,
  galoisStepsFor,
  loadBundle,
  serializeBundle,
} from '../../../src/ckks/index.js';
import { blockRowsFor, freshLayout } from '../../../src/ckks/layout.js';
import { arithFor } from '../../../src/ckks/table.js';
import { at, cell, check, expectCode, keysFor, plain, randomMatrix } from './helpers.js';

describe('ckks row-blocked layout (depth-0 presets)', function () {
  this.timeout(120_000);

  it('is chosen for depth 0 only, and keeps the columns that cannot be summed apart', () => {
    expect(blockRowsFor(0, 1000, 10, 2048)).to.equal(128);
    expect(blockRowsFor(0, 100, 10, 2048)).to.equal(undefined); // one block: packed already
    expect(blockRowsFor(1, 1000, 10, 2048)).to.equal(undefined);
    const L = freshLayout(1000, 3, 2048, 0, [true, false, true]);
    expect(L.stride).to.equal(512);
    expect(L.place.map((col) => col.map((s) => [s.ct, s.offset]))).to.deep.equal([
      [
        [0, 0],
        [1, 0],
      ],
      [
        [2, 0],
        [2, 512],
      ],
      [
        [0, 512],
        [1, 512],
      ],
    ]);
    expect(freshLayout(1000, 3, 2048, 0, [false, false, false]).stride).to.equal(1024);
  });

  it('a mean of 1,000 rows × 10 columns takes 7 rotations and matches plain arithmetic', async () => {
    const data = randomMatrix(1000, 10, 7, 0, 70);
    const keys = await createTradeKeys('n4096-d0', {
      galoisSteps: galoisStepsFor('n4096-d0', [1000, 10], ['sum-rows']),
    });
    const T = encryptTable(keys, data);
    try {
      expect(T.ciphertextCount).to.equal(8);
      const stats = arithFor(T.keys).stats;
      const before = stats.rotations;
      const m = await columnMeans(T, [1, 9], { pool: false });
      expect(stats.rotations - before).to.equal(7);
      const got = at(decryptTable(m, keys), 0);
      const want = at(plain.sum0(data), 0).map((v) => v / 1000);
      expect(at(got, 0)).to.be.closeTo(at(want, 1), 1e-6);
      expect(at(got, 1)).to.be.closeTo(at(want, 9), 1e-6);
      m.dispose();
    } finally {
      T.dispose();
      keys.dispose();
    }
  });

  it('every reduction matches plain arithmetic, with a large column kept apart, after a bundle', async () => {
    const keys = await keysFor('n4096-d0');
    // Column 1 (±500 over 1,500 rows) cannot be summed on ±2^19: it is kept apart.
    const data = randomMatrix(1500, 5, 11).map((row) =>
      row.map((v, j) => (j === 1 ? 500 * v : 20 * v)),
    );
    const bundle = serializeBundle(encryptTable(keys, data, ['a', 'big', 'c', 'd', 'e']));
    const { table: T } = await loadBundle(bundle.bytes);
    try {
      const tol = 1e-3;
      const small = [0, 2, 3, 4];
      const part = data.map((row) => small.map((j) => cell([row], 0, j)));
      using S = T.select(['a', 'c', 'd', 'e']);
      check(S.sum(0), keys, plain.sum0(part), tol * 1500, 'sum(0)');
      check(S.mean(0), keys, [at(plain.sum0(part), 0).map((v) => v / 1500)], tol, 'mean(0)');
      check(T.sum(1), keys, plain.sum1(data), tol, 'sum(1) with the large column');
      check(S.sum(), keys, plain.sum(part), tol * 6000, 'sum()');
      using fast = await columnMeans(T, ['a', 'e']);
      check(fast, keys, [[0, 4].map((j) => cell(plain.sum0(data), 0, j) / 1500)], tol, 'fast');
      // The large column's sum does not fit: refused, not wrapped.
      await expectCode(() => T.col('big').sum(), 'VALUE_OUT_OF_RANGE');
      await expectCode(() => columnMeans(T, ['big']), 'VALUE_OUT_OF_RANGE');
      // A row-blocked table is elementwise like any other.
      using twice = T.add(T);
      check(
        twice,
        keys,
        plain.map(data, (v) => 2 * v),
        tol,
        'add',
      );
    } finally {
      T.dispose();
    }
  });
});
