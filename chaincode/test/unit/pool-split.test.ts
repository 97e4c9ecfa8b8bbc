import { expect } from 'chai';
import fc from 'fast-check';
import { scaledShapley, shapleyWeights, splitByWeights } from '../../src/pool/split.js';

const micro = (x: number): bigint => BigInt(Math.round(x * 1e6));

describe('pool split rules (pure arithmetic)', () => {
  describe('splitByWeights', () => {
    it('pays exactly in proportion when the amount divides', () => {
      expect(splitByWeights(90n, [5n, 3n, 2n])).to.deep.equal([45n, 27n, 18n]);
    });

    it('gives the remainder one token each to the largest dropped fractions (rows 168/124/52 of 90)', () => {
      // 90·168/344 = 43.95, 90·124/344 = 32.44, 90·52/344 = 13.60: floors 43+32+13 = 88, and the
      // 2 left go to seat 0 (.95) and seat 2 (.60).
      expect(splitByWeights(90n, [168n, 124n, 52n])).to.deep.equal([44n, 32n, 14n]);
    });

    it('breaks ties in the dropped fraction towards the lower seat (the lead first)', () => {
      expect(splitByWeights(10n, [1n, 1n, 1n])).to.deep.equal([4n, 3n, 3n]);
      expect(splitByWeights(2n, [1n, 1n, 1n])).to.deep.equal([1n, 1n, 0n]);
    });

    it('splits equally when every weight is zero, and pays nothing to a zero weight otherwise', () => {
      expect(splitByWeights(7n, [0n, 0n])).to.deep.equal([4n, 3n]);
      expect(splitByWeights(7n, [0n, 1n])).to.deep.equal([0n, 7n]);
    });

    it('never creates or loses a token, and each part is within one token of its exact share', () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: 0n, max: 9007199254740991n }),
          fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 16 }),
          (amount, weights) => {
            const parts = splitByWeights(amount, weights);
            expect(parts.reduce((a, b) => a + b, 0n)).to.equal(amount);
            const total = weights.reduce((a, b) => a + b, 0n);
            const w = total === 0n ? weights.map(() => 1n) : weights;
            const sum = total === 0n ? BigInt(weights.length) : total;
            for (const [i, part] of parts.entries()) {
              const floor = (amount * (w[i] ?? 0n)) / sum;
              expect(part === floor || part === floor + 1n).to.equal(true);
            }
          },
        ),
        { numRuns: 500 },
      );
    });
  });

  describe('Shapley values of buyer-submitted F1 scores', () => {
    // Worked by hand, 3 members; v is indexed by seat bitmask − 1:
    // v{0}=.6 v{1}=.5 v{0,1}=.8 v{2}=.3 v{0,2}=.7 v{1,2}=.6 v{0,1,2}=.9
    // φ0 = ⅓(.6) + ⅙(.8−.5) + ⅙(.7−.3) + ⅓(.9−.6) = 2.5/6
    // φ1 = ⅓(.5) + ⅙(.8−.6) + ⅙(.6−.3) + ⅓(.9−.7) = 1.9/6
    // φ2 = ⅓(.3) + ⅙(.7−.6) + ⅙(.6−.5) + ⅓(.9−.8) = 1.0/6       (sum .9 = v(N))
    const scores = [0.6, 0.5, 0.8, 0.3, 0.7, 0.6, 0.9].map(micro);

    it('computes 3!·φ exactly (hand-worked: 2.5, 1.9, 1.0)', () => {
      expect(scaledShapley(3, scores)).to.deep.equal([2_500_000n, 1_900_000n, 1_000_000n]);
    });

    it('normalised split of 108 tokens: 108·25/54, 108·19/54, 108·10/54 = 50, 38, 20', () => {
      expect(splitByWeights(108n, shapleyWeights(3, scores))).to.deep.equal([50n, 38n, 20n]);
    });

    it('normalised split of 90 tokens: 41.67, 31.67, 16.67 → 42, 32, 16 (tied fractions: lower seats first)', () => {
      expect(splitByWeights(90n, shapleyWeights(3, scores))).to.deep.equal([42n, 32n, 16n]);
    });

    it('counts a negative Shapley value as zero: a member never owes (v{0}=.8, v{1}=0, v{0,1}=.6)', () => {
      // φ0 = ½(.8) + ½(.6 − 0) = .7, φ1 = ½(0) + ½(.6 − .8) = −.1
      const two = [0.8, 0, 0.6].map(micro);
      expect(scaledShapley(2, two)).to.deep.equal([1_400_000n, -200_000n]);
      expect(splitByWeights(50n, shapleyWeights(2, two))).to.deep.equal([50n, 0n]);
    });

    it('is efficient for random games of up to 5 members: Σ n!·φ = n!·v(N)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 5 }).chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.array(fc.bigInt({ min: 0n, max: 1_000_000n }), {
                minLength: 2 ** n - 1,
                maxLength: 2 ** n - 1,
              }),
            ),
          ),
          ([n, v]) => {
            const phi = scaledShapley(n, v);
            let nFact = 1n;
            for (let i = 2; i <= n; i += 1) nFact *= BigInt(i);
            // Σ n!·φ_i = n!·v(N)
            expect(phi.reduce((a, b) => a + b, 0n)).to.equal(nFact * (v[2 ** n - 2] ?? 0n));
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
