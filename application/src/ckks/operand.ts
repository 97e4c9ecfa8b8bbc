/** Plain operands of table operations: their types, and checking them against a table's shape. */
import { CkksError } from './errors.js';
import type { EncryptedTable } from './table.js';

/** A plain operand: scalar, vector (broadcast along rows, or a column for 1-column tables), matrix. */
export type PlainOperand = number | readonly number[] | readonly (readonly number[])[];
/** Anything a table can be combined with. */
export type Operand = PlainOperand | EncryptedTable;

/** The elementwise binary operations. */
export type BinOp = 'add' | 'sub' | 'mul';

/** A plain matrix, checked rectangular (rows may be empty only if all are). */
export type PlainMatrix = readonly (readonly number[])[];

export function checkFinite(x: number, what: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new CkksError('INVALID_ARGUMENT', `${what} must be a finite number, got ${String(x)}`);
  }
  return x;
}

/** True if `x` is a (non-empty) array of arrays. */
export function isMatrix(x: readonly number[] | PlainMatrix): x is PlainMatrix {
  return x.length > 0 && Array.isArray(x[0]);
}

/** Checks that every row of `m` has `width` finite entries. */
export function checkRows(m: PlainMatrix, width: number, message: string): void {
  for (const row of m) {
    const cells: unknown = row;
    if (!Array.isArray(cells) || row.length !== width)
      throw new CkksError('SHAPE_MISMATCH', message);
    for (const v of row) checkFinite(v, 'matrix entry');
  }
}

function matrixFunction(
  m: PlainMatrix,
  rows: number,
  cols: number,
): (i: number, j: number) => number {
  const r = m.length;
  const c = m[0]?.length ?? 0;
  checkRows(m, c, 'plain matrix rows must all have the same length');
  // Shapes are checked above, so every lookup below hits a finite number.
  const get = (i: number, j: number): number => m[i]?.[j] ?? NaN;
  if (r === rows && c === cols) return get;
  if (r === 1 && c === cols) return (_i, j) => get(0, j);
  if (r === rows && c === 1) return (i) => get(i, 0);
  throw new CkksError(
    'SHAPE_MISMATCH',
    `plain matrix ${r}×${c} does not fit a ${rows}×${cols} table`,
  );
}

function vectorFunction(
  v: readonly number[],
  rows: number,
  cols: number,
): (i: number, j: number) => number {
  for (const e of v) checkFinite(e, 'vector entry');
  if (v.length === cols) return (_i, j) => v[j] ?? NaN;
  if (cols === 1 && v.length === rows) return (i) => v[i] ?? NaN;
  throw new CkksError(
    'SHAPE_MISMATCH',
    `plain vector of length ${v.length} does not fit a ${rows}×${cols} table (expected ${cols}` +
      (cols === 1 ? ` or ${rows}` : '') +
      ')',
  );
}

/** Turns a plain operand into a function of *logical* (i, j), checking its shape. */
export function plainFunction(
  x: PlainOperand,
  rows: number,
  cols: number,
): (i: number, j: number) => number {
  if (typeof x === 'number') {
    const v = checkFinite(x, 'scalar');
    return () => v;
  }
  if (!Array.isArray(x))
    throw new CkksError('INVALID_ARGUMENT', 'operand must be a number or array');
  return isMatrix(x) ? matrixFunction(x, rows, cols) : vectorFunction(x, rows, cols);
}
