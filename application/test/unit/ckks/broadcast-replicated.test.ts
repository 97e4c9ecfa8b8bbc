/**
 * A replicated encrypted cell (x.t().matmul(x) for a replicated column x) broadcast down a
 * column is added once per row, not once per copy: before the fix, the expansion spread every
 * copy of the cell and called the other blocks clean, so x + c came out as x + 8c when x's
 * column sits in 8 blocks (the second LR epoch's bias was silently wrong).
 */
import { expect } from 'chai';
import { decryptTable, encryptTable, tidy } from '../../../src/ckks/index.js';
import { at, keysFor, randomMatrix } from './helpers.js';

describe('broadcasting a replicated encrypted cell', function () {
  this.timeout(120_000);

  it('x + (xᵀx)/n and x · (xᵀx)/n use the cell once per row', async () => {
    const keys = await keysFor('n8192-d4');
    const rows = 200;
    const data = randomMatrix(rows, 5, 11);
    const table = encryptTable(keys, data);
    try {
      const xs = data.map((r) => 0.5 * at(r, 2) - 0.25 * at(r, 3));
      const c = xs.reduce((s, v) => s + v * v, 0) / rows;
      const [replicated, added, multiplied] = tidy(() => {
        // x is replicated over the blocks of its ciphertext, and so is xᵀx.
        const x = table.select([2, 3]).matmul([0.5, -0.25]);
        const cell = x
          .t()
          .matmul(x)
          .mul(1 / rows);
        return [
          cell.layout.replicated,
          decryptTable(x.add(cell), keys),
          decryptTable(x.mul(cell), keys),
        ];
      });
      expect(replicated).to.equal(true);
      xs.forEach((v, i) => {
        expect(at(at(added, i), 0)).to.be.closeTo(v + c, 1e-3);
        expect(at(at(multiplied, i), 0)).to.be.closeTo(v * c, 1e-3);
      });
    } finally {
      table.dispose();
    }
  });
});
