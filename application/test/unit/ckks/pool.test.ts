/**
 * The worker pool and the fast kernels: a mean and a logistic-regression gradient computed with
 * the pool are byte for byte the ciphertexts computed without it (re-execution verification
 * relies on this), both match plain arithmetic, pool encryption decrypts to the data, and
 * per-ciphertext bounds let a small column be summed next to a large one.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import {
  closeSharedPool,
  CkksPool,
  columnMeans,
  decryptTable,
  encryptTable,
  encryptTableAsync,
  EncryptedTable,
  loadBundle,
  logisticGradient,
  polyvalPlain,
  serializeBundle,
  serializeResult,
  SIGMOID_THESIS,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { at, expectClose, expectCode, keysFor, randomMatrix, rng } from './helpers.js';

function bytesOf(t: EncryptedTable): Buffer[] {
  const none = t.keys.ctx.seal.ComprModeType.none;
  return t.ciphertexts().map((ct) => Buffer.from(ct.saveToArray(none) as Uint8Array));
}

function expectSameBytes(a: EncryptedTable, b: EncryptedTable): void {
  const x = bytesOf(a);
  const y = bytesOf(b);
  expect(x.length).to.equal(y.length);
  x.forEach((buf, i) => {
    expect(buf.equals(at(y, i)), `ciphertext ${i} differs`).to.equal(true);
  });
}

/** rows × 10: 9 features in [-1, 1] and a 0/1 target from a linear rule. */
function lrData(rows: number, seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: rows }, () => {
    const x = Array.from({ length: 9 }, () => 2 * r() - 1);
    const y = at(x, 0) - 0.5 * at(x, 1) + 0.3 * (r() - 0.5) > 0 ? 1 : 0;
    return [...x, y];
  });
}

const FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8'];
const COLUMNS = [...FEATURES, 'y'];

describe('ckks worker pool and fast kernels', function () {
  let pool: CkksPool;
  before(() => {
    pool = new CkksPool(2);
  });
  after(async () => {
    await pool.close();
    await closeSharedPool();
  });

  describe('column means', function () {
    let keys: TradeKeys;
    let data: number[][];
    let table: EncryptedTable;
    before(async () => {
      keys = await keysFor('n8192-d2');
      data = randomMatrix(1000, 10, 5, -3, 40);
      table = encryptTable(keys, data, COLUMNS);
    });
    after(() => {
      table.dispose();
    });

    it('are byte-identical with and without the pool, and match plain means', async () => {
      const cols = ['f0', 'f5', 'f8', 'y'];
      const here = await columnMeans(table, cols, { pool: false });
      const there = await columnMeans(table, cols, { pool });
      try {
        expect(here.ciphertextCount).to.be.greaterThan(1);
        expectSameBytes(here, there);
        const expected = cols.map((c) => {
          const j = COLUMNS.indexOf(c);
          return data.reduce((s, r) => s + at(r, j), 0) / data.length;
        });
        expectClose(decryptTable(here, keys), [expected], 1e-4, 'means');
      } finally {
        here.dispose();
        there.dispose();
      }
    });

    it('give the same values as the general mean and serialize as a result', async () => {
      const fast = await columnMeans(table, ['f3']);
      using general = table.col('f3').mean();
      try {
        expectClose(decryptTable(fast, keys), decryptTable(general, keys), 1e-4, 'f3');
        expect(serializeResult(fast).valueCount).to.equal(1);
      } finally {
        fast.dispose();
      }
    });
  });

  it('sum a small column next to a large one on n4096-d0 (per-ciphertext bounds)', async () => {
    const keys = await keysFor('n4096-d0');
    // Four columns in row blocks of 512: ages (≤ 70), a flag and u share two ciphertexts;
    // cholesterol (≤ 600: its sum cannot fit) is kept apart in a third.
    const r = rng(3);
    const data = Array.from({ length: 1000 }, () => [
      r() > 0.5 ? 1 : 0,
      30 + 40 * r(),
      100 + 500 * r(),
      r(),
    ]);
    const t = encryptTable(keys, data, ['male', 'age', 'chol', 'u']);
    const bundle = serializeBundle(t);
    t.dispose();
    const loaded = await loadBundle(bundle.bytes);
    try {
      expect(loaded.table.ciphertextBounds).to.have.length(3);
      const expected = data.reduce((s, row) => s + at(row, 1), 0) / data.length;
      using general = loaded.table.col('age').mean();
      const fast = await columnMeans(loaded.table, ['age'], { pool });
      expect(at(at(decryptTable(general, keys), 0), 0)).to.be.closeTo(expected, 1e-3);
      expect(at(at(decryptTable(fast, keys), 0), 0)).to.be.closeTo(expected, 1e-3);
      fast.dispose();
      // 1000 × 600 does not fit: still refused, by both paths.
      await expectCode(() => loaded.table.col('chol').mean(), 'VALUE_OUT_OF_RANGE');
      await expectCode(() => columnMeans(loaded.table, ['chol']), 'VALUE_OUT_OF_RANGE');
    } finally {
      loaded.dispose();
    }
  });

  describe('logistic-regression gradient', function () {
    let keys: TradeKeys;
    let data: number[][];
    let table: EncryptedTable;
    const w = [0.1, -0.2, 0.05, 0, 0.3, -0.1, 0.02, 0.04, -0.05];
    const b = 0.1;
    before(async () => {
      keys = await keysFor('n8192-d4');
      data = lrData(300, 11);
      table = encryptTable(keys, data, COLUMNS);
    });
    after(() => {
      table.dispose();
    });

    it('is byte-identical with and without the pool, and matches the plain gradient', async () => {
      const options = { features: FEATURES, target: 'y', weights: w, bias: b, scale: 1 / 300 };
      const here = await logisticGradient(table, { ...options, pool: false });
      const there = await logisticGradient(table, { ...options, pool });
      try {
        expect(table.ciphertextCount).to.equal(2);
        expectSameBytes(here.gradient, there.gradient);
        expectSameBytes(here.bias, there.bias);
        const gw = w.map(() => 0);
        let gb = 0;
        for (const row of data) {
          const z = w.reduce((s, v, j) => s + v * at(row, j), b);
          const res = polyvalPlain(SIGMOID_THESIS, z) - at(row, 9);
          w.forEach((_v, j) => (gw[j] = at(gw, j) + (at(row, j) * res) / 300));
          gb += res / 300;
        }
        expect(here.gradient.shape()).to.deep.equal([9, 1]);
        expectClose(
          decryptTable(here.gradient, keys),
          gw.map((g) => [g]),
          2e-6,
          'gradient',
        );
        expect(at(at(decryptTable(here.bias, keys), 0), 0)).to.be.closeTo(gb, 2e-6);
        expect(here.gradient.level).to.equal(4);
      } finally {
        for (const t of [here.gradient, here.bias, there.gradient, there.bias]) t.dispose();
      }
    });

    it('gives the values of the general table path', async () => {
      const options = { features: FEATURES, target: 'y', weights: w, bias: b };
      const fast = await logisticGradient(table, options);
      const general = await logisticGradient(table, { ...options, path: 'general' });
      try {
        expectClose(
          decryptTable(fast.gradient, keys),
          decryptTable(general.gradient, keys),
          1e-3,
          'gradient',
        );
      } finally {
        for (const t of [fast.gradient, fast.bias, general.gradient, general.bias]) t.dispose();
      }
    });
  });

  it('encrypts a bundle in the workers that decrypts to the data', async () => {
    const keys = await keysFor('n4096-d1');
    const data = randomMatrix(2000, 5, 9);
    const t = await encryptTableAsync(keys, data, undefined, { pool });
    try {
      expect(t.ciphertextCount).to.be.greaterThan(1);
      expect(t.seeded).to.have.length(t.ciphertextCount);
      expectClose(decryptTable(t, keys), data, 1e-3, 'decrypted');
      const loaded = await loadBundle(serializeBundle(t).bytes);
      expectClose(decryptTable(loaded.table, keys), data, 1e-3, 'bundle');
      loaded.dispose();
    } finally {
      t.dispose();
    }
  });

  it('does not keep a process alive, and a closed pool refuses work', async function () {
    // A child process uses the shared pool and never closes it: it must still exit by itself.
    const index = new URL('../../../src/ckks/index.js', import.meta.url).href;
    const script = `
      const ck = await import(${JSON.stringify(index)});
      const steps = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
      const keys = await ck.createTradeKeys('n4096-d1', { galoisSteps: steps });
      // 600 × 5, packed: three ciphertexts, so both encryption and the means use the workers.
      const rows = Array.from({ length: 600 }, (_, i) => [1, 2, 3, 4, 5].map((k) => (i % 10) * k));
      const t = await ck.encryptTableAsync(keys, rows, undefined, { pool: true });
      const m = await ck.columnMeans(t, [0, 4], { pool: true });
      if (t.ciphertextCount !== 3 || m.ciphertextCount !== 2) throw new Error('no pool work');
      console.log(ck.decryptTable(m, keys)[0].map((v) => v.toFixed(2)).join(' '));`;
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 100_000,
    });
    expect(stdout.trim()).to.equal('4.50 22.50');
    const closed = new CkksPool(1);
    await closed.close();
    const keys = await keysFor('n4096-d1');
    await expectCode(
      () => encryptTableAsync(keys, randomMatrix(3000, 3, 2), undefined, { pool: closed }),
      'DISPOSED',
    );
  });

  it('refuses malformed per-ciphertext bounds in a bundle', async () => {
    const keys = await keysFor('n4096-d1');
    const t = encryptTable(keys, randomMatrix(10, 2, 1), ['a', 'b']);
    const { readContainer, writeContainer } = await import('../../../src/ckks/container.js');
    const parsed = readContainer(serializeBundle(t).bytes, 'B', {
      maxBytes: 2 ** 30,
      maxUncompressedBytes: 2 ** 30,
    });
    t.dispose();
    const header = structuredClone(parsed.header);
    delete header.sections;
    (header.table as Record<string, unknown>).ctBounds = [-1];
    const forged = writeContainer('B', header, parsed.sections).bytes;
    await expectCode(() => loadBundle(forged), 'CORRUPT', /per-ciphertext bounds/);
  });
});
