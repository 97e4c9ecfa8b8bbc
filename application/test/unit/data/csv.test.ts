import { expect } from 'chai';
import { CsvError, readNumericCsv } from '../../../src/data/csv.js';
import { columnStats, standardizeWith } from '../../../src/data/standardize.js';
import { DEFAULT_LIMITS } from '../../../src/gateway/config.js';
import { datasetFrom } from '../../../src/gateway/routes/datasets.js';
import { HttpError } from '../../../src/gateway/http/errors.js';

/** The CsvError `fn` throws (fails the test when it throws nothing or something else). */
function csvError(fn: () => unknown): CsvError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(CsvError);
    return error as CsvError;
  }
  expect.fail('expected a CsvError');
}

describe('data: the CSV reader', () => {
  it('selects columns, drops incomplete rows, standardises', () => {
    const table = readNumericCsv('a,"b, quoted",c\n1,2,x\n3,4,y\nNA,5,z\n5,,w\n', {
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
    const std = readNumericCsv('x\n1\n3\n', { standardize: true });
    expect(std.rows).to.deep.equal([[-1], [1]]);
  });

  it('reads quoted fields holding commas, quotes and newlines', () => {
    const text = 'id,"note, free text",value\n1,"two\nlines, and ""quotes""",10\n2,plain,20\n';
    const table = readNumericCsv(text, { columns: ['id', 'value'] });
    expect(table.rows).to.deep.equal([
      [1, 10],
      [2, 20],
    ]);
    expect(table.droppedRows).to.equal(0);
    expect(() => readNumericCsv(text)).to.throw(CsvError, /column 'note, free text': 'two\nlines/);
  });

  it('ignores a byte-order mark, CRLF line ends, blank lines and spaces around cells', () => {
    const table = readNumericCsv('\uFEFFa, b\r\n 1 ,2\r\n\r\n   \r\n3, 4\r\n');
    expect(table).to.deep.equal({
      columns: ['a', 'b'],
      rows: [
        [1, 2],
        [3, 4],
      ],
      droppedRows: 0,
    });
  });

  it('counts short rows and NA/NaN/null/text cells as dropped rows', () => {
    const table = readNumericCsv('a,b\n1\n2,nan\n3,NULL\n4,abc\n5,6\n,\n');
    expect(table.rows).to.deep.equal([[5, 6]]);
    expect(table.droppedRows).to.equal(5);
  });

  it('refuses empty input, unknown columns and too many rows with CsvErrors', () => {
    expect(() => readNumericCsv('')).to.throw(CsvError, /empty/);
    expect(() => readNumericCsv(' \n\r\n')).to.throw(CsvError, /empty/);
    expect(() => readNumericCsv('a\n1', { columns: [] })).to.throw(CsvError, /no columns/);
    expect(() => readNumericCsv('a,b\n1,2', { columns: ['a', 'a'] })).to.throw(CsvError, /unique/);
    expect(() => readNumericCsv('a\n1\n2', { maxRows: 1 })).to.throw(CsvError, /at most 1/);
    expect(readNumericCsv('a\n1\n2', { maxRows: 2 }).rows).to.have.length(2);
    expect(() => readNumericCsv('a\n"1')).to.throw(CsvError, /cannot be read.*quote/i);
  });

  it('names the missing column and the first bad cell', () => {
    const missing = csvError(() => readNumericCsv('a,b\n1,2', { columns: ['b', 'z'] }));
    expect(missing.message).to.match(/column 'z' is not in the CSV header \(a, b\)/);
    expect(missing.column).to.equal('z');
    const bad = csvError(() => readNumericCsv('a,b\n1,x\n2,\n'));
    expect(bad.message).to.match(/no complete numeric rows.*row 1, column 'b': 'x'/);
    expect([bad.row, bad.column]).to.deep.equal([1, 'b']);
    expect(csvError(() => readNumericCsv('a\n')).message).to.match(/no complete numeric rows/);
  });

  it('standardises with given statistics and leaves later columns alone', () => {
    const rows = [
      [1, 0],
      [3, 1],
    ];
    const stats = columnStats(rows);
    expect(stats.means).to.deep.equal([2, 0.5]);
    expect(standardizeWith(rows, stats, 1)).to.deep.equal([
      [-1, 0],
      [1, 1],
    ]);
    expect(columnStats([[7], [7]]).sds).to.deep.equal([1]);
  });
});

// The gateway reads uploads with the same reader; its refusals become 400s there.
describe('gateway: CSV datasets', () => {
  it('refuses empty input, unknown columns and too many rows with 400s', async () => {
    for (const [csv, columns, datasetRows, message] of [
      ['', undefined, 100, /empty/],
      ['a\n1', ['z'], 100, /not in the CSV header/],
      ['a\nx', undefined, 100, /no complete numeric rows/],
      ['a\n1\n2', undefined, 1, /at most 1/],
    ] as const) {
      const limits = { ...DEFAULT_LIMITS, datasetRows };
      const source = { csv, columns: columns ? [...columns] : undefined };
      const refusal: unknown = await datasetFrom(source, { limits }, 'test-preset').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).to.be.instanceOf(HttpError);
      if (refusal instanceof HttpError) {
        expect(refusal.status).to.equal(400);
        expect(refusal.message).to.match(message);
      }
    }
  });
});
