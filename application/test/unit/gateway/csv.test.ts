import { expect } from 'chai';
import { parseNumericCsv } from '../../../src/gateway/csv.js';

describe('gateway: CSV datasets', () => {
  it('selects columns, drops incomplete rows, standardises', () => {
    const table = parseNumericCsv('a,"b, quoted",c\n1,2,x\n3,4,y\nNA,5,z\n5,,w\n', {
      columns: ['b, quoted', 'a'],
    });
    expect(table).to.deep.equal({
      columns: ['b, quoted', 'a'],
      rows: [
        [2, 1],
        [4, 3],
      ],
      droppedRows: 2,
    });
    const std = parseNumericCsv('x\n1\n3\n', { standardize: true });
    expect(std.rows).to.deep.equal([[-1], [1]]);
  });

  it('refuses empty input, unknown columns and too many rows with 400s', () => {
    expect(() => parseNumericCsv('')).to.throw(/empty/);
    expect(() => parseNumericCsv('a\n1', { columns: ['z'] })).to.throw(/not in the CSV header/);
    expect(() => parseNumericCsv('a\nx')).to.throw(/no complete numeric rows/);
    expect(() => parseNumericCsv('a\n1\n2', { maxRows: 1 })).to.throw(/at most 1/);
  });
});
