/**
 * A replicated encrypted cell (what X.t().matmul(v) gives for a single column) broadcast down a
 * column is added once per row, not once per copy: before the fix, the expansion spread every
 * copy and called the other blocks clean, so x + c came out as x + 8c on a table whose column
 * sits in 8 blocks (the second LR epoch's bias was silently wrong).
 */
import { expect } from 'chai';
import { decryptTable, encryptTable, tidy } from '../../../src/ckks/index.js';
import { at, keysFor, randomMatrix } from './helpers.js';

describe('broadcasting a replicated encrypted cell', function () {
  this.timeout(120_000);

  it('x + (vᵀv) and x · (vᵀv) use the cell once per row', async () => {
    const keys = await keysFor('n8192-d4');
    const rows = 200;
    const data = randomMatrix(rows, 5, 11);
    const table = encryptTable(keys, data);
    try {
      const col = (j: number) => data.map((r) => at(r, j));
      const a = col(0);
      const b = col(1);
      const c = a.reduce((s, v, i) => s + v * at(b, i), 0) / rows;
      const [added, multiplied, summed] = tidy(() => {
        const x = table.select([2, 3]).matmul([0.5, -0.25]);
        const cellTable = table
          .col(0)
          .t()
          .matmul(table.col(1))
          .mul(1 / rows);
        const plus = x.add(cellTable);
        return [
          decryptTable(plus, keys),
          decryptTable(x.mul(cellTable), keys),
          decryptTable(plus.sum(), keys),
        ];
      });
      const xs = data.map((r) => 0.5 * at(r, 2) - 0.25 * at(r, 3));
      xs.forEach((v, i) => {
        expect(at(at(added, i), 0)).to.be.closeTo(v + c, 1e-3);
        expect(at(at(multiplied, i), 0)).to.be.closeTo(v * c, 1e-3);
      });
      const total = xs.reduce((s, v) => s + v + c, 0);
      expect(at(at(summed, 0), 0)).to.be.closeTo(total, 1e-2);
    } finally {
      table.dispose();
    }
  });
});
