/**
 * Synthetic sample rows: within the declared ranges, rounded like the columns, never copies
 * of real rows beyond chance; marginals follow each column's mean and deviation.
 */
import { expect } from 'chai';
import {
  marginals,
  rangesFromData,
  sampleFileProblem,
  syntheticRows,
} from '../../../src/gateway/samples/synthetic.js';

const COLUMNS = ['age', 'bmi'];
const REAL = Array.from({ length: 500 }, (_, i) => [30 + (i % 40), 18 + ((i * 7) % 200) / 10]);

describe('gateway: synthetic samples', () => {
  it('ranges from the data are rounded outward and keep the decimals', () => {
    expect(rangesFromData(COLUMNS, REAL)).to.deep.equal([
      { min: 30, max: 69, decimals: 0 },
      { min: 18, max: 38, decimals: 1 },
    ]);
    expect(rangesFromData(['x'], [[0.1234], [-57.2]])).to.deep.equal([
      { min: -58, max: 0.13, decimals: 4 },
    ]);
  });

  it('schema-uniform rows stay in range, rounded, and match real rows no more than chance', () => {
    const ranges = rangesFromData(COLUMNS, REAL);
    const rows = syntheticRows({
      kind: 'schema-uniform',
      columns: COLUMNS,
      ranges,
      rows: REAL,
      count: 2000,
    });
    expect(rows).to.have.length(2000);
    for (const [age, bmi] of rows) {
      expect(age).to.be.within(30, 69);
      expect(Number.isInteger(age)).to.equal(true);
      expect(bmi).to.be.within(18, 38);
      expect(Math.round((bmi ?? 0) * 10) / 10).to.equal(bmi);
    }
    // Chance that a uniform row is one of the real (age, bmi) pairs: |distinct pairs| / grid.
    const real = new Set(REAL.map((r) => r.join(',')));
    const chance = real.size / (40 * 201);
    const hits = rows.filter((r) => real.has(r.join(','))).length;
    expect(hits / rows.length).to.be.below(chance * 3 + 0.01);
  });

  it('marginals rows follow each column mean and deviation, clipped to the range', () => {
    const ranges = rangesFromData(COLUMNS, REAL);
    const rows = syntheticRows({
      kind: 'marginals',
      columns: COLUMNS,
      ranges,
      rows: REAL,
      count: 4000,
    });
    const real = marginals(COLUMNS, REAL);
    const drawn = marginals(COLUMNS, rows);
    drawn.forEach((m, j) => {
      expect(m.mean).to.be.closeTo(real[j]?.mean ?? NaN, 0.5);
      // Clipping to the range only narrows the spread.
      const sd = real[j]?.sd ?? NaN;
      expect(m.sd).to.be.within(0.8 * sd, 1.05 * sd);
    });
    for (const [age] of rows) expect(age).to.be.within(30, 69);
  });

  it('a seller file must have the columns in order and values in the declared ranges', () => {
    const ranges = [
      { min: 0, max: 10, decimals: 0 },
      { min: 0, max: 1, decimals: 2 },
    ];
    expect(
      sampleFileProblem({ columns: ['age', 'bmi'], rows: [[1, 0.5]] }, COLUMNS, ranges),
    ).to.equal(undefined);
    expect(
      sampleFileProblem({ columns: ['bmi', 'age'], rows: [[1, 0.5]] }, COLUMNS, ranges),
    ).to.match(/in order/);
    expect(sampleFileProblem({ columns: COLUMNS, rows: [[11, 0.5]] }, COLUMNS, ranges)).to.match(
      /outside/,
    );
    expect(sampleFileProblem({ columns: COLUMNS, rows: [] }, COLUMNS, ranges)).to.match(/no rows/);
    expect(sampleFileProblem({ columns: COLUMNS, rows: [[99, 5]] }, COLUMNS, null)).to.equal(
      undefined,
    );
  });
});
