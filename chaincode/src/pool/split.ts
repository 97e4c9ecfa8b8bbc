/**
 * Splitting an amount among a pool's members: pure integer arithmetic, so every endorser gets
 * the same answer and no token is ever created or lost.
 */

/**
 * Splits `amount` in proportion to non-negative integer `weights` (all zero: equally). Each
 * member first gets floor(amount · w / W); the r < n tokens left over go one each to the
 * members with the largest dropped fractions (amount · w mod W), ties to the lower seat (the
 * lead is seat 0). The parts always sum to `amount`.
 */
export function splitByWeights(amount: bigint, weights: readonly bigint[]): bigint[] {
  if (amount < 0n) throw new Error(`internal error: split of ${amount}`);
  if (weights.length === 0) throw new Error('internal error: split among nobody');
  if (weights.some((w) => w < 0n)) throw new Error('internal error: negative weight');
  const total = weights.reduce((a, b) => a + b, 0n);
  const used = total === 0n ? weights.map(() => 1n) : weights;
  const sum = total === 0n ? BigInt(weights.length) : total;
  const parts = used.map((w) => (amount * w) / sum);
  let left = amount - parts.reduce((a, b) => a + b, 0n);
  const order = used
    .map((w, seat) => ({ seat, fraction: (amount * w) % sum }))
    .sort((a, b) =>
      a.fraction === b.fraction ? a.seat - b.seat : a.fraction > b.fraction ? -1 : 1,
    );
  for (const { seat } of order) {
    if (left === 0n) break;
    parts[seat] = (parts[seat] ?? 0n) + 1n;
    left -= 1n;
  }
  return parts;
}

function factorial(n: number): bigint {
  let f = 1n;
  for (let i = 2; i <= n; i += 1) f *= BigInt(i);
  return f;
}

function popcount(mask: number): number {
  let c = 0;
  for (let m = mask; m !== 0; m &= m - 1) c += 1;
  return c;
}

/**
 * n!·φ_i for each member i, the Shapley value of the game whose worth v(S) is `scores[S − 1]`
 * (S a bitmask of seats, bit i = seat i; v(∅) = 0):
 *
 *   φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S))
 *
 * Scaled by n! so it stays an integer. Exact, including negative values.
 */
export function scaledShapley(n: number, scores: readonly bigint[]): bigint[] {
  if (scores.length !== 2 ** n - 1) {
    throw new Error(`internal error: ${scores.length} scores for ${n} members`);
  }
  const v = (mask: number): bigint => (mask === 0 ? 0n : (scores[mask - 1] ?? 0n));
  const weightOf = Array.from({ length: n }, (_, s) => factorial(s) * factorial(n - s - 1));
  const values: bigint[] = [];
  for (let i = 0; i < n; i += 1) {
    const bit = 1 << i;
    let phi = 0n;
    for (let mask = 0; mask < 2 ** n; mask += 1) {
      if ((mask & bit) !== 0) continue;
      phi += (weightOf[popcount(mask)] ?? 0n) * (v(mask | bit) - v(mask));
    }
    values.push(phi);
  }
  return values;
}

/**
 * The normalised Shapley weights the payout is split by: each member's Shapley value, a
 * negative one counted as 0 (a member never owes the others), over their sum. Returned as the
 * integer numerators n!·max(φ_i, 0); splitByWeights divides by their sum (all zero: equally).
 */
export function shapleyWeights(n: number, scores: readonly bigint[]): bigint[] {
  return scaledShapley(n, scores).map((phi) => (phi > 0n ? phi : 0n));
}
