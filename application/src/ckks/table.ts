/**
 * EncryptedTable: an array-like encrypted matrix. All CKKS bookkeeping (slot layout, levels,
 * scales, relinearisation, rescaling, rotations) is hidden; operations either work or throw a
 * {@link CkksError} saying why and what to do instead.
 *
 * Tables are immutable: every operation returns a new table. Each table owns SEAL memory: call
 * `dispose()` (or use `using`, or run code inside {@link tidy}) when done. A FinalizationRegistry
 * frees forgotten tables eventually, but garbage collection does not see WASM memory pressure.
 *
 * This class holds the state and the shared plumbing; the operations live in one module per
 * kind: views.ts, elementwise.ts, broadcast.ts, reductions.ts, matmul.ts, polynomial.ts,
 * refusals.ts.
 */
import type { Ciphertext } from 'node-seal';
import { SIGMOID_THESIS, type Approximation } from './approx.js';
import type { Arith } from './arith.js';
import { at } from './checked.js';
import type { CkksContext } from './context.js';
import { CkksError } from './errors.js';
import type { EvaluationKeys } from './keys.js';
import type { Layout } from './layout.js';
import { mapCiphertexts } from './derive.js';
import type { Preset } from './presets.js';
import { free } from './seal.js';
import { arithFor, trackTable, untrackTable } from './scope.js';
import type { BinOp, Operand, PlainOperand } from './operand.js';
import * as views from './views.js';
import * as elementwise from './elementwise.js';
import { encBinary } from './broadcast.js';
import * as reductions from './reductions.js';
import * as matmul from './matmul.js';
import * as polynomial from './polynomial.js';
import { RefusedOperations } from './refusals.js';
import { lowestFittingLevel, plainMaxAbs, presetRange, requireFit } from './magnitude.js';

export { arithFor, tidy } from './scope.js';
export { matmulPlain } from './matmul.js';
export type { Operand, PlainOperand } from './operand.js';

/** An encrypted rows × cols matrix; refused operations come from RefusedOperations. */
export class EncryptedTable extends RefusedOperations {
  /** Evaluation keys the ciphertexts live under. */
  readonly keys: EvaluationKeys;
  /** Physical slot layout (see layout.ts). */
  readonly layout: Layout;
  /** True if this is a logical transpose of the physical layout. */
  readonly transposed: boolean;
  /** Names of the physical columns. */
  readonly columnNames: readonly string[];
  /** @internal Seeded serialized ciphertexts (only for freshly encrypted seller tables). */
  readonly seeded: readonly Uint8Array[] | undefined;
  private readonly cts: Ciphertext[];
  private disposed = false;
  private tracked: number;
  /** @internal Per-ciphertext bounds (≤ bound) from encryption, kept by views only. */
  ciphertextBounds: readonly number[] | undefined;

  /** @internal Use encryptTable / loadBundle; operations create tables themselves. */
  constructor(
    keys: EvaluationKeys,
    cts: Ciphertext[],
    layout: Layout,
    transposed: boolean,
    columnNames: readonly string[],
    seeded?: readonly Uint8Array[],
    bound?: number,
    ctBounds?: readonly number[],
  ) {
    super();
    if (cts.length !== layout.ctCount) {
      free(...cts);
      throw new CkksError(
        'CORRUPT',
        `layout expects ${layout.ctCount} ciphertexts, got ${cts.length}`,
      );
    }
    this.keys = keys;
    this.cts = cts;
    this.layout = layout;
    this.transposed = transposed;
    this.columnNames = columnNames;
    this.seeded = seeded;
    this.tracked = bound ?? presetRange(keys.ctx);
    this.ciphertextBounds =
      ctBounds?.length === cts.length ? Object.freeze([...ctBounds]) : undefined;
    trackTable(this, cts);
  }

  // ---------------------------------------------------------------- metadata

  /** @internal */
  get arith(): Arith {
    return arithFor(this.keys);
  }

  /** @internal */
  get ctx(): CkksContext {
    return this.keys.ctx;
  }

  /** The parameter preset. */
  get preset(): Preset {
    return this.keys.preset;
  }

  /** Logical number of rows. */
  get rows(): number {
    return this.transposed ? this.layout.cols : this.layout.rows;
  }

  /** Logical number of columns. */
  get cols(): number {
    return this.transposed ? this.layout.rows : this.layout.cols;
  }

  /** Number of cells. */
  get size(): number {
    return this.layout.rows * this.layout.cols;
  }

  /** [rows, cols] (the thesis's shape()). */
  shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** Alias of {@link shape} (the thesis's dim()). */
  dim(): [number, number] {
    return this.shape();
  }

  /** Logical column names (generated as c0, c1, ... for transposed tables). */
  get columns(): readonly string[] {
    if (!this.transposed) return this.columnNames;
    return Array.from({ length: this.cols }, (_, j) => `c${j}`);
  }

  /**
   * Upper bound on |value| of every cell (see magnitude.ts): from the data at encryption, then
   * updated by every operation.
   */
  get bound(): number {
    return this.tracked;
  }

  /**
   * @internal Sets the bound of a freshly computed table and refuses it (disposing it) if values
   * up to `bound` would not fit its level. Returns this table.
   */
  withBound(bound: number, operation: string): this {
    try {
      requireFit(this.ctx, this.ciphertexts(), bound, operation);
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.tracked = bound;
    this.ciphertextBounds = undefined;
    return this;
  }

  /** Multiplicative levels already used. */
  get level(): number {
    this.assertLive();
    return this.arith.level(at(this.cts, 0, 'ciphertext'));
  }

  /** Multiplications left before the preset's depth is exhausted. */
  get levelsLeft(): number {
    return this.ctx.depth - this.level;
  }

  /** Number of ciphertexts held. */
  get ciphertextCount(): number {
    return this.cts.length;
  }

  /** @internal The ciphertexts (owned by the table: do not delete). */
  ciphertexts(): readonly Ciphertext[] {
    this.assertLive();
    return this.cts;
  }

  /** True once disposed. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** @internal Throws unless the table and its keys are still alive. */
  assertLive(): void {
    if (this.disposed) throw new CkksError('DISPOSED', 'this encrypted table was disposed');
    this.keys.assertLive();
  }

  /** Frees the table's SEAL memory. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    untrackTable(this);
    free(...this.cts);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  private binary(x: Operand, op: BinOp): EncryptedTable {
    this.assertLive();
    const other = x instanceof EncryptedTable ? x.bound : plainMaxAbs(x);
    const bound = op === 'mul' ? this.bound * other : this.bound + other;
    const out =
      x instanceof EncryptedTable ? encBinary(this, x, op) : elementwise.plainBinary(this, x, op);
    return out.withBound(bound, op);
  }

  // ---------------------------------------------------------------- views (views.ts)

  /** Row i as a 1 × cols table (a view: no computation). */
  row(i: number): EncryptedTable {
    return views.row(this, i);
  }

  /** Column j (index or name) as a rows × 1 table (a view: no computation). */
  col(j: number | string): EncryptedTable {
    return views.col(this, j);
  }

  /** Alias of {@link col}. */
  column(j: number | string): EncryptedTable {
    return this.col(j);
  }

  /** Cell (i, j) as a 1 × 1 table (a view). */
  cell(i: number, j: number | string): EncryptedTable {
    return views.cell(this, i, j);
  }

  /** Several columns (indices or names) as a rows × k table (a view). */
  select(columns: readonly (number | string)[]): EncryptedTable {
    return views.select(this, columns);
  }

  /** Logical transpose (free: only the interpretation of the layout changes). */
  transpose(): EncryptedTable {
    return views.transpose(this);
  }

  /** Alias of {@link transpose} (the thesis's t()). */
  t(): EncryptedTable {
    return this.transpose();
  }

  /**
   * Drops to the lowest level at which the table's values still fit (the last level unless the
   * bound needs more headroom): fewer multiplications are possible afterwards, but rotations
   * (sums) get cheaper and serialized results smaller. Use before a final reduction.
   */
  finalize(): EncryptedTable {
    return mapCiphertexts(this, (ct) => {
      const level = this.arith.level(ct);
      const target = lowestFittingLevel(this.ctx, this.bound, ct.scale(), level) ?? level;
      return this.arith.modSwitchTo(ct, target);
    });
  }

  // ---------------------------------------------------------------- elementwise (elementwise.ts)

  /** this + x (scalar, plain vector/matrix with broadcasting, or encrypted table). */
  add(x: Operand): EncryptedTable {
    return this.binary(x, 'add');
  }

  /** this − x. */
  sub(x: Operand): EncryptedTable {
    return this.binary(x, 'sub');
  }

  /** x − this. */
  rsub(x: Operand): EncryptedTable {
    using n = this.neg();
    return n.add(x);
  }

  /**
   * this × x, elementwise. Scalars are free (no level); plain vectors/matrices and encrypted
   * tables use one level (relinearisation and rescaling are automatic).
   */
  mul(x: Operand): EncryptedTable {
    return this.binary(x, 'mul');
  }

  /** this ÷ x for a plain scalar or plain vector/matrix (free for scalars). */
  div(x: PlainOperand): EncryptedTable {
    if (typeof x === 'number') return elementwise.div(this, x);
    return elementwise.div(this, x).withBound(this.bound * elementwise.maxInverse(x), 'div');
  }

  /** −this (free). */
  neg(): EncryptedTable {
    return mapCiphertexts(this, (ct) => this.arith.negate(ct));
  }

  /** this² elementwise. */
  square(): EncryptedTable {
    return mapCiphertexts(this, (ct) => this.arith.mul(ct, ct)).withBound(
      this.bound * this.bound,
      'square',
    );
  }

  // ---------------------------------------------------------------- reductions (reductions.ts)

  /**
   * Sum of all cells (no axis: a 1×1 table), of each column (axis 0: 1 × cols) or of each row
   * (axis 1: rows × 1). Uses rotations by powers of two.
   */
  sum(axis?: 0 | 1): EncryptedTable {
    const n = reductions.reducedCount(this, axis);
    return reductions.sum(this, axis).withBound(this.bound * n, 'sum');
  }

  /**
   * Mean of all cells, of each column (axis 0) or of each row (axis 1). When the intermediate sum
   * would not fit, the cells are divided by the count first (one level).
   */
  mean(axis?: 0 | 1): EncryptedTable {
    return reductions.mean(this, axis);
  }

  /** Dot product with a vector of the same shape (plain or encrypted): a 1×1 table. */
  dot(other: Operand): EncryptedTable {
    return reductions.dot(this, other);
  }

  // ---------------------------------------------------------------- matrix products (matmul.ts)

  /**
   * Matrix product this · x:
   * - x plain vector (length cols) or plain matrix (cols × k): encrypted × plain;
   * - x encrypted vector (cols × 1): supported for X.t().matmul(v) (X^T·v) and X.matmul(w) when
   *   w came from a reduction over X (e.g. w = X.t().matmul(r)).
   * For plain matrix × encrypted vector, see {@link EncryptedTable.leftMatmul} / `matmulPlain`.
   */
  matmul(x: readonly number[] | readonly (readonly number[])[] | EncryptedTable): EncryptedTable {
    this.assertLive();
    if (x instanceof EncryptedTable) {
      return matmul.matmulEnc(this, x).withBound(this.bound * x.bound * this.cols, 'matmul');
    }
    return matmul.matmulPlainRight(this, x);
  }

  /** Plain matrix × this encrypted vector (M: m × n, this: n × 1): an m × 1 table. */
  leftMatmul(matrix: readonly (readonly number[])[]): EncryptedTable {
    const rowNorm = Math.max(0, ...matrix.map((r) => r.reduce((n, v) => n + Math.abs(v), 0)));
    return matmul.leftMatmul(this, matrix).withBound(this.bound * rowNorm, 'leftMatmul');
  }

  // ---------------------------------------------------------------- polynomials (polynomial.ts)

  /**
   * Evaluates c0 + c1·x + c2·x² + ... elementwise (ascending coefficients) with the minimal
   * depth ceil(log2(degree)): powers by repeated squaring, coefficients as free scalar products.
   */
  polyval(coefficients: readonly number[]): EncryptedTable {
    return polynomial.polyval(this, coefficients);
  }

  /**
   * Sigmoid approximation, elementwise. Default: the thesis's 0.5 + 0.197x − 0.004x³ (accurate on
   * about [−5, 5]; depth 2). Pass other ascending coefficients for another approximation.
   */
  sigmoid(coefficients: readonly number[] = SIGMOID_THESIS): EncryptedTable {
    return this.polyval(coefficients);
  }

  /** Polynomial approximation of |x| on [−range, range] (see absApproximation). */
  approxAbs(range: number, degree = 8): EncryptedTable {
    return polynomial.approxAbs(this, range, degree);
  }

  /**
   * Smooth approximation of max(this, other) elementwise: (a + b + |a − b|) / 2 with a polynomial
   * |·| fitted on [−range, range], where range bounds |a − b|. Error up to the fit's maxError / 2.
   */
  approxMax(other: Operand, range: number, degree = 8): EncryptedTable {
    return polynomial.approxExtremum(this, other, range, degree, 'max');
  }

  /** Smooth approximation of min(this, other): (a + b − |a − b|) / 2. */
  approxMin(other: Operand, range: number, degree = 8): EncryptedTable {
    return polynomial.approxExtremum(this, other, range, degree, 'min');
  }

  /** Evaluates a fitted approximation (e.g. from chebyshevFit). */
  approximate(approximation: Approximation): EncryptedTable {
    return this.polyval(approximation.coefficients);
  }
}
