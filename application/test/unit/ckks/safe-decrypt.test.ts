/** Safe release: value bound, range check, rounding, and the noise-flooding distribution. */
import { expect } from 'chai';
import {
  encryptTable,
  estimateNoise,
  floodingSigma,
  loadResult,
  safeDecrypt,
  serializeResult,
  type EncryptedResult,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { cell, expectCode, keysFor, randomMatrix } from './helpers.js';

describe('ckks safe decryption', function () {
  let keys: TradeKeys;
  before(async () => {
    keys = await keysFor('n4096-d0');
  });

  async function resultOf(data: number[][], maxValues = 10_000): Promise<EncryptedResult> {
    const t = encryptTable(keys, data);
    const r = serializeResult(t);
    t.dispose();
    return loadResult(r.bytes, keys, { maxValues });
  }

  it('rounds to the declared decimals', async () => {
    const data = randomMatrix(20, 2, 1, -100, 100);
    const r = await resultOf(data);
    try {
      for (const decimals of [0, 2, 5]) {
        const rel = safeDecrypt(r, keys, { maxValues: 40, decimals, statisticalSecurityBits: 0 });
        expect(rel.sigma).to.equal(0);
        rel.values.forEach((v, k) => {
          const x = cell(data, Math.floor(k / 2), k % 2);
          expect(Math.abs(v * 10 ** decimals - Math.round(v * 10 ** decimals))).to.be.lessThan(
            1e-6,
          );
          expect(v).to.be.closeTo(x, 0.5 * 10 ** -decimals + 1e-6);
        });
      }
    } finally {
      r.dispose();
    }
  });

  it('adds Gaussian flooding noise with σ = B·sqrt(2Q)·2^(s/2)', async () => {
    const n = 2000;
    const data = Array.from({ length: n }, () => [0.25]);
    const r = await resultOf(data);
    try {
      const B = 1e-7;
      const s = 20;
      const rel = safeDecrypt(r, keys, {
        maxValues: n,
        decimals: 10,
        statisticalSecurityBits: s,
        noiseBound: B,
      });
      const sigma = B * Math.sqrt(2 * n) * 2 ** (s / 2);
      expect(rel.sigma).to.be.closeTo(sigma, 1e-15);
      expect(floodingSigma(B, n, s)).to.equal(rel.sigma);
      const dev = rel.values.map((v) => v - 0.25);
      const mean = dev.reduce((a, b) => a + b, 0) / n;
      const std = Math.sqrt(dev.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
      expect(Math.abs(mean)).to.be.lessThan((5 * sigma) / Math.sqrt(n));
      expect(std / sigma).to.be.within(0.9, 1.1);
      // Fresh noise on every release: two releases differ.
      const again = safeDecrypt(r, keys, {
        maxValues: n,
        decimals: 10,
        statisticalSecurityBits: s,
        noiseBound: B,
      });
      expect(again.values.filter((v, k) => v !== rel.values[k]).length).to.be.greaterThan(n * 0.9);
      // Default: the heuristic estimate of the ciphertext's noise, and the reported precision.
      const def = safeDecrypt(r, keys, { maxValues: n, decimals: 6 });
      expect(def.statisticalSecurityBits).to.equal(30);
      expect(def.noiseBound).to.be.greaterThan(0);
      expect(def.sigma).to.be.closeTo(floodingSigma(def.noiseBound, n, 30), 1e-12);
      expect(def.effectiveDecimals).to.equal(
        Math.max(0, Math.min(6, Math.floor(-Math.log10(2 * def.sigma)))),
      );
    } finally {
      r.dispose();
    }
  });

  it('estimates larger noise for smaller scales and deeper presets', async () => {
    const t = encryptTable(keys, [[1]]);
    const ct = t.ciphertexts()[0];
    if (!ct) throw new Error('no ciphertext');
    const b1 = estimateNoise(keys.ctx, ct);
    const half = t.mul(2); // scale halves: noise in value units doubles
    const b2 = estimateNoise(keys.ctx, half.ciphertexts()[0] as never);
    expect(b2 / b1).to.be.closeTo(2, 1e-9);
    const d4 = await keysFor('n8192-d4');
    const u = encryptTable(d4, [[1]]);
    expect(estimateNoise(d4.ctx, u.ciphertexts()[0] as never)).to.be.greaterThan(b1);
    for (const x of [t, half, u]) x.dispose();
  });

  it('refuses values outside the range and invalid policies; releases only declared cells', async () => {
    const r = await resultOf([[0.5], [3]]);
    try {
      await expectCode(
        () => safeDecrypt(r, keys, { maxValues: 2, decimals: 2, maxAbsValue: 1 }),
        'VALUE_OUT_OF_RANGE',
        /nothing is released/,
      );
      await expectCode(
        () => safeDecrypt(r, keys, { maxValues: 2, decimals: 16 }),
        'INVALID_ARGUMENT',
      );
      await expectCode(
        () => safeDecrypt(r, keys, { maxValues: 2, decimals: 2, statisticalSecurityBits: -1 }),
        'INVALID_ARGUMENT',
      );
      await expectCode(
        () => safeDecrypt(r, keys, { maxValues: 2, decimals: 2, noiseBound: 0 }),
        'INVALID_ARGUMENT',
      );
    } finally {
      r.dispose();
    }
    // A one-cell view of a 3×3 table: its ciphertext holds all nine values, one is released.
    const t = encryptTable(keys, [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const cell = t.cell(1, 1);
    const ser = serializeResult(cell);
    t.dispose();
    cell.dispose();
    const one = await loadResult(ser.bytes, keys, { maxValues: 1 });
    const rel = safeDecrypt(one, keys, { maxValues: 1, decimals: 3, statisticalSecurityBits: 0 });
    expect(rel.values).to.deep.equal([5]);
    one.dispose();
    await expectCode(() => safeDecrypt(one, keys, { maxValues: 1, decimals: 3 }), 'DISPOSED');
  });
});
