/** Operations the engine refuses, and the errors it gives instead of wrong answers. */
import { expect } from 'chai';
import {
  CkksError,
  createTradeKeys,
  encryptTable,
  galoisStepsFor,
  getPreset,
  PRESET_NAMES,
  PRESETS,
  CkksContext,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { at, expectCode, keysFor, randomMatrix } from './helpers.js';

describe('ckks refusals and errors', function () {
  let keys: TradeKeys;
  before(async () => {
    keys = await keysFor('n4096-d1');
  });

  it('refuses comparisons, min, max, argmax, sort, clip with an explanation and an alternative', async () => {
    const A = encryptTable(keys, randomMatrix(4, 2, 1));
    try {
      const calls: [string, () => unknown][] = [
        ['gt', () => A.gt(0)],
        ['lt', () => A.lt(0)],
        ['ge', () => A.ge(0)],
        ['le', () => A.le(0)],
        ['eq', () => A.eq(0)],
        ['max', () => A.max()],
        ['min', () => A.min(0)],
        ['argmax', () => A.argmax()],
        ['argmin', () => A.argmin()],
        ['sort', () => A.sort()],
        ['clip', () => A.clip(0, 1)],
      ];
      for (const [name, call] of calls) {
        const e = await expectCode(call, 'UNSUPPORTED_OPERATION', /binary-search/);
        expect(e.message, name).to.match(/Instead:/);
      }
      await expectCode(() => A.max(), 'UNSUPPORTED_OPERATION', /approxMax/);
      await expectCode(() => A.div(A as never), 'UNSUPPORTED_OPERATION', /polynomial/);
    } finally {
      A.dispose();
    }
  });

  it('fails clearly when the depth is exhausted, keys are missing, or inputs are wrong', async () => {
    const A = encryptTable(keys, randomMatrix(8, 2, 2));
    try {
      const sq = A.square();
      await expectCode(() => sq.square(), 'DEPTH_EXHAUSTED', /n4096-d1 has depth 1/);
      await expectCode(() => A.sigmoid(), 'DEPTH_EXHAUSTED');
      sq.dispose();
      await expectCode(() => A.add([1, 2, 3]), 'SHAPE_MISMATCH');
      await expectCode(() => A.add(Number.NaN), 'INVALID_ARGUMENT');
      await expectCode(() => A.div(0), 'INVALID_ARGUMENT', /division by zero/);
      await expectCode(() => A.col('nope'), 'INVALID_ARGUMENT');
      await expectCode(() => A.row(8), 'INVALID_ARGUMENT');
      await expectCode(() => A.sum(2 as never), 'INVALID_ARGUMENT');
      await expectCode(() => encryptTable(keys, [[1, 2], [3]]), 'SHAPE_MISMATCH');
      await expectCode(() => encryptTable(keys, [[1e9]]), 'VALUE_OUT_OF_RANGE', /headroom/);
      await expectCode(() => getPreset('n1024'), 'INVALID_ARGUMENT');
    } finally {
      A.dispose();
    }
  });

  it('needs the agreed Galois keys and says which are missing', async () => {
    const few = await createTradeKeys('n4096-d1', {
      galoisSteps: galoisStepsFor('n4096-d1', [100, 2], ['sum-rows']),
    });
    const A = encryptTable(few, randomMatrix(100, 2, 3));
    try {
      const s = A.sum(0); // per-column sums: allowed
      s.dispose();
      await expectCode(() => A.sum(1), 'MISSING_GALOIS_KEY', /galoisStepsFor/);
      const none = await createTradeKeys('n4096-d0', { galoisSteps: [] });
      const B = encryptTable(none, [[1], [2]]);
      await expectCode(() => B.sum(), 'MISSING_GALOIS_KEY');
      B.dispose();
      none.dispose();
    } finally {
      A.dispose();
      few.dispose();
    }
  });

  it('refuses to combine tables of different keys or presets, and disposed tables', async () => {
    const other = await keysFor('n4096-d0');
    const again = await createTradeKeys('n4096-d1', { galoisSteps: [1] });
    const A = encryptTable(keys, [[1, 2]]);
    const B = encryptTable(other, [[1, 2]]);
    const C = encryptTable(again, [[1, 2]]);
    try {
      await expectCode(() => A.add(B), 'PRESET_MISMATCH');
      await expectCode(() => A.mul(C), 'KEY_MISMATCH');
      C.dispose();
      await expectCode(() => C.add(1), 'DISPOSED');
      await expectCode(() => A.add(C), 'DISPOSED');
    } finally {
      A.dispose();
      B.dispose();
      again.dispose();
    }
    await expectCode(() => again.evaluation, 'DISPOSED');
  });

  it('has 128-bit secure presets that document depth, slots and sizes', async () => {
    expect(PRESET_NAMES.length).to.be.at.least(4);
    for (const name of PRESET_NAMES) {
      const p = PRESETS[name];
      expect(p.slots).to.equal(p.polyModulusDegree / 2);
      expect(p.depth).to.equal(p.coeffModulusBits.length - 2);
      const special = at(p.coeffModulusBits, p.coeffModulusBits.length - 1);
      const largest = Math.max(...p.coeffModulusBits.slice(0, -1));
      expect(special - largest, `${name}: special prime margin`).to.be.at.least(6);
      expect(p.headroomBits).to.be.greaterThan(10);
      if (p.polyModulusDegree <= 8192) {
        const ctx = await CkksContext.forPreset(p);
        expect(ctx.context.parametersSet()).to.equal(true);
        expect(ctx.depth).to.equal(p.depth);
      }
    }
    // SEAL itself refuses parameters beyond 128-bit security.
    expect(() => {
      throw new CkksError('INVALID_ARGUMENT', 'x');
    }).to.throw(CkksError);
  });
});
