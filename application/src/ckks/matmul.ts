/** Matrix products: encrypted × plain, encrypted × encrypted vector, plain × encrypted vector. */
import type { Ciphertext } from 'node-seal';
import { at, first } from './checked.js';
import { assertSameKeys } from './derive.js';
import { mulPlainFn } from './elementwise.js';
import { encBinary, replicate } from './broadcast.js';
import { CkksError, requireArg } from './errors.js';
import { nextPow2, segmentAt, segmentCount, type Segment } from './layout.js';
import { checkRows, isMatrix, type PlainMatrix } from './operand.js';
import { physSum0, physSum1 } from './reductions.js';
import { free } from './seal.js';
import { EncryptedTable } from './table.js';
import { transpose } from './views.js';

/** Logical (rows × k)·w for a plain vector w. */
function matvecPlain(t: EncryptedTable, w: readonly number[]): EncryptedTable {
  // Untransposed: scale column j by w[j], sum across columns.
  // Transposed (physical k × rows): scale physical row j by w[j], sum down columns.
  const weight = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  using prod = mulPlainFn(t, (_i, j) => w[j] ?? NaN).withBound(t.bound * weight, 'matmul');
  return prod.sum(1);
}

/** Encrypted table × plain vector or plain matrix. */
export function matmulPlainRight(
  t: EncryptedTable,
  x: readonly number[] | PlainMatrix,
): EncryptedTable {
  const k = t.cols;
  const m: number[][] = isMatrix(x) ? x.map((r) => [...r]) : x.map((v) => [v]);
  if (m.length !== k) {
    throw new CkksError('SHAPE_MISMATCH', `matmul: ${t.rows}×${k} · ${m.length}×… does not fit`);
  }
  const p = m[0]?.length ?? 0;
  checkRows(m, p, 'plain matrix rows differ in length');
  const columnOf = (q: number): number[] => m.map((r) => r[q] ?? NaN);
  if (p === 1) return matvecPlain(t, columnOf(0));
  if (t.transposed) {
    throw new CkksError(
      'LAYOUT_UNSUPPORTED',
      'transposed table × plain matrix: compute one column at a time (matmul with a vector)',
    );
  }
  using parts = new DisposableStack();
  const columns: EncryptedTable[] = [];
  for (let q = 0; q < p; q++) columns.push(parts.use(matvecPlain(t, columnOf(q))));
  return concatColumns(columns);
}

/** Encrypted table × encrypted vector, for the two layouts that need no re-layout. */
export function matmulEnc(t: EncryptedTable, v: EncryptedTable): EncryptedTable {
  assertSameKeys(t, v);
  if (v.cols !== 1 || v.rows !== t.cols) {
    throw new CkksError(
      'SHAPE_MISMATCH',
      `matmul: ${t.rows}×${t.cols} · ${v.rows}×${v.cols}: expected a ${t.cols}×1 vector`,
    );
  }
  if (t.transposed && !v.transposed) {
    // (P^T)·v with P physical n×d and v physical n×1: scale each physical column by v, sum rows.
    using physical = transpose(t);
    using prod = encBinary(physical, v, 'mul');
    using s = physSum0(prod);
    return transpose(s);
  }
  if (!t.transposed && v.transposed) {
    // X·w with w physical 1×d: broadcast w down X's column runs, multiply, sum across columns.
    using row = transpose(v);
    using prod = encBinary(t, row, 'mul');
    return physSum1(prod);
  }
  throw new CkksError(
    'LAYOUT_UNSUPPORTED',
    'matmul with this encrypted vector needs a physical re-layout. Supported: X.t().matmul(v) ' +
      'for a column v, and X.matmul(w) when w comes from a reduction over X (e.g. X.t().matmul(r)).',
  );
}

/** Plain matrix × a long (segmented) vector: one output per matrix row, summed over all slots. */
function leftMatmulSegmented(t: EncryptedTable, matrix: PlainMatrix): EncryptedTable {
  using parts = new DisposableStack();
  const outs = matrix.map((row) => {
    using prod = mulPlainFn(t, (r) => row[r] ?? NaN);
    using sums = physSum1(prod);
    return parts.use(physSum0(sums));
  });
  return stackRows(outs);
}

/**
 * Plain matrix × a replicated vector: `blocks` matrix rows per plain product (one row per block
 * of slots), each block summed by rotations.
 */
function leftMatmulBlocks(
  t: EncryptedTable,
  rep: EncryptedTable,
  matrix: PlainMatrix,
): EncryptedTable {
  const n = t.rows;
  const m = matrix.length;
  const R = rep.layout;
  const blocks = R.slots / R.stride;
  const base = segmentAt(R, 0).offset % R.stride;
  const a = rep.arith;
  const width = nextPow2(n);
  const src = first(rep.ciphertexts(), 'ciphertext');
  const out: Ciphertext[] = [];
  const place: Segment[][] = [];
  try {
    for (let g = 0; g * blocks < m; g++) {
      const vec = new Float64Array(R.slots);
      for (let b = 0; b < blocks && g * blocks + b < m; b++) {
        const row = at(matrix, g * blocks + b, 'matrix row');
        const offset = base + b * R.stride;
        // Like element writes, drop what would fall past the last slot.
        vec.set(offset + n <= R.slots ? row : row.slice(0, Math.max(0, R.slots - offset)), offset);
        place.push([{ ct: g, offset }]);
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
  const layout = {
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
  };
  const names = Array.from({ length: m }, (_, i) => `r${i}`);
  return new EncryptedTable(t.keys, out, layout, true, names);
}

export function leftMatmul(t: EncryptedTable, matrix: PlainMatrix): EncryptedTable {
  t.assertLive();
  const n = t.rows;
  if (t.cols !== 1) throw new CkksError('SHAPE_MISMATCH', 'leftMatmul needs an n × 1 vector');
  requireArg(matrix.length > 0, 'matrix needs at least one row');
  checkRows(matrix, n, `matrix rows must have length ${n}`);
  if (t.transposed) {
    throw new CkksError(
      'LAYOUT_UNSUPPORTED',
      'leftMatmul needs the vector as a physical column (not a transposed row)',
    );
  }
  const L = t.layout;
  if (segmentCount(L) > 1) return leftMatmulSegmented(t, matrix);
  using replicated = L.replicated || L.stride === L.slots ? undefined : replicate(t);
  return leftMatmulBlocks(t, replicated ?? t, matrix);
}

/** Joins single-column tables (same rows) side by side without moving data. */
function concatColumns(parts: readonly EncryptedTable[]): EncryptedTable {
  const head = first(parts, 'column');
  const cts: Ciphertext[] = [];
  const place: Segment[][] = [];
  let replicated = true;
  for (const p of parts) {
    const L = p.layout;
    if (L.rows !== head.layout.rows || L.stride !== head.layout.stride || p.transposed) {
      free(...cts);
      throw new CkksError('LAYOUT_UNSUPPORTED', 'cannot concatenate these columns');
    }
    const base = cts.length;
    for (const ct of p.ciphertexts()) cts.push(ct.clone());
    for (const col of L.place) place.push(col.map((s) => ({ ct: s.ct + base, offset: s.offset })));
    replicated &&= L.replicated;
  }
  const layout = {
    ...head.layout,
    cols: place.length,
    place,
    ctCount: cts.length,
    padClean: parts.every((p) => p.layout.padClean),
    foreignClean: false,
    replicated,
  };
  const names = parts.map((_p, j) => `c${j}`);
  const bound = Math.max(...parts.map((p) => p.bound));
  return new EncryptedTable(head.keys, cts, layout, false, names, undefined, bound);
}

/** Stacks 1×1 tables (each a replicated single slot) into an m × 1 table. */
function stackRows(parts: readonly EncryptedTable[]): EncryptedTable {
  const head = first(parts, 'row');
  const cts: Ciphertext[] = [];
  const place: Segment[][] = [];
  for (const p of parts) {
    const seg = segmentAt(p.layout, 0);
    place.push([{ ct: cts.length, offset: seg.offset }]);
    cts.push(at(p.ciphertexts(), seg.ct, 'ciphertext').clone());
  }
  const layout = {
    ...head.layout,
    rows: 1,
    cols: parts.length,
    stride: 1,
    segRows: 1,
    place,
    ctCount: cts.length,
    padClean: true,
    foreignClean: false,
    replicated: false,
  };
  const names = parts.map((_p, i) => `r${i}`);
  const bound = Math.max(...parts.map((p) => p.bound));
  return new EncryptedTable(head.keys, cts, layout, true, names, undefined, bound);
}

/** Plain matrix × encrypted vector (see {@link EncryptedTable.leftMatmul}). */
export function matmulPlain(
  matrix: readonly (readonly number[])[],
  vector: EncryptedTable,
): EncryptedTable {
  return vector.leftMatmul(matrix);
}
