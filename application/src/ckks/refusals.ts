/**
 * Operations refused on encrypted data (comparisons, order statistics), each with the error
 * message that says why and what to do instead.
 */
import { CkksError } from './errors.js';
import type { Operand } from './operand.js';

/** The refused operations: the name shown in the message, and the suggestion. */
const REFUSED = {
  gt: ['gt (>)', 'compute a smooth score, e.g. (x − t).sigmoid(), or approxMax.'],
  lt: ['lt (<)', 'compute a smooth score, e.g. (t − x).sigmoid(), or approxMin.'],
  ge: ['ge (>=)', 'compute a smooth score with sigmoid() of a difference.'],
  le: ['le (<=)', 'compute a smooth score with sigmoid() of a difference.'],
  eq: ['eq (==)', 'compare after decryption of an aggregate, or use a polynomial bump.'],
  max: [
    'max',
    'approxMax(other, range) gives a smooth maximum via a polynomial |x| approximation; ' +
      'for the largest value of a column, publish an aggregate (mean, variance) instead.',
  ],
  min: ['min', 'approxMin(other, range) gives a smooth minimum (polynomial approximation).'],
  argmax: ['argmax', 'use a smooth score (sigmoid/softmax-like polynomial) instead.'],
  argmin: ['argmin', 'use a smooth score (polynomial approximation) instead.'],
  sort: ['sort', 'compute order-free statistics (sums, means, moments) instead.'],
  clip: ['clip', 'use a saturating polynomial (e.g. sigmoid) on a known range.'],
} as const satisfies Record<string, readonly [string, string]>;

/** Names of the refused operations. */
export type RefusedOperation = keyof typeof REFUSED;

/** Throws the UNSUPPORTED_OPERATION error of a refused operation. */
export function refusal(op: RefusedOperation): never {
  const [name, instead] = REFUSED[op];
  throw new CkksError(
    'UNSUPPORTED_OPERATION',
    `${name} is refused on encrypted data. CKKS has no exact comparison: values are approximate ` +
      `and a buyer who could decrypt comparison results could binary-search the seller's ` +
      `plaintext one bit per query. Instead: ${instead}`,
  );
}

/**
 * The refused methods of EncryptedTable, kept apart from the ones that compute: each throws
 * the error that explains why and what to do instead.
 */
export abstract class RefusedOperations {
  gt(_x?: Operand): never {
    return refusal('gt');
  }
  lt(_x?: Operand): never {
    return refusal('lt');
  }
  ge(_x?: Operand): never {
    return refusal('ge');
  }
  le(_x?: Operand): never {
    return refusal('le');
  }
  eq(_x?: Operand): never {
    return refusal('eq');
  }
  max(_axis?: 0 | 1): never {
    return refusal('max');
  }
  min(_axis?: 0 | 1): never {
    return refusal('min');
  }
  argmax(_axis?: 0 | 1): never {
    return refusal('argmax');
  }
  argmin(_axis?: 0 | 1): never {
    return refusal('argmin');
  }
  sort(): never {
    return refusal('sort');
  }
  clip(_lo?: number, _hi?: number): never {
    return refusal('clip');
  }
}
