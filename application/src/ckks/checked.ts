/**
 * Checked array access for indices the engine computed itself (layout placements, ciphertext
 * numbers): a miss is an internal inconsistency, reported as a CORRUPT error instead of an
 * `undefined` travelling on. Not for numeric inner loops (use typed arrays or for-of there).
 */
import { CkksError } from './errors.js';

/** `items[index]`, or a CORRUPT error naming `what`. */
export function at<T>(items: readonly T[], index: number, what = 'entry'): T {
  const item = items[index];
  if (item === undefined) {
    throw new CkksError('CORRUPT', `${what} ${index} is missing (of ${items.length})`);
  }
  return item;
}

/** The first element of a non-empty array, or a CORRUPT error naming `what`. */
export function first<T>(items: readonly T[], what = 'entry'): T {
  return at(items, 0, what);
}
