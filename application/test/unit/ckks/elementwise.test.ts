/**
 * Elementwise arithmetic against plain arithmetic. Tolerances: n8192-d2 (Δ = 2^38) keeps absolute
 * errors below 1e-6 for values in [−1, 1]; n4096-d1 (Δ = 2^25, used for the large shapes) below
 * 1e-3.
 */
import { expect } from 'chai';
import {
  encryptTable,
  decryptTable,
  tidy,
  type EncryptedTable,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { at, cell, check, keysFor, plain, randomMatrix } from './helpers.js';

const TOL = 1e-6;
/**
 * Encrypted ∘ encrypted broadcasting replicates an operand with rotations, and each rotation's
 * key switching adds noise of its own: a few times the fresh-encryption error (1.02e-6 was seen).
 */
const ROTATED_TOL = 4e-6;

describe('ckks elementwise operations', function () {
  let keys: TradeKeys;
  before(async () => {
    keys = await keysFor('n8192-d2');
  });

  const shapes: [number, number][] = [
    [1, 1],
    [1, 5],
    [7, 1],
    [37, 4],
    [300, 9],
  ];
  for (const [r, c] of shapes) {
    it(`+ − × ÷ with scalars, plain and encrypted operands on a ${r}×${c} table`, () => {
      const a = randomMatrix(r, c, r * 31 + c);
      const b = randomMatrix(r, c, r * 17 + c + 1);
      const A = encryptTable(keys, a);
      const B = encryptTable(keys, b);
      try {
        check(
          A.add(2.5),
          keys,
          plain.map(a, (v) => v + 2.5),
          TOL,
          'A + s',
        );
        check(
          A.sub(-1.25),
          keys,
          plain.map(a, (v) => v + 1.25),
          TOL,
          'A − s',
        );
        check(
          A.mul(-3),
          keys,
          plain.map(a, (v) => -3 * v),
          TOL,
          'A × s',
        );
        check(
          A.div(4),
          keys,
          plain.map(a, (v) => v / 4),
          TOL,
          'A ÷ s',
        );
        check(
          A.neg(),
          keys,
          plain.map(a, (v) => -v),
          TOL,
          '−A',
        );
        check(
          A.rsub(1),
          keys,
          plain.map(a, (v) => 1 - v),
          TOL,
          '1 − A',
        );
        check(
          A.add(b),
          keys,
          plain.zip(a, b, (x, y) => x + y),
          TOL,
          'A + plain',
        );
        check(
          A.sub(b),
          keys,
          plain.zip(a, b, (x, y) => x - y),
          TOL,
          'A − plain',
        );
        check(
          A.mul(b),
          keys,
          plain.zip(a, b, (x, y) => x * y),
          TOL,
          'A × plain',
        );
        check(
          A.add(B),
          keys,
          plain.zip(a, b, (x, y) => x + y),
          TOL,
          'A + B',
        );
        check(
          A.sub(B),
          keys,
          plain.zip(a, b, (x, y) => x - y),
          TOL,
          'A − B',
        );
        check(
          A.mul(B),
          keys,
          plain.zip(a, b, (x, y) => x * y),
          TOL,
          'A × B',
        );
        check(
          A.square(),
          keys,
          plain.map(a, (v) => v * v),
          TOL,
          'A²',
        );
        const nz = plain.map(b, (v) => (Math.abs(v) < 0.1 ? 0.5 : v));
        check(
          A.div(nz),
          keys,
          plain.zip(a, nz, (x, y) => x / y),
          1e-4,
          'A ÷ plain',
        );
      } finally {
        A.dispose();
        B.dispose();
      }
    });
  }

  it('broadcasts plain rows, columns and encrypted columns/rows', () => {
    const a = randomMatrix(20, 3, 5);
    const A = encryptTable(keys, a);
    const row = [0.5, -2, 3];
    const colv = Array.from({ length: 20 }, (_, i) => i / 10);
    try {
      check(
        A.add(row),
        keys,
        plain.map(a, (v, _i, j) => v + at(row, j)),
        TOL,
        'A + row',
      );
      check(
        A.mul([row]),
        keys,
        plain.map(a, (v, _i, j) => v * at(row, j)),
        TOL,
        'A × [row]',
      );
      check(
        A.sub(colv.map((v) => [v])),
        keys,
        plain.map(a, (v, i) => v - at(colv, i)),
        TOL,
        'A − column',
      );
      const C = A.col(1);
      check(
        A.mul(C),
        keys,
        plain.map(a, (v, i) => v * cell(a, i, 1)),
        ROTATED_TOL,
        'A × col',
      );
      check(
        C.sub(A),
        keys,
        plain.map(a, (v, i) => cell(a, i, 1) - v),
        ROTATED_TOL,
        'col − A',
      );
      const R = A.row(3);
      check(
        A.add(R),
        keys,
        plain.map(a, (v, _i, j) => v + cell(a, 3, j)),
        ROTATED_TOL,
        'A + row(3)',
      );
      const s = A.cell(2, 2);
      const c22 = cell(a, 2, 2);
      check(
        A.mul(s),
        keys,
        plain.map(a, (v) => v * c22),
        ROTATED_TOL,
        'A × cell',
      );
      check(
        s.sub(A),
        keys,
        plain.map(a, (v) => c22 - v),
        ROTATED_TOL,
        'cell − A',
      );
      check(R.add(s), keys, [at(a, 3).map((v) => v + c22)], ROTATED_TOL, 'row + cell');
      check(
        s.mul(C),
        keys,
        a.map((r) => [at(r, 1) * c22]),
        ROTATED_TOL,
        'cell × col',
      );
      for (const t of [C, R, s]) t.dispose();
    } finally {
      A.dispose();
    }
  });

  it('chains operations while tracking levels and scales automatically', () => {
    const a = randomMatrix(50, 2, 9);
    const A = encryptTable(keys, a);
    try {
      // (A × 0.001 + A²) − A: mixes a lazily scaled level-0 table with a level-1 table.
      const t1 = A.mul(0.001);
      const t2 = A.square();
      const t3 = t1.add(t2);
      const t4 = t3.sub(A);
      expect(t2.level).to.equal(1);
      expect(t4.level).to.equal(1);
      check(
        t4,
        keys,
        plain.map(a, (v) => 0.001 * v + v * v - v),
        TOL,
        'chain',
      );
      // Same level, different scales: costs one level for both.
      const t5 = t2.add(t2.mul(1e-3));
      expect(t5.level).to.equal(2);
      check(
        t5,
        keys,
        plain.map(a, (v) => 1.001 * v * v),
        TOL,
        'same level',
      );
      for (const t of [t1, t2, t3]) t.dispose();
    } finally {
      A.dispose();
    }
  });

  it('disposes intermediate tables with tidy() and keeps the returned ones', () => {
    const A = encryptTable(keys, randomMatrix(6, 2, 4));
    let inner: EncryptedTable[] = [];
    const kept = tidy(() => {
      const sq = A.square();
      const s = sq.sum(0);
      inner = [sq, s];
      return { total: s.sum(1), plainSum: s };
    });
    try {
      expect(inner[0]?.isDisposed).to.equal(true);
      expect(inner[1]?.isDisposed).to.equal(false);
      expect(kept.total.isDisposed).to.equal(false);
      expect(A.isDisposed).to.equal(false);
      expect(() => inner[0]?.add(1)).to.throw(/disposed/);
    } finally {
      kept.total.dispose();
      kept.plainSum.dispose();
      A.dispose();
    }
  });

  it('returns an encryption of zero where SEAL would produce a transparent ciphertext', () => {
    const a = randomMatrix(4, 2, 3);
    const A = encryptTable(keys, a);
    try {
      check(
        A.sub(A),
        keys,
        plain.map(a, () => 0),
        TOL,
        'A − A',
      );
      check(
        A.mul(0),
        keys,
        plain.map(a, () => 0),
        TOL,
        'A × 0',
      );
      check(
        A.mul([0, 0]),
        keys,
        plain.map(a, () => 0),
        TOL,
        'A × zeros',
      );
      const z = A.sub(A);
      expect(z.ciphertexts()[0]?.isTransparent()).to.equal(false);
      z.dispose();
    } finally {
      A.dispose();
    }
  });

  it('handles more rows than slots (several ciphertexts per column)', async () => {
    const k = await keysFor('n4096-d1');
    const a = randomMatrix(2500, 2, 77);
    const b = randomMatrix(2500, 2, 78);
    const A = encryptTable(k, a);
    const B = encryptTable(k, b);
    try {
      expect(A.ciphertextCount).to.equal(4);
      check(
        A.add(B),
        k,
        plain.zip(a, b, (x, y) => x + y),
        1e-3,
        'A + B',
      );
      check(
        A.mul(B),
        k,
        plain.zip(a, b, (x, y) => x * y),
        1e-3,
        'A × B',
      );
      check(
        A.mul(b),
        k,
        plain.zip(a, b, (x, y) => x * y),
        1e-3,
        'A × plain',
      );
      const c = A.col(1);
      check(
        A.mul(c),
        k,
        plain.map(a, (v, i) => v * cell(a, i, 1)),
        1e-3,
        'A × col',
      );
      c.dispose();
      expect(decryptTable(A, k)[2499]?.[1]).to.be.closeTo(cell(a, 2499, 1), 1e-3);
    } finally {
      A.dispose();
      B.dispose();
    }
  });
});
