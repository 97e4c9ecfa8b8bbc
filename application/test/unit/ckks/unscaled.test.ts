/**
 * Right or refused on unscaled data (issue 9): every result is either within the preset's
 * precision of the plain answer or refused when it is computed, never released wrong.
 */
import { expect } from 'chai';
import { encryptTable, getPreset, PRESET_NAMES, type PresetName } from '../../../src/ckks/index.js';
import { keysFor, plain } from './helpers.js';
import {
  expectRightOrRefused,
  FRAMINGHAM,
  framingham,
  keysForSums,
  precision,
  release,
} from './right-or-refused.js';

describe('ckks right or refused on unscaled data', function () {
  this.timeout(300_000);
  const data = framingham(1000, 9);
  const means = plain.sum0(data)[0]?.map((s) => s / data.length) ?? [];
  const sums = plain.sum0(data)[0] ?? [];

  for (const preset of PRESET_NAMES) {
    it(`means and sums of the raw Framingham columns on ${preset}`, async () => {
      const keys = await keysForSums(preset);
      const T = encryptTable(keys, data, Object.keys(FRAMINGHAM));
      try {
        const m = await release(keys, () => T.mean(0));
        const s = await release(keys, () => T.sum(0));
        const top = Math.max(...means);
        const got = expectRightOrRefused(m, means, precision(preset, top, 1000), 'mean');
        // A mean never overflows because of its intermediate sum when a level is left for it.
        if (getPreset(preset).depth > 0) expect(got, `mean on ${preset}`).to.equal('right');
        expectRightOrRefused(s, sums, precision(preset, Math.max(...sums), 1000), 'sum');
        for (const [j, name] of Object.keys(FRAMINGHAM).entries()) {
          const one = await release(keys, () => T.col(name).mean());
          expectRightOrRefused(one, [means[j] ?? NaN], precision(preset, top, 1000), name);
        }
      } finally {
        T.dispose();
      }
    });
  }

  it('releases the mean of a raw age column right, not wrapped (issue: 33.375 on n8192-d2)', async () => {
    const keys = await keysFor('n8192-d2');
    const ages = framingham(1000, 3).map((r) => [r[0] ?? NaN]);
    const want = ages.reduce((n, [a]) => n + (a ?? NaN), 0) / ages.length;
    const T = encryptTable(keys, ages, ['age']);
    try {
      const m = await release(keys, () => T.mean());
      expect(expectRightOrRefused(m, [want], 1e-6, 'mean age')).to.equal('right');
    } finally {
      T.dispose();
    }
  });

  const longPresets: PresetName[] = ['n4096-d0', 'n4096-d1', 'n8192-d2', 'n8192-d4'];
  for (const rows of [5000, 10000]) {
    it(`means a column of ${rows} values of 0.983 (every preset up to N = 8192)`, async () => {
      for (const preset of longPresets) {
        const keys = await keysForSums(preset);
        const T = encryptTable(
          keys,
          Array.from({ length: rows }, () => [0.983]),
        );
        try {
          const m = await release(keys, () => T.mean());
          const got = expectRightOrRefused(m, [0.983], precision(preset, 1, rows), preset);
          if (getPreset(preset).depth > 0) expect(got, preset).to.equal('right');
          const s = await release(keys, () => T.sum());
          expectRightOrRefused(s, [0.983 * rows], precision(preset, rows, rows), preset);
        } finally {
          T.dispose();
        }
      }
    });
  }

  for (const rows of [5000, 20000, 100000]) {
    it(`means and sums of ${rows} raw totChol and glucose values`, async () => {
      const cols = framingham(rows, rows).map((r) => [r[1] ?? NaN, r[3] ?? NaN]);
      const colSums = plain.sum0(cols)[0] ?? [];
      const colMeans = colSums.map((s) => s / rows);
      for (const preset of rows === 100000 ? ['n8192-d2' as const] : longPresets) {
        const keys = await keysForSums(preset);
        const T = encryptTable(keys, cols, ['totChol', 'glucose']);
        try {
          const m = await release(keys, () => T.mean(0));
          const got = expectRightOrRefused(m, colMeans, precision(preset, 700, rows), preset);
          if (getPreset(preset).depth > 0) expect(got, preset).to.equal('right');
          const s = await release(keys, () => T.sum(0));
          expectRightOrRefused(s, colSums, precision(preset, 700 * rows, rows), preset);
        } finally {
          T.dispose();
        }
      }
    });
  }
});
