/** Elementwise arithmetic with plain operands (scalars, vectors and matrices with broadcasting). */
import { at } from './checked.js';
import { mapCiphertexts, plainVectors } from './derive.js';
import { CkksError } from './errors.js';
import { checkFinite, plainFunction, type BinOp, type PlainOperand } from './operand.js';
import { EncryptedTable } from './table.js';

/** `t` times a plain function of the logical coordinates (one level; cleans the padding). */
export function mulPlainFn(t: EncryptedTable, f: (i: number, j: number) => number): EncryptedTable {
  const vecs = plainVectors(t, f);
  return mapCiphertexts(t, (ct, k) => t.arith.mulPlain(ct, at(vecs, k, 'slot vector')), {
    padClean: true,
    foreignClean: true,
  });
}

/** Multiplies by 1 on the cells and 0 elsewhere: clean padding, one level. */
export function maskCells(t: EncryptedTable): EncryptedTable {
  return mulPlainFn(t, () => 1);
}

/** `t` op a plain operand (scalar products are free). */
export function plainBinary(t: EncryptedTable, x: PlainOperand, op: BinOp): EncryptedTable {
  if (typeof x === 'number' && op === 'mul') {
    checkFinite(x, 'scalar');
    return mapCiphertexts(t, (ct) => t.arith.mulScalar(ct, x));
  }
  const f = plainFunction(x, t.rows, t.cols);
  if (op === 'mul') return mulPlainFn(t, f);
  const vecs = plainVectors(t, f);
  return mapCiphertexts(t, (ct, k) =>
    t.arith.addPlain(ct, at(vecs, k, 'slot vector'), op === 'sub'),
  );
}

/** Largest |1/v| over a plain operand (Infinity if it holds a zero). */
export function maxInverse(x: PlainOperand): number {
  if (typeof x === 'number') return 1 / Math.abs(x);
  let m = 0;
  for (const r of x) {
    for (const v of typeof r === 'number' ? [r] : r) m = Math.max(m, 1 / Math.abs(v));
  }
  return m;
}

export function div(t: EncryptedTable, x: PlainOperand): EncryptedTable {
  if ((x as unknown) instanceof EncryptedTable) {
    throw new CkksError(
      'UNSUPPORTED_OPERATION',
      'division by an encrypted table is refused: CKKS only adds and multiplies. Approximate ' +
        '1/x with a polynomial on a known range (polyval with chebyshevFit(x => 1/x, lo, hi, d)) ' +
        'or divide after decryption.',
    );
  }
  if (typeof x === 'number') {
    checkFinite(x, 'divisor');
    if (x === 0) throw new CkksError('INVALID_ARGUMENT', 'division by zero');
    return t.mul(1 / x);
  }
  const f = plainFunction(x, t.rows, t.cols);
  return mulPlainFn(t, (i, j) => {
    const v = f(i, j);
    if (v === 0) throw new CkksError('INVALID_ARGUMENT', `division by zero at (${i}, ${j})`);
    return 1 / v;
  });
}
