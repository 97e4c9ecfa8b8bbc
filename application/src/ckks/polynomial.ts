/** Polynomials evaluated on encrypted tables, and the approximations built on them. */
import { absApproximation } from './approx.js';
import { mulPlainFn } from './elementwise.js';
import { requireArg } from './errors.js';
import { checkFinite, type Operand } from './operand.js';
import { tidy } from './scope.js';
import type { EncryptedTable } from './table.js';
import { copy } from './views.js';

/** Largest power of two below k (1 for k <= 2). */
function highPower(k: number): number {
  let hi = 1;
  while (hi * 2 < k) hi *= 2;
  return hi;
}

const depthOf = (k: number): number => Math.ceil(Math.log2(k));

/** x^k of a table, memoised; owns the powers until disposed. */
class Powers implements Disposable {
  private readonly cache = new Map<number, EncryptedTable>();

  constructor(private readonly x: EncryptedTable) {}

  get(k: number): EncryptedTable {
    const hit = this.cache.get(k);
    if (hit) return hit;
    let t: EncryptedTable;
    if (k === 1) t = copy(this.x);
    else {
      const hi = highPower(k);
      t = hi * 2 === k ? this.get(hi).square() : this.get(hi).mul(this.get(k - hi));
    }
    this.cache.set(k, t);
    return t;
  }

  [Symbol.dispose](): void {
    for (const t of this.cache.values()) t.dispose();
  }
}

/** c·x^k with the least depth and a canonical scale. */
function term(powers: Powers, k: number, c: number): EncryptedTable {
  const hi = highPower(k);
  const rest = k - hi;
  if (k >= 3 && rest < hi && depthOf(rest) + 1 <= depthOf(hi)) {
    // c·x^k = x^hi · (c·x^rest): the plain multiplication fits in a level x^hi needs anyway,
    // and keeps the scale canonical.
    using scaled = mulPlainFn(powers.get(rest), () => c);
    return powers.get(hi).mul(scaled);
  }
  return powers.get(k).mul(c);
}

/** c1·x + ... + c_degree·x^degree, or undefined if all those coefficients are 0. */
function nonConstantTerms(
  powers: Powers,
  coefficients: readonly number[],
  degree: number,
): EncryptedTable | undefined {
  let acc: EncryptedTable | undefined;
  for (let k = degree; k >= 1; k--) {
    const c = coefficients[k] ?? 0;
    if (c === 0) continue;
    const next = term(powers, k, c);
    if (!acc) acc = next;
    else {
      using previous = acc;
      using added = next;
      acc = previous.add(added);
    }
  }
  return acc;
}

export function polyval(t: EncryptedTable, coefficients: readonly number[]): EncryptedTable {
  t.assertLive();
  requireArg(coefficients.length > 0, 'polyval needs at least one coefficient');
  for (const c of coefficients) checkFinite(c, 'coefficient');
  let degree = coefficients.length - 1;
  while (degree > 0 && coefficients[degree] === 0) degree--;
  const c0 = coefficients[0] ?? 0;
  let acc: EncryptedTable | undefined;
  {
    using powers = new Powers(t);
    acc = nonConstantTerms(powers, coefficients, degree);
  }
  if (!acc) {
    using zero = t.mul(0);
    return zero.add(c0);
  }
  if (c0 === 0) return acc;
  using sum = acc;
  return sum.add(c0);
}

export function approxAbs(t: EncryptedTable, range: number, degree: number): EncryptedTable {
  return polyval(t, absApproximation(range, degree).coefficients);
}

/** (a + b ± |a − b|) / 2 with a polynomial |·| fitted on [−range, range]. */
export function approxExtremum(
  t: EncryptedTable,
  other: Operand,
  range: number,
  degree: number,
  kind: 'max' | 'min',
): EncryptedTable {
  return tidy(() => {
    const sum = t.add(other);
    const abs = approxAbs(t.sub(other), range, degree);
    return (kind === 'max' ? sum.add(abs) : sum.sub(abs)).mul(0.5);
  });
}
