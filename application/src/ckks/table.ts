/**
 * EncryptedTable: an array-like encrypted matrix. All CKKS bookkeeping (slot layout, levels,
 * scales, relinearisation, rescaling, rotations) is hidden; operations either work or throw a
 * {@link CkksError} saying why and what to do instead.
 *
 * Tables are immutable: every operation returns a new table. Each table owns SEAL memory: call
 * `dispose()` (or use `using`, or run code inside {@link tidy}) when done. A FinalizationRegistry
 * frees forgotten tables eventually, but garbage collection does not see WASM memory pressure.
 */
import type { Ciphertext } from 'node-seal';
import { absApproximation, SIGMOID_THESIS, type Approximation } from './approx.js';
import { Arith } from './arith.js';
import type { CkksContext } from './context.js';
import { CkksError, requireArg } from './errors.js';
import type { EvaluationKeys } from './keys.js';
import { cellVectors, nextPow2, segmentCount, type Layout, type Segment } from './layout.js';
import type { Preset } from './presets.js';
import { free } from './seal.js';

/** A plain operand: scalar, vector (broadcast along rows, or a column for 1-column tables), matrix. */
export type PlainOperand = number | readonly number[] | readonly (readonly number[])[];
/** Anything a table can be combined with. */
export type Operand = PlainOperand | EncryptedTable;

type BinOp = 'add' | 'sub' | 'mul';

const ariths = new WeakMap<EvaluationKeys, Arith>();
/** @internal The shared arithmetic helper of a key set. */
export function arithFor(keys: EvaluationKeys): Arith {
  let a = ariths.get(keys);
  if (!a) {
    a = new Arith(keys);
    ariths.set(keys, a);
  }
  return a;
}

const registry = new FinalizationRegistry<Ciphertext[]>((cts) => {
  for (const ct of cts) if (!ct.isDeleted()) ct.delete();
});

const scopes: Set<EncryptedTable>[] = [];

function collect(value: unknown, into: Set<EncryptedTable>, depth = 0): void {
  if (value instanceof EncryptedTable) into.add(value);
  else if (depth < 3 && Array.isArray(value)) for (const v of value) collect(v, into, depth + 1);
  else if (depth < 3 && value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) collect(v, into, depth + 1);
  }
}

/**
 * Runs `fn` and disposes every table created during it except the ones it returns (directly, in
 * an array, or as values of a plain object). Like tf.tidy: keeps intermediate results from
 * piling up in WASM memory.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<EncryptedTable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  const keep = new Set<EncryptedTable>();
  collect(result, keep);
  for (const t of scope) if (!keep.has(t)) t.dispose();
  const outer = scopes[scopes.length - 1];
  if (outer) for (const t of keep) outer.add(t);
  return result;
}

function refuse(op: string, instead: string): never {
  throw new CkksError(
    'UNSUPPORTED_OPERATION',
    `${op} is refused on encrypted data. CKKS has no exact comparison: values are approximate ` +
      `and a buyer who could decrypt comparison results could binary-search the seller's ` +
      `plaintext one bit per query. Instead: ${instead}`,
  );
}

function checkFinite(x: number, what: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new CkksError('INVALID_ARGUMENT', `${what} must be a finite number, got ${String(x)}`);
  }
  return x;
}

/** Turns a plain operand into a function of *logical* (i, j), checking its shape. */
function plainFunction(
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
  if (x.length > 0 && Array.isArray(x[0])) {
    const m = x as readonly (readonly number[])[];
    const r = m.length;
    const c = m[0]?.length ?? 0;
    for (const row of m) {
      if (!Array.isArray(row) || row.length !== c) {
        throw new CkksError('SHAPE_MISMATCH', 'plain matrix rows must all have the same length');
      }
      for (const v of row) checkFinite(v, 'matrix entry');
    }
    if (r === rows && c === cols) return (i, j) => (m[i] as number[])[j] as number;
    if (r === 1 && c === cols) return (_i, j) => (m[0] as number[])[j] as number;
    if (r === rows && c === 1) return (i) => (m[i] as number[])[0] as number;
    throw new CkksError(
      'SHAPE_MISMATCH',
      `plain matrix ${r}×${c} does not fit a ${rows}×${cols} table`,
    );
  }
  const v = x as readonly number[];
  for (const e of v) checkFinite(e, 'vector entry');
  if (v.length === cols) return (_i, j) => v[j] as number;
  if (cols === 1 && v.length === rows) return (i) => v[i] as number;
  throw new CkksError(
    'SHAPE_MISMATCH',
    `plain vector of length ${v.length} does not fit a ${rows}×${cols} table (expected ${cols}` +
      (cols === 1 ? ` or ${rows}` : '') +
      ')',
  );
}

interface LayoutPatch {
  rows?: number;
  cols?: number;
  stride?: number;
  segRows?: number;
  place?: readonly (readonly Segment[])[];
  ctCount?: number;
  padClean?: boolean;
  foreignClean?: boolean;
  replicated?: boolean;
}

/** An encrypted rows × cols matrix of real numbers. */
export class EncryptedTable {
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

  /** @internal Use encryptTable / loadBundle; operations create tables themselves. */
  constructor(
    keys: EvaluationKeys,
    cts: Ciphertext[],
    layout: Layout,
    transposed: boolean,
    columnNames: readonly string[],
    seeded?: readonly Uint8Array[],
  ) {
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
    registry.register(this, [...cts], this);
    scopes[scopes.length - 1]?.add(this);
  }

  // ---------------------------------------------------------------- metadata

  /** @internal */
  get arith(): Arith {
    return arithFor(this.keys);
  }

  private get ctx(): CkksContext {
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

  /** Multiplicative levels already used. */
  get level(): number {
    this.assertLive();
    return this.arith.level(this.cts[0] as Ciphertext);
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

  private assertLive(): void {
    if (this.disposed) throw new CkksError('DISPOSED', 'this encrypted table was disposed');
    this.keys.assertLive();
  }

  /** Frees the table's SEAL memory. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    registry.unregister(this);
    free(...this.cts);
    for (const s of scopes) s.delete(this);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---------------------------------------------------------------- construction helpers

  private make(
    cts: Ciphertext[],
    patch: LayoutPatch,
    transposed = this.transposed,
    names = this.columnNames,
  ): EncryptedTable {
    const layout: Layout = { ...this.layout, ...patch, ctCount: patch.ctCount ?? cts.length };
    return new EncryptedTable(this.keys, cts, layout, transposed, names);
  }

  /** A view sharing ciphertexts (reference-counted handles) with a new placement. */
  private view(
    place: readonly (readonly Segment[])[],
    patch: LayoutPatch,
    names: readonly string[],
    transposed = this.transposed,
  ): EncryptedTable {
    const used = [...new Set(place.flat().map((s) => s.ct))].sort((a, b) => a - b);
    const remap = new Map(used.map((ct, i) => [ct, i]));
    const cts = used.map((i) => (this.cts[i] as Ciphertext).clone());
    const newPlace = place.map((col) =>
      col.map((s) => ({ ct: remap.get(s.ct) as number, offset: s.offset })),
    );
    return this.make(cts, { ...patch, place: newPlace, ctCount: cts.length }, transposed, names);
  }

  /** Runs `fn` on every ciphertext, building a table with the same placement. */
  private mapCts(
    fn: (ct: Ciphertext, index: number) => Ciphertext,
    patch: LayoutPatch = {},
  ): EncryptedTable {
    this.assertLive();
    const out: Ciphertext[] = [];
    try {
      this.cts.forEach((ct, i) => out.push(fn(ct, i)));
    } catch (e) {
      free(...out);
      throw e;
    }
    return this.make(out, patch);
  }

  /** Plain slot vectors for a logical-coordinate function. */
  private plainVectors(value: (i: number, j: number) => number): Float64Array[] {
    const phys = this.transposed ? (i: number, j: number) => value(j, i) : value;
    return cellVectors(this.layout, phys);
  }

  private sameKeys(other: EncryptedTable): void {
    other.assertLive();
    if (other.keys.preset.name !== this.keys.preset.name) {
      throw new CkksError(
        'PRESET_MISMATCH',
        `cannot combine tables of presets ${this.keys.preset.name} and ${other.keys.preset.name}`,
      );
    }
    if (other.keys.keyId !== this.keys.keyId) {
      throw new CkksError('KEY_MISMATCH', 'cannot combine tables encrypted under different keys');
    }
  }

  // ---------------------------------------------------------------- views

  private physCols(js: readonly number[]): EncryptedTable {
    const L = this.layout;
    for (const j of js) {
      requireArg(
        Number.isInteger(j) && j >= 0 && j < L.cols,
        `column ${j} is out of range 0..${L.cols - 1}`,
      );
    }
    const chosen = new Set(js);
    const usedCts = new Set(js.flatMap((j) => (L.place[j] as Segment[]).map((s) => s.ct)));
    let alone = true;
    L.place.forEach((col, j) => {
      if (!chosen.has(j) && col.some((s) => usedCts.has(s.ct))) alone = false;
    });
    return this.view(
      js.map((j) => L.place[j] as Segment[]),
      { cols: js.length, foreignClean: L.foreignClean && alone },
      js.map((j) => this.columnNames[j] ?? `c${j}`),
    );
  }

  private physRow(i: number): EncryptedTable {
    const L = this.layout;
    requireArg(
      Number.isInteger(i) && i >= 0 && i < L.rows,
      `row ${i} is out of range 0..${L.rows - 1}`,
    );
    const s = Math.floor(i / L.segRows);
    const r = i - s * L.segRows;
    const place = L.place.map((col) => {
      const seg = col[s] as Segment;
      return [{ ct: seg.ct, offset: seg.offset + r }];
    });
    const onlyRow = L.rows === 1;
    return this.view(
      place,
      {
        rows: 1,
        stride: 1,
        segRows: 1,
        padClean: true,
        foreignClean: onlyRow && L.foreignClean,
        replicated: false,
      },
      this.columnNames,
    );
  }

  private columnIndex(c: number | string): number {
    if (typeof c === 'number') return c;
    if (this.transposed) {
      throw new CkksError('INVALID_ARGUMENT', 'a transposed table has no column names');
    }
    const j = this.columnNames.indexOf(c);
    if (j < 0) throw new CkksError('INVALID_ARGUMENT', `no column named '${c}'`);
    return j;
  }

  /** Row i as a 1 × cols table (a view: no computation). */
  row(i: number): EncryptedTable {
    this.assertLive();
    return this.transposed ? this.physCols([i]) : this.physRow(i);
  }

  /** Column j (index or name) as a rows × 1 table (a view: no computation). */
  col(j: number | string): EncryptedTable {
    this.assertLive();
    const idx = this.columnIndex(j);
    return this.transposed ? this.physRow(idx) : this.physCols([idx]);
  }

  /** Alias of {@link col}. */
  column(j: number | string): EncryptedTable {
    return this.col(j);
  }

  /** Cell (i, j) as a 1 × 1 table (a view). */
  cell(i: number, j: number | string): EncryptedTable {
    this.assertLive();
    const r = this.row(i);
    try {
      return r.col(typeof j === 'string' ? this.columnIndex(j) : j);
    } finally {
      r.dispose();
    }
  }

  /** Several columns (indices or names) as a rows × k table (a view). */
  select(columns: readonly (number | string)[]): EncryptedTable {
    this.assertLive();
    requireArg(columns.length > 0, 'select needs at least one column');
    if (this.transposed) {
      if (columns.length === 1) return this.col(columns[0] as number | string);
      throw new CkksError(
        'LAYOUT_UNSUPPORTED',
        'selecting several columns of a transposed table would need a physical transpose; ' +
          'select on the untransposed table, then transpose',
      );
    }
    return this.physCols(columns.map((c) => this.columnIndex(c)));
  }

  /** Logical transpose (free: only the interpretation of the layout changes). */
  transpose(): EncryptedTable {
    this.assertLive();
    return this.view(this.layout.place, {}, this.columnNames, !this.transposed);
  }

  /** Alias of {@link transpose} (the thesis's t()). */
  t(): EncryptedTable {
    return this.transpose();
  }

  /**
   * Drops to the last level: no multiplication is possible afterwards, but rotations (sums) get
   * cheaper and serialized results smaller. Use before a final reduction.
   */
  finalize(): EncryptedTable {
    return this.mapCts((ct) => this.arith.lowest(ct));
  }

  // ---------------------------------------------------------------- elementwise arithmetic

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
    const n = this.neg();
    try {
      return n.add(x);
    } finally {
      n.dispose();
    }
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
      return this.mul(1 / x);
    }
    const f = plainFunction(x, this.rows, this.cols);
    return this.mulPlainFn((i, j) => {
      const v = f(i, j);
      if (v === 0) throw new CkksError('INVALID_ARGUMENT', `division by zero at (${i}, ${j})`);
      return 1 / v;
    });
  }

  /** −this (free). */
  neg(): EncryptedTable {
    return this.mapCts((ct) => this.arith.negate(ct));
  }

  /** this² elementwise. */
  square(): EncryptedTable {
    return this.mapCts((ct) => this.arith.mul(ct, ct));
  }

  private mulPlainFn(f: (i: number, j: number) => number): EncryptedTable {
    const vecs = this.plainVectors(f);
    return this.mapCts((ct, k) => this.arith.mulPlain(ct, vecs[k] as Float64Array), {
      padClean: true,
      foreignClean: true,
    });
  }

  private binary(x: Operand, op: BinOp): EncryptedTable {
    this.assertLive();
    if (x instanceof EncryptedTable) return this.encBinary(x, op);
    if (typeof x === 'number' && op === 'mul') {
      checkFinite(x, 'scalar');
      return this.mapCts((ct) => this.arith.mulScalar(ct, x));
    }
    const f = plainFunction(x, this.rows, this.cols);
    if (op === 'mul') return this.mulPlainFn(f);
    const vecs = this.plainVectors(f);
    return this.mapCts((ct, k) => this.arith.addPlain(ct, vecs[k] as Float64Array, op === 'sub'));
  }

  /** True if this single-column table can be replicated over all blocks of its ciphertext. */
  private replicable(): boolean {
    const L = this.layout;
    return L.cols === 1 && segmentCount(L) === 1 && !L.replicated && L.stride < L.slots;
  }

  /** Copies a single column into every block of its ciphertext (a free broadcast later). */
  private replicate(): EncryptedTable {
    const src = this.layout.foreignClean ? this : this.maskCells();
    try {
      const L = src.layout;
      const seg = (L.place[0] as Segment[])[0] as Segment;
      return src.mapCts((ct) => src.arith.rotateSum(ct, L.stride, L.slots), {
        replicated: true,
        foreignClean: false,
        place: [[{ ct: seg.ct, offset: seg.offset % L.stride }]],
      });
    } finally {
      if (src !== this) src.dispose();
    }
  }

  /** Multiplies by 1 on the cells and 0 elsewhere: clean padding, one level. */
  private maskCells(): EncryptedTable {
    return this.mulPlainFn(() => 1);
  }

  /**
   * Broadcasts a 1 × c (physical) table down runs of `stride` slots: each cell value fills
   * [offset, offset + nextPow2(rows)). Needs right rotations (negative Galois steps) and a level.
   */
  private expandRows(rows: number, stride: number): EncryptedTable {
    const L = this.layout;
    const byCt = new Map<number, number[]>();
    L.place.forEach((col) => {
      const s = col[0] as Segment;
      byCt.set(s.ct, [...(byCt.get(s.ct) ?? []), s.offset]);
    });
    for (const list of byCt.values()) {
      list.sort((a, b) => a - b);
      for (let k = 0; k < list.length; k++) {
        const o = list[k] as number;
        const next = list[k + 1];
        if (o + stride > L.slots || (next !== undefined && next < o + stride)) {
          throw new CkksError(
            'LAYOUT_UNSUPPORTED',
            'cannot broadcast this row: its cells are closer together than the target column ' +
              'runs. Use a row produced by a reduction over the same table (e.g. X.t().matmul(r)).',
          );
        }
      }
    }
    const width = nextPow2(rows);
    const masked = this.maskCells();
    try {
      return masked.mapCts(
        (ct) => {
          let acc = ct.copy();
          try {
            for (let k = 1; k < width; k *= 2) {
              const r = masked.arith.rotate(acc, -k);
              const next = masked.arith.accumulate(acc, r);
              r.delete();
              acc = next;
            }
            return acc;
          } catch (e) {
            acc.delete();
            throw e;
          }
        },
        {
          rows,
          stride,
          segRows: rows,
          padClean: rows === width,
          foreignClean: true,
          replicated: false,
        },
      );
    } finally {
      masked.dispose();
    }
  }

  private encBinary(other: EncryptedTable, op: BinOp): EncryptedTable {
    this.sameKeys(other);
    let B: EncryptedTable = other;
    const temps: EncryptedTable[] = [];
    try {
      if (this.transposed !== B.transposed) {
        if (B.size === 1 || (B.layout.rows === 1 && B.layout.cols === 1)) {
          B = B.transpose();
          temps.push(B);
        } else if (this.size === 1) {
          const flipped = this.transpose();
          try {
            const r = flipped.encBinary(other, op);
            try {
              return r.transpose();
            } finally {
              r.dispose();
            }
          } finally {
            flipped.dispose();
          }
        } else {
          throw new CkksError(
            'LAYOUT_UNSUPPORTED',
            'cannot combine a transposed view with an untransposed table elementwise: that needs ' +
              'a physical transpose. Combine tables of the same orientation.',
          );
        }
      }
      const A = this.layout;
      const [ra, ca] = [A.rows, A.cols];
      const cb = B.layout.cols;
      let rb = B.layout.rows;
      const thisIsBroadcast =
        (ra === 1 && rb > 1 && ca === cb) ||
        (ca === 1 && cb > 1 && ra === rb) ||
        (ra === 1 && ca === 1 && rb * cb > 1);
      if (thisIsBroadcast) {
        // The broadcast operand is `this`: swap (x − y = −(y − x)).
        const r = B.encBinary(this, op);
        if (op !== 'sub') return r;
        try {
          return r.neg();
        } finally {
          r.dispose();
        }
      }
      if (rb === 1 && ra > 1 && (cb === ca || cb === 1)) {
        if (ra > A.slots) {
          throw new CkksError(
            'LAYOUT_UNSUPPORTED',
            'cannot broadcast a row over more rows than slots',
          );
        }
        B = B.expandRows(ra, A.stride);
        temps.push(B);
        rb = ra;
      }
      let colOf: (j: number) => number;
      if (rb === ra && cb === ca) colOf = (j) => j;
      else if (rb === ra && cb === 1) colOf = () => 0;
      else {
        throw new CkksError(
          'SHAPE_MISMATCH',
          `cannot combine ${this.rows}×${this.cols} with ${other.rows}×${other.cols}`,
        );
      }
      // Replicate a single column over its ciphertext's blocks so that broadcasting is free:
      // always when it costs no level (clean foreign slots) or no extra depth; for a broadcast
      // over several columns also when it costs depth (else every column needs its own rotation).
      if (B.replicable() && (A.replicated || ca > 1) && B.layout.rows === ra) {
        const needsMask = !B.layout.foreignClean;
        const after = Math.max(this.level, B.level + 1) + (op === 'mul' ? 1 : 0);
        const fits = after <= this.ctx.depth;
        if (!needsMask || B.level + 1 <= this.level || (ca > 1 && fits)) {
          const rep = B.replicate();
          B = rep;
          temps.push(rep);
        }
      }
      if (
        this.replicable() &&
        B.layout.replicated &&
        cb === 1 &&
        ca === 1 &&
        (this.layout.foreignClean || this.level + 1 <= B.level)
      ) {
        const rep = this.replicate();
        try {
          return rep.encBinary(B, op);
        } finally {
          rep.dispose();
        }
      }
      return this.pairwise(B, op, colOf);
    } finally {
      for (const t of temps) t.dispose();
    }
  }

  /** Combines matching cells of this and B (B column = colOf(this column)), rotating B as needed. */
  private pairwise(B: EncryptedTable, op: BinOp, colOf: (j: number) => number): EncryptedTable {
    const A = this.layout;
    const Bl = B.layout;
    const segs = segmentCount(A);
    const keys = new Map<string, { a: number; b: number; shift: number; index: number }>();
    const place: Segment[][] = [];
    let allAligned = true;
    let sameStructure = Bl.ctCount === A.ctCount && Bl.cols === A.cols && !Bl.replicated;
    for (let j = 0; j < A.cols; j++) {
      const col: Segment[] = [];
      for (let s = 0; s < segs; s++) {
        const sa = (A.place[j] as Segment[])[s] as Segment;
        const sb = (Bl.place[colOf(j)] as Segment[])[s] as Segment;
        let shift = sb.offset - sa.offset;
        if (Bl.replicated && shift % Bl.stride === 0) shift = 0;
        if (shift !== 0) allAligned = false;
        if (sb.ct !== sa.ct || sb.offset !== sa.offset || colOf(j) !== j) sameStructure = false;
        const key = `${sa.ct}:${sb.ct}:${shift}`;
        let entry = keys.get(key);
        if (!entry) {
          entry = { a: sa.ct, b: sb.ct, shift, index: keys.size };
          keys.set(key, entry);
        }
        col.push({ ct: entry.index, offset: sa.offset });
      }
      place.push(col);
    }
    const bPadOk = Bl.padClean && (Bl.stride >= A.stride || Bl.rows === A.rows);
    const padClean = op === 'mul' ? A.padClean || bPadOk : A.padClean && bPadOk;
    const foreignClean =
      op === 'mul'
        ? A.foreignClean || (Bl.foreignClean && allAligned && sameStructure)
        : A.foreignClean && Bl.foreignClean && allAligned && sameStructure;
    const replicated = A.replicated && Bl.replicated && allAligned;
    const a = this.arith;
    const rotated = new Map<string, Ciphertext>();
    const out: Ciphertext[] = [];
    const bCts = B.ciphertexts();
    try {
      for (const e of keys.values()) {
        const rkey = `${e.b}:${e.shift}`;
        let bct = rotated.get(rkey);
        if (!bct) {
          const src = bCts[e.b] as Ciphertext;
          bct = e.shift === 0 ? src.clone() : a.rotate(src, e.shift);
          rotated.set(rkey, bct);
        }
        const act = this.cts[e.a] as Ciphertext;
        out.push(op === 'add' ? a.add(act, bct) : op === 'sub' ? a.sub(act, bct) : a.mul(act, bct));
      }
    } catch (e) {
      free(...out);
      throw e;
    } finally {
      free(...rotated.values());
    }
    return this.make(out, { place, padClean, foreignClean, replicated, ctCount: out.length });
  }

  // ---------------------------------------------------------------- reductions

  /** Sums down each physical column: a 1 × cols (physical) table. */
  private physSum0(): EncryptedTable {
    const L = this.layout;
    if (L.rows === 1) return this.view(L.place, {}, this.columnNames);
    const src = L.padClean ? this : this.maskCells();
    try {
      const a = src.arith;
      const S = src.layout;
      const segs = segmentCount(S);
      if (segs > 1) {
        const cts = src.ciphertexts();
        const out: Ciphertext[] = [];
        try {
          for (let j = 0; j < S.cols; j++) {
            let acc: Ciphertext | undefined;
            for (let s = 0; s < segs; s++) {
              acc = a.accumulate(
                acc,
                cts[((S.place[j] as Segment[])[s] as Segment).ct] as Ciphertext,
              );
            }
            const summed = a.rotateSum(acc as Ciphertext, 1, S.slots);
            (acc as Ciphertext).delete();
            out.push(summed);
          }
        } catch (e) {
          free(...out);
          throw e;
        }
        return src.make(out, {
          rows: 1,
          stride: 1,
          segRows: 1,
          place: S.place.map((_c, j) => [{ ct: j, offset: 0 }]),
          padClean: true,
          foreignClean: false,
          replicated: true,
        });
      }
      const width = nextPow2(S.rows);
      return src.mapCts((ct) => a.rotateSum(ct, 1, width), {
        rows: 1,
        segRows: 1,
        stride: S.replicated ? S.stride : 1,
        padClean: !S.replicated || width === 1,
        foreignClean: false,
        replicated: S.replicated,
      });
    } finally {
      if (src !== this) src.dispose();
    }
  }

  /** Sums across each physical row: a rows × 1 (physical) table. */
  private physSum1(): EncryptedTable {
    const L = this.layout;
    if (L.cols === 1) return this.view(L.place, {}, ['sum']);
    const a = this.arith;
    const segs = segmentCount(L);
    const out: Ciphertext[] = [];
    try {
      if (segs > 1) {
        for (let s = 0; s < segs; s++) {
          let acc: Ciphertext | undefined;
          for (let j = 0; j < L.cols; j++) {
            acc = a.accumulate(
              acc,
              this.cts[((L.place[j] as Segment[])[s] as Segment).ct] as Ciphertext,
            );
          }
          out.push(acc as Ciphertext);
        }
        return this.make(
          out,
          {
            cols: 1,
            place: [Array.from({ length: segs }, (_, s) => ({ ct: s, offset: 0 }))],
            foreignClean: true,
            replicated: false,
          },
          this.transposed,
          ['sum'],
        );
      }
      const first = (L.place[0] as Segment[])[0] as Segment;
      const blockAligned = L.place.every((c) => (c[0] as Segment).offset % L.stride === 0);
      if (!L.replicated && L.foreignClean && L.padClean && blockAligned) {
        // All-reduce: add the ciphertexts, then rotate-and-add across blocks. Every block ends up
        // holding the row sums, so the result is replicated (free broadcasting later).
        let acc: Ciphertext | undefined;
        for (const ct of this.cts) acc = a.accumulate(acc, ct);
        const reduced = a.rotateSum(acc as Ciphertext, L.stride, L.slots);
        (acc as Ciphertext).delete();
        out.push(reduced);
        return this.make(
          out,
          {
            cols: 1,
            place: [[{ ct: 0, offset: 0 }]],
            replicated: L.stride < L.slots,
            foreignClean: L.stride >= L.slots,
          },
          this.transposed,
          ['sum'],
        );
      }
      // Gather: rotate each column onto the first column's offset and add.
      const mod = L.replicated ? L.stride : L.slots;
      const groups = new Map<number, Set<number>>();
      for (const col of L.place) {
        const s = col[0] as Segment;
        const shift = (((s.offset - first.offset) % mod) + mod) % mod;
        const set = groups.get(shift) ?? new Set<number>();
        set.add(s.ct);
        groups.set(shift, set);
      }
      let acc: Ciphertext | undefined;
      try {
        for (const [shift, set] of groups) {
          let g: Ciphertext | undefined;
          for (const ct of set) g = a.accumulate(g, this.cts[ct] as Ciphertext);
          const r = a.rotate(g as Ciphertext, shift);
          (g as Ciphertext).delete();
          const next = a.accumulate(acc, r);
          if (next !== acc && acc) acc.delete();
          r.delete();
          acc = next;
        }
      } catch (e) {
        free(acc);
        throw e;
      }
      out.push(acc as Ciphertext);
      return this.make(
        out,
        {
          cols: 1,
          place: [[{ ct: 0, offset: first.offset }]],
          foreignClean: false,
          replicated: L.replicated,
        },
        this.transposed,
        ['sum'],
      );
    } catch (e) {
      free(...out);
      throw e;
    }
  }

  /**
   * Sum of all cells (no axis: a 1×1 table), of each column (axis 0: 1 × cols) or of each row
   * (axis 1: rows × 1). Uses rotations by powers of two.
   */
  sum(axis?: 0 | 1): EncryptedTable {
    this.assertLive();
    requireArg(axis === undefined || axis === 0 || axis === 1, 'axis must be 0, 1 or omitted');
    if (axis === undefined) {
      const r = this.physSum1();
      try {
        return r.physSum0();
      } finally {
        r.dispose();
      }
    }
    const physAxis = this.transposed ? 1 - axis : axis;
    return physAxis === 0 ? this.physSum0() : this.physSum1();
  }

  /** Mean of all cells, of each column (axis 0) or of each row (axis 1). */
  mean(axis?: 0 | 1): EncryptedTable {
    const count = axis === undefined ? this.rows * this.cols : axis === 0 ? this.rows : this.cols;
    const s = this.sum(axis);
    try {
      return s.mul(1 / count);
    } finally {
      s.dispose();
    }
  }

  /** Dot product with a vector of the same shape (plain or encrypted): a 1×1 table. */
  dot(other: Operand): EncryptedTable {
    this.assertLive();
    if (this.rows !== 1 && this.cols !== 1) {
      throw new CkksError('SHAPE_MISMATCH', 'dot() is for vectors; use matmul() for matrices');
    }
    const p = this.mul(other);
    try {
      return p.sum();
    } finally {
      p.dispose();
    }
  }

  /**
   * Matrix product this · x:
   * - x plain vector (length cols) or plain matrix (cols × k): encrypted × plain;
   * - x encrypted vector (cols × 1): supported for X.t().matmul(v) (X^T·v) and X.matmul(w) when
   *   w came from a reduction over X (e.g. w = X.t().matmul(r)).
   * For plain matrix × encrypted vector, see {@link EncryptedTable.leftMatmul} / `matmulPlain`.
   */
  matmul(x: readonly number[] | readonly (readonly number[])[] | EncryptedTable): EncryptedTable {
    this.assertLive();
    if (x instanceof EncryptedTable) return this.matmulEnc(x);
    const k = this.cols;
    const isMatrix = x.length > 0 && Array.isArray(x[0]);
    const m: number[][] = isMatrix
      ? (x as number[][]).map((r) => [...r])
      : (x as number[]).map((v) => [v]);
    if (m.length !== k) {
      throw new CkksError(
        'SHAPE_MISMATCH',
        `matmul: ${this.rows}×${k} · ${m.length}×… does not fit`,
      );
    }
    const p = m[0]?.length ?? 0;
    for (const row of m) {
      if (row.length !== p)
        throw new CkksError('SHAPE_MISMATCH', 'plain matrix rows differ in length');
      for (const v of row) checkFinite(v, 'matrix entry');
    }
    if (p === 1) return this.matvecPlain(m.map((r) => r[0] as number));
    if (this.transposed) {
      throw new CkksError(
        'LAYOUT_UNSUPPORTED',
        'transposed table × plain matrix: compute one column at a time (matmul with a vector)',
      );
    }
    const parts: EncryptedTable[] = [];
    try {
      for (let q = 0; q < p; q++) parts.push(this.matvecPlain(m.map((r) => r[q] as number)));
      return concatColumns(parts);
    } finally {
      for (const t of parts) t.dispose();
    }
  }

  private matvecPlain(w: readonly number[]): EncryptedTable {
    // Logical (rows × k)·w. Untransposed: scale column j by w[j], sum across columns.
    // Transposed (physical k × rows): scale physical row j by w[j], sum down columns.
    const prod = this.mulPlainFn((_i, j) => w[j] as number);
    try {
      return prod.sum(1);
    } finally {
      prod.dispose();
    }
  }

  private matmulEnc(v: EncryptedTable): EncryptedTable {
    this.sameKeys(v);
    if (v.cols !== 1 || v.rows !== this.cols) {
      throw new CkksError(
        'SHAPE_MISMATCH',
        `matmul: ${this.rows}×${this.cols} · ${v.rows}×${v.cols}: expected a ${this.cols}×1 vector`,
      );
    }
    if (this.transposed && !v.transposed) {
      // (P^T)·v with P physical n×d and v physical n×1: scale each physical column by v, sum rows.
      const physical = this.transpose();
      try {
        const prod = physical.encBinary(v, 'mul');
        try {
          const s = prod.physSum0();
          try {
            return s.transpose();
          } finally {
            s.dispose();
          }
        } finally {
          prod.dispose();
        }
      } finally {
        physical.dispose();
      }
    }
    if (!this.transposed && v.transposed) {
      // X·w with w physical 1×d: broadcast w down X's column runs, multiply, sum across columns.
      const row = v.transpose();
      try {
        const prod = this.encBinary(row, 'mul');
        try {
          return prod.physSum1();
        } finally {
          prod.dispose();
        }
      } finally {
        row.dispose();
      }
    }
    throw new CkksError(
      'LAYOUT_UNSUPPORTED',
      'matmul with this encrypted vector needs a physical re-layout. Supported: X.t().matmul(v) ' +
        'for a column v, and X.matmul(w) when w comes from a reduction over X (e.g. X.t().matmul(r)).',
    );
  }

  /** Plain matrix × this encrypted vector (M: m × n, this: n × 1): an m × 1 table. */
  leftMatmul(matrix: readonly (readonly number[])[]): EncryptedTable {
    this.assertLive();
    const n = this.rows;
    if (this.cols !== 1) throw new CkksError('SHAPE_MISMATCH', 'leftMatmul needs an n × 1 vector');
    const m = matrix.length;
    requireArg(m > 0, 'matrix needs at least one row');
    for (const row of matrix) {
      if (row.length !== n) {
        throw new CkksError('SHAPE_MISMATCH', `matrix rows must have length ${n}`);
      }
      for (const v of row) checkFinite(v, 'matrix entry');
    }
    if (this.transposed) {
      throw new CkksError(
        'LAYOUT_UNSUPPORTED',
        'leftMatmul needs the vector as a physical column (not a transposed row)',
      );
    }
    const L = this.layout;
    if (segmentCount(L) > 1) {
      // Long vector: one output per ciphertext group, summed over all slots.
      const outs: EncryptedTable[] = [];
      try {
        for (let i = 0; i < m; i++) {
          const row = matrix[i] as readonly number[];
          const prod = this.mulPlainFn((r) => row[r] as number);
          try {
            const rowSums = prod.physSum1();
            try {
              outs.push(rowSums.physSum0());
            } finally {
              rowSums.dispose();
            }
          } finally {
            prod.dispose();
          }
        }
        return stackRows(outs);
      } finally {
        for (const t of outs) t.dispose();
      }
    }
    const rep = L.replicated || L.stride === L.slots ? this : this.replicate();
    try {
      const R = rep.layout;
      const blocks = R.slots / R.stride;
      const base = ((R.place[0] as Segment[])[0] as Segment).offset % R.stride;
      const a = rep.arith;
      const width = nextPow2(n);
      const src = rep.ciphertexts()[0] as Ciphertext;
      const out: Ciphertext[] = [];
      const place: Segment[][] = [];
      try {
        for (let g = 0; g * blocks < m; g++) {
          const vec = new Float64Array(R.slots);
          for (let b = 0; b < blocks && g * blocks + b < m; b++) {
            const row = matrix[g * blocks + b] as readonly number[];
            for (let r = 0; r < n; r++) vec[base + b * R.stride + r] = row[r] as number;
            place.push([{ ct: g, offset: base + b * R.stride }]);
          }
          const prod = a.mulPlain(src, vec);
          try {
            out.push(a.rotateSum(prod, 1, width));
          } finally {
            prod.delete();
          }
        }
      } catch (e) {
        free(...out);
        throw e;
      }
      // Physical 1 × m row, presented as m × 1.
      return new EncryptedTable(
        this.keys,
        out,
        {
          rows: 1,
          cols: m,
          slots: R.slots,
          stride: 1,
          segRows: 1,
          place,
          ctCount: out.length,
          padClean: true,
          foreignClean: false,
          replicated: false,
        },
        true,
        Array.from({ length: m }, (_, i) => `r${i}`),
      );
    } finally {
      if (rep !== this) rep.dispose();
    }
  }

  // ---------------------------------------------------------------- polynomials

  /**
   * Evaluates c0 + c1·x + c2·x² + ... elementwise (ascending coefficients) with the minimal
   * depth ceil(log2(degree)): powers by repeated squaring, coefficients as free scalar products.
   */
  polyval(coefficients: readonly number[]): EncryptedTable {
    this.assertLive();
    requireArg(coefficients.length > 0, 'polyval needs at least one coefficient');
    for (const c of coefficients) checkFinite(c, 'coefficient');
    let degree = coefficients.length - 1;
    while (degree > 0 && coefficients[degree] === 0) degree--;
    const powers = new Map<number, EncryptedTable>();
    const power = (k: number): EncryptedTable => {
      const hit = powers.get(k);
      if (hit) return hit;
      let t: EncryptedTable;
      if (k === 1) t = this.view(this.layout.place, {}, this.columnNames);
      else {
        let hi = 1;
        while (hi * 2 < k) hi *= 2;
        t = hi * 2 === k ? power(hi).square() : power(hi).mul(power(k - hi));
      }
      powers.set(k, t);
      return t;
    };
    try {
      let acc: EncryptedTable | undefined;
      const depthOf = (k: number) => Math.ceil(Math.log2(k));
      for (let k = degree; k >= 1; k--) {
        const c = coefficients[k] as number;
        if (c === 0) continue;
        let hi = 1;
        while (hi * 2 < k) hi *= 2;
        const rest = k - hi;
        let term: EncryptedTable;
        if (k >= 3 && rest < hi && depthOf(rest) + 1 <= depthOf(hi)) {
          // c·x^k = x^hi · (c·x^rest): the plain multiplication fits in a level x^hi needs anyway,
          // and keeps the scale canonical.
          const scaled = power(rest).mulPlainFn(() => c);
          try {
            term = power(hi).mul(scaled);
          } finally {
            scaled.dispose();
          }
        } else {
          term = power(k).mul(c);
        }
        if (!acc) acc = term;
        else {
          const next = acc.add(term);
          acc.dispose();
          term.dispose();
          acc = next;
        }
      }
      const c0 = coefficients[0] as number;
      if (!acc) {
        const zero = this.mul(0);
        try {
          return zero.add(c0);
        } finally {
          zero.dispose();
        }
      }
      if (c0 === 0) return acc;
      try {
        return acc.add(c0);
      } finally {
        acc.dispose();
      }
    } finally {
      for (const t of powers.values()) t.dispose();
    }
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
    return this.polyval(absApproximation(range, degree).coefficients);
  }

  /**
   * Smooth approximation of max(this, other) elementwise: (a + b + |a − b|) / 2 with a polynomial
   * |·| fitted on [−range, range], where range bounds |a − b|. Error up to the fit's maxError / 2.
   */
  approxMax(other: Operand, range: number, degree = 8): EncryptedTable {
    return tidy(() => this.add(other).add(this.sub(other).approxAbs(range, degree)).mul(0.5));
  }

  /** Smooth approximation of min(this, other): (a + b − |a − b|) / 2. */
  approxMin(other: Operand, range: number, degree = 8): EncryptedTable {
    return tidy(() => this.add(other).sub(this.sub(other).approxAbs(range, degree)).mul(0.5));
  }

  /** Evaluates a fitted approximation (e.g. from chebyshevFit). */
  approximate(approximation: Approximation): EncryptedTable {
    return this.polyval(approximation.coefficients);
  }

  // ---------------------------------------------------------------- refused operations

  /** Refused: see the error message. */
  gt(_x?: Operand): never {
    return refuse('gt (>)', 'compute a smooth score, e.g. (x − t).sigmoid(), or approxMax.');
  }
  /** Refused: see the error message. */
  lt(_x?: Operand): never {
    return refuse('lt (<)', 'compute a smooth score, e.g. (t − x).sigmoid(), or approxMin.');
  }
  /** Refused: see the error message. */
  ge(_x?: Operand): never {
    return refuse('ge (>=)', 'compute a smooth score with sigmoid() of a difference.');
  }
  /** Refused: see the error message. */
  le(_x?: Operand): never {
    return refuse('le (<=)', 'compute a smooth score with sigmoid() of a difference.');
  }
  /** Refused: see the error message. */
  eq(_x?: Operand): never {
    return refuse('eq (==)', 'compare after decryption of an aggregate, or use a polynomial bump.');
  }
  /** Refused: see the error message. */
  max(_axis?: 0 | 1): never {
    return refuse(
      'max',
      'approxMax(other, range) gives a smooth maximum via a polynomial |x| approximation; ' +
        'for the largest value of a column, publish an aggregate (mean, variance) instead.',
    );
  }
  /** Refused: see the error message. */
  min(_axis?: 0 | 1): never {
    return refuse(
      'min',
      'approxMin(other, range) gives a smooth minimum (polynomial approximation).',
    );
  }
  /** Refused: see the error message. */
  argmax(_axis?: 0 | 1): never {
    return refuse('argmax', 'use a smooth score (sigmoid/softmax-like polynomial) instead.');
  }
  /** Refused: see the error message. */
  argmin(_axis?: 0 | 1): never {
    return refuse('argmin', 'use a smooth score (polynomial approximation) instead.');
  }
  /** Refused: see the error message. */
  sort(): never {
    return refuse('sort', 'compute order-free statistics (sums, means, moments) instead.');
  }
  /** Refused: see the error message. */
  clip(_lo?: number, _hi?: number): never {
    return refuse('clip', 'use a saturating polynomial (e.g. sigmoid) on a known range.');
  }
}

/** Joins single-column tables (same rows) side by side without moving data. */
function concatColumns(parts: readonly EncryptedTable[]): EncryptedTable {
  const first = parts[0] as EncryptedTable;
  const cts: Ciphertext[] = [];
  const place: Segment[][] = [];
  let replicated = true;
  for (const p of parts) {
    const L = p.layout;
    if (L.rows !== first.layout.rows || L.stride !== first.layout.stride || p.transposed) {
      free(...cts);
      throw new CkksError('LAYOUT_UNSUPPORTED', 'cannot concatenate these columns');
    }
    const base = cts.length;
    for (const ct of p.ciphertexts()) cts.push(ct.clone());
    for (const col of L.place) place.push(col.map((s) => ({ ct: s.ct + base, offset: s.offset })));
    replicated &&= L.replicated;
  }
  return new EncryptedTable(
    first.keys,
    cts,
    {
      ...first.layout,
      cols: place.length,
      place,
      ctCount: cts.length,
      padClean: parts.every((p) => p.layout.padClean),
      foreignClean: false,
      replicated,
    },
    false,
    parts.map((_p, j) => `c${j}`),
  );
}

/** Stacks 1×1 tables (each a replicated single slot) into an m × 1 table. */
function stackRows(parts: readonly EncryptedTable[]): EncryptedTable {
  const first = parts[0] as EncryptedTable;
  const cts: Ciphertext[] = [];
  const place: Segment[][] = [];
  for (const p of parts) {
    const seg = (p.layout.place[0] as Segment[])[0] as Segment;
    place.push([{ ct: cts.length, offset: seg.offset }]);
    cts.push((p.ciphertexts()[seg.ct] as Ciphertext).clone());
  }
  return new EncryptedTable(
    first.keys,
    cts,
    {
      ...first.layout,
      rows: 1,
      cols: parts.length,
      stride: 1,
      segRows: 1,
      place,
      ctCount: cts.length,
      padClean: true,
      foreignClean: false,
      replicated: false,
    },
    true,
    parts.map((_p, i) => `r${i}`),
  );
}

/** Plain matrix × encrypted vector (see {@link EncryptedTable.leftMatmul}). */
export function matmulPlain(
  matrix: readonly (readonly number[])[],
  vector: EncryptedTable,
): EncryptedTable {
  return vector.leftMatmul(matrix);
}
