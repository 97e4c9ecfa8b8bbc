import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  AggregationError,
  chooseRing,
  decode,
  decodeShare,
  encode,
  encodeShare,
  expandMask,
  generateMaskKeyPair,
  maskPartial,
  pairwiseSeed,
  requireRing,
  ring,
  seedsFor,
  signed,
  sumShares,
  type Encoding,
  type MaskKeyPair,
} from '../../../src/aggregation/index.js';

const context = { poolId: 'penguins', tradeId: 'tx-1' };
const bounds = { valueBound: 10_000, fractionalBits: 20 };

/** Three sellers' partials of a joint computation: per-seller sums of two columns and a count. */
const PARTIALS = [
  [7_123.25, -12.5, 168],
  [5_000.125, 3.75, 124],
  [-2_500.0625, 0.001, 52],
];

function members(n: number): MaskKeyPair[] {
  return Array.from({ length: n }, () => generateMaskKeyPair());
}

function shares(
  keys: MaskKeyPair[],
  partials: number[][],
  round = 1,
  coalition?: number,
): bigint[][] {
  const publicKeys = keys.map((k) => k.publicKey);
  const all = coalition ?? 2 ** keys.length - 1;
  return keys.flatMap((k, seat) => {
    if (!(all & (1 << seat))) return [];
    const plan = seedsFor(k, publicKeys, context, bounds);
    return [maskPartial(partials[seat] ?? [], { ...plan, label: { round, coalition: all } })];
  });
}

function at(keys: MaskKeyPair[], i: number): MaskKeyPair {
  const k = keys[i];
  if (!k) throw new Error(`no member ${i}`);
  return k;
}

const seedOf = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());

describe('aggregation: pairwise seeds, masks and fixed point', () => {
  it('both members of a pair derive the same seed; other pairs and other trades get other seeds', () => {
    const [a, b, c] = members(3) as [MaskKeyPair, MaskKeyPair, MaskKeyPair];
    const ab = pairwiseSeed(a, b.publicKey, context);
    expect(Buffer.from(pairwiseSeed(b, a.publicKey, context))).to.deep.equal(Buffer.from(ab));
    expect(Buffer.from(pairwiseSeed(a, c.publicKey, context))).to.not.deep.equal(Buffer.from(ab));
    const other = pairwiseSeed(a, b.publicKey, { ...context, tradeId: 'tx-2' });
    expect(Buffer.from(other)).to.not.deep.equal(Buffer.from(ab));
    expect(ab).to.have.length(32);
  });

  it('refuses a malformed or small-order public key, and a seed with oneself', () => {
    const a = generateMaskKeyPair();
    expect(() => pairwiseSeed(a, 'AAAA', context)).to.throw(AggregationError, '32 raw bytes');
    expect(() => pairwiseSeed(a, Buffer.alloc(32).toString('base64'), context)).to.throw(
      /small order|failed/,
    );
    expect(() => pairwiseSeed(a, a.publicKey, context)).to.throw(AggregationError, 'itself');
  });

  it('the sum of the masked shares equals the sum of the encoded partials exactly (3 members)', () => {
    const keys = members(3);
    const plan = seedsFor(
      at(keys, 0),
      keys.map((k) => k.publicKey),
      context,
      bounds,
    );
    const e = plan.encoding;
    const masked = shares(keys, PARTIALS);
    const sum = sumShares(masked, e.ring);
    const expected = [0, 1, 2].map(
      (i) => PARTIALS.reduce((acc, p) => acc + encode(p[i] ?? 0, e), 0n) % e.ring.modulus,
    );
    expect(sum).to.deep.equal(expected);
    // Decoded, the joint sums and mean are plain arithmetic on the union (to 2^-20).
    const decoded = sum.map((v) => decode(v, e));
    expect(decoded[0]).to.be.closeTo(7_123.25 + 5_000.125 - 2_500.0625, 2 ** -19);
    expect(decoded[2]).to.equal(344);
    expect((decoded[0] ?? 0) / (decoded[2] ?? 1)).to.be.closeTo(
      (7_123.25 + 5_000.125 - 2_500.0625) / 344,
      1e-6,
    );
    // No share on its own is the member's encoded partial.
    masked.forEach((s, seat) => {
      expect(s).to.not.deep.equal((PARTIALS[seat] ?? []).map((v) => encode(v, e)));
    });
  });

  it('masks cancel in every coalition (shapley-f1: 5 members, 26 coalitions of 2 or more)', () => {
    const keys = members(5);
    const partials = Array.from({ length: 5 }, (_, i) => [i + 0.5, -i, 1]);
    const e = seedsFor(
      at(keys, 0),
      keys.map((k) => k.publicKey),
      context,
      bounds,
    ).encoding;
    for (let coalition = 1; coalition < 32; coalition += 1) {
      const seats = [0, 1, 2, 3, 4].filter((s) => coalition & (1 << s));
      if (seats.length < 2) continue;
      const sum = sumShares(shares(keys, partials, 2, coalition), e.ring).map((v) => decode(v, e));
      const plain = [0, 1, 2].map((i) =>
        seats.reduce((acc, s) => acc + (partials[s]?.[i] ?? 0), 0),
      );
      expect(sum, `coalition ${coalition}`).to.deep.equal(plain);
    }
  });

  it('each round and coalition gets fresh masks (reusing one would leak partial differences)', () => {
    const seed = seedOf('pair');
    const r = ring(64);
    const a = expandMask(seed, { round: 1, coalition: 7 }, 4, r);
    expect(expandMask(seed, { round: 1, coalition: 7 }, 4, r)).to.deep.equal(a);
    expect(expandMask(seed, { round: 2, coalition: 7 }, 4, r)).to.not.deep.equal(a);
    expect(expandMask(seed, { round: 1, coalition: 3 }, 4, r)).to.not.deep.equal(a);
  });

  it('a single masked share is statistically uniform in the ring, whatever the partial (χ² on 16 bins)', () => {
    // Seeds fixed so the test is deterministic; χ² with 15 degrees of freedom, p = 1e-4: 42.3.
    const e: Encoding = { ring: ring(40), fractionalBits: 8, valueBound: 1000 };
    const seeds = new Map([
      [1, seedOf('seed 0-1')],
      [2, seedOf('seed 0-2')],
    ]);
    const count = 8192;
    for (const constant of [0, 1000, -1000]) {
      const share = maskPartial(Array<number>(count).fill(constant), {
        seat: 0,
        seeds,
        label: { round: 1, coalition: 7 },
        encoding: e,
      });
      for (const shift of [36n, 0n]) {
        const bins = Array<number>(16).fill(0);
        for (const v of share)
          bins[Number((v >> shift) & 15n)] = (bins[Number((v >> shift) & 15n)] ?? 0) + 1;
        const expected = count / 16;
        const chi2 = bins.reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
        expect(chi2, `partial ${constant}, bits from ${shift}`).to.be.below(42.3);
      }
      // And the share's mean is the ring's middle within 4 standard errors.
      const mean = share.reduce((acc, v) => acc + Number(v) / 2 ** 40, 0) / count;
      expect(Math.abs(mean - 0.5)).to.be.below(4 * Math.sqrt(1 / 12 / count));
    }
  });

  it('chooses a ring just large enough for the bounds, and refuses a wrong ring size', () => {
    const r = chooseRing({ ...bounds, members: 3 });
    // 3 × (10000 · 2^20 + 1) < 2^35, + a sign bit = 36 → 40 bits.
    expect(r.bits).to.equal(40);
    expect(() => {
      requireRing(ring(32), { ...bounds, members: 3 });
    }).to.throw(AggregationError, 'at least 40 bits');
    expect(() => {
      requireRing(r, { ...bounds, members: 100 });
    }).to.throw(AggregationError, 'at least 48 bits');
    expect(() => ring(36)).to.throw(AggregationError, 'multiple of 8');
    const bytes = encodeShare([1n, 2n], r);
    expect(decodeShare(bytes, r, 10)).to.deep.equal([1n, 2n]);
    expect(() => decodeShare(bytes, ring(48), 10)).to.throw(AggregationError, 'call for 48 bits');
    expect(() => decodeShare(bytes, r, 1)).to.throw(AggregationError, 'at most 1');
    expect(() => decodeShare(bytes.subarray(0, bytes.length - 1), r, 10)).to.throw(
      AggregationError,
      'length',
    );
    expect(() => encodeShare([r.modulus], r)).to.throw(AggregationError, 'outside the ring');
  });

  it('the largest sums the bounds allow decode exactly, with either sign (no wrap-around)', () => {
    const e: Encoding = { ring: chooseRing({ ...bounds, members: 3 }), ...bounds };
    for (const x of [10_000, -10_000]) {
      const sum = sumShares(
        [0, 1, 2].map(() => [encode(x, e)]),
        e.ring,
      );
      expect(decode(sum[0] ?? 0n, e)).to.equal(3 * x);
      expect(signed(sum[0] ?? 0n, e.ring)).to.equal(BigInt(3 * x) << 20n);
    }
    expect(() => encode(10_000.5, e)).to.throw(AggregationError, 'outside the pool');
    expect(() => encode(Number.NaN, e)).to.throw(AggregationError, 'not finite');
  });

  it('refuses a member whose key is not in the trade, and duplicate keys', () => {
    const keys = members(3);
    const outsider = generateMaskKeyPair();
    expect(() =>
      seedsFor(
        outsider,
        keys.map((k) => k.publicKey),
        context,
        bounds,
      ),
    ).to.throw(AggregationError, 'not one of');
    const dup = [keys[0]?.publicKey ?? '', keys[0]?.publicKey ?? '', keys[1]?.publicKey ?? ''];
    expect(() => seedsFor(at(keys, 1), dup, context, bounds)).to.throw(
      AggregationError,
      'same mask key',
    );
  });
});
