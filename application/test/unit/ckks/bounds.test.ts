/** Magnitude tracking: bounds per operation, refusals at the headroom, formats that carry them. */
import { expect } from 'chai';
import {
  decryptTable,
  encryptTable,
  type EncryptedResult,
  type EncryptedTable,
  loadBundle,
  loadResult,
  safeDecrypt,
  serializeBundle,
  serializeResult,
  type TradeKeys,
  wasmHeapBytes,
} from '../../../src/ckks/index.js';
import { readContainer, writeContainer } from '../../../src/ckks/container.js';
import { expectCode, keysFor } from './helpers.js';
import { expectRightOrRefused, release } from './right-or-refused.js';

// Evaluated when mocha loads the test files, before any test has created a SEAL context.
const heapBeforeAnyContext = wasmHeapBytes();

const column = (n: number, v: number): number[][] => Array.from({ length: n }, () => [v]);
const limits = { maxBytes: 2 ** 28, maxUncompressedBytes: 2 ** 29 };

describe('ckks magnitude bounds', function () {
  this.timeout(120_000);
  let d0: TradeKeys;
  let d2: TradeKeys;
  before(async () => {
    d0 = await keysFor('n4096-d0');
    d2 = await keysFor('n8192-d2');
  });

  it('starts from the data (or a declared range) and updates the bound per operation', () => {
    using T = encryptTable(d2, [[3], [-7], [2]]);
    expect(T.bound).to.equal(7);
    using D = encryptTable(d2, [[3], [-7], [2]], undefined, { bound: 100 });
    expect(D.bound).to.equal(100);
    expect(() => encryptTable(d2, [[3]], undefined, { bound: 2 })).to.throw(/declared bound/);
    using s = T.sum();
    expect(s.bound).to.equal(21);
    using m = T.mean();
    expect(m.bound).to.be.closeTo(7, 1e-12);
    using p = T.mul(T);
    expect(p.bound).to.equal(49);
    using a = T.add([1, -10, 2]);
    expect(a.bound).to.equal(17);
    using k = T.mul(-0.5);
    expect(k.bound).to.equal(3.5);
    using d = T.div([2, 4, -0.5]);
    expect(d.bound).to.equal(14);
    using q = T.polyval([1, 2, 3]);
    expect(q.bound).to.equal(1 + 14 + 147);
    using v = T.t().matmul(T);
    expect(v.bound).to.equal(147);
  });

  it('refuses a sum at exactly the headroom when it is computed, naming the bound', async () => {
    // n4096-d0 holds ±2^19 = 524,288: 1,024 values of 512 sum to exactly that.
    using T = encryptTable(d0, column(1024, 512));
    const err = await expectCode(() => T.sum(), 'VALUE_OUT_OF_RANGE', /^sum: .*±524288.*preset/);
    expect(err.message)
      .to.match(/more headroom/)
      .and.match(/divide before summing/);
    expect(err.message).to.match(/standardise/);
    // The mean cannot divide first on a preset without levels: refused too, not wrapped.
    await expectCode(() => T.mean(), 'VALUE_OUT_OF_RANGE');
  });

  it('releases tiny values whose scale outgrows the last level at a level that holds the scale', async () => {
    // Found by the property test: the bound (0.01) fits the last level, but the squared scale
    // does not (SEAL refuses such a ciphertext), so serializing must stop one level higher.
    const keys = await keysFor('n8192-d2');
    const data = Array.from({ length: 128 }, (_, i) => [i % 2 === 0 ? 0.1 : -0.1]);
    using T = encryptTable(keys, data);
    const got = await release(keys, () => {
      using m = T.mean();
      return m.square();
    });
    expect(expectRightOrRefused(got, [0], 1e-6, 'mean→square')).to.equal('right');
  });

  it('releases a large correct sum just within the headroom (not refused as garbage)', async () => {
    using T = encryptTable(d0, column(1000, 512));
    const got = await release(d0, () => T.sum());
    expect(expectRightOrRefused(got, [512_000], 1e-2, 'sum')).to.equal('right');
  });

  it('releases a correct 629,145.6 on n4096-d0 when its scale holds it (not refused as garbage)', async () => {
    // ×4 is free: it divides the scale by 4, so the ciphertext holds 4× the preset's ±2^19.
    using T = encryptTable(d0, column(2048, 76.8));
    const got = await release(d0, () => {
      using four = T.mul(4);
      return four.sum();
    });
    expect(expectRightOrRefused(got, [629_145.6], 1e-1, 'sum')).to.equal('right');
    // The same sum at the fresh scale cannot be held at all: refused when computed.
    using U = encryptTable(d0, column(2048, 307.2));
    await expectCode(() => U.sum(), 'VALUE_OUT_OF_RANGE', /^sum: /);
  });

  it('keeps products near and past the last level’s headroom right (n8192-d2: ±8,192)', async () => {
    using X = encryptTable(d2, column(1000, 3));
    const xtx = await release(d2, () => X.t().matmul(X));
    expect(expectRightOrRefused(xtx, [9000], 1e-4, 'Xᵀx')).to.equal('right');
    using Y = encryptTable(d2, [[90], [-95], [1]]);
    const sq = await release(d2, () => Y.square());
    expect(expectRightOrRefused(sq, [8100, 9025, 1], 1e-4, 'x²')).to.equal('right');
    // x³ lands on the last level, where ±857,375 cannot be held: refused, not wrapped.
    const cube = await release(d2, () => Y.polyval([0, 0, 0, 1]));
    const cubes = [90 ** 3, -(95 ** 3), 1];
    expect(expectRightOrRefused(cube, cubes, 1e-1, 'x³')).to.equal('refused');
    using s = Y.square();
    using f = s.finalize();
    expect(f.level, 'finalize stops where 9,025 still fits').to.equal(1);
  });

  it('refuses a product whose bound exceeds every level', async () => {
    using Y = encryptTable(d2, [[8000], [1]]);
    using sq = Y.square();
    await expectCode(() => sq.square(), 'VALUE_OUT_OF_RANGE', /^square: /);
  });

  it('carries the bound in bundles; bundles without one load with the preset range', async () => {
    using T = encryptTable(d2, [[3], [-7]]);
    const bytes = serializeBundle(T).bytes;
    const b = await loadBundle(bytes);
    expect(b.table.bound).to.equal(7);
    b.dispose();
    const parsed = readContainer(bytes, 'B', limits);
    const header = { ...parsed.header, table: { ...(parsed.header.table as object) } };
    delete (header.table as { bound?: number }).bound;
    const old = writeContainer('B', header, parsed.sections).bytes;
    const o = await loadBundle(old);
    expect(o.table.bound).to.equal(2 ** 13);
    o.dispose();
    (header.table as { bound?: number }).bound = -1;
    await expectCode(
      () => loadBundle(writeContainer('B', header, parsed.sections).bytes),
      'CORRUPT',
      /bound/,
    );
  });

  it('wasmHeapBytes works before any context exists', () => {
    expect(heapBeforeAnyContext).to.be.a('number').and.at.least(0);
    expect(wasmHeapBytes()).to.be.greaterThan(0);
  });

  it('decryption calls refuse non-tables as INVALID_ARGUMENT', async () => {
    using T = encryptTable(d0, [[1]]);
    const bytes = serializeBundle(T).bytes;
    const b = await loadBundle(bytes);
    try {
      const notATable = b as unknown as EncryptedTable;
      await expectCode(() => decryptTable(notATable, d0), 'INVALID_ARGUMENT', /EncryptedTable/);
      const notAResult = T as unknown as EncryptedResult;
      await expectCode(
        () => safeDecrypt(notAResult, d0, { maxValues: 1, decimals: 1 }),
        'INVALID_ARGUMENT',
      );
    } finally {
      b.dispose();
    }
  });

  it('the release check uses the tracked bound, and a claimed bound only tightens it', async () => {
    const policy = { maxValues: 10, decimals: 3, statisticalSecurityBits: 0 };
    using T = encryptTable(d0, [[50], [-20]]);
    const bytes = serializeResult(T).bytes;
    const parsed = readContainer(bytes, 'R', limits);
    const withBound = async (bound: unknown, maxAbsValue?: number) => {
      const outputs = (parsed.header.outputs as object[]).map((o) => ({ ...o, bound }));
      const forged = writeContainer('R', { ...parsed.header, outputs }, parsed.sections).bytes;
      using r = await loadResult(forged, d0, { maxValues: 10 });
      return safeDecrypt(r, d0, { ...policy, ...(maxAbsValue ? { maxAbsValue } : {}) }).values;
    };
    expect(await withBound(50)).to.deep.equal([50, -20]);
    // A value above its own tracked bound is garbage or crafted: refused.
    await expectCode(() => withBound(10), 'VALUE_OUT_OF_RANGE', /tracked bound/);
    // A huge claimed bound does not widen the seller's own cap.
    await expectCode(() => withBound(1e30, 30), 'VALUE_OUT_OF_RANGE');
    await expectCode(() => withBound('big'), 'CORRUPT', /bound/);
  });
});
