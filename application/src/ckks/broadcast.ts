/**
 * Elementwise arithmetic between two encrypted tables, with broadcasting: a row over the rows, a
 * column over the columns, a cell over everything. Broadcast operands are replicated or expanded
 * with rotations so that matching cells share slots, then combined ciphertext by ciphertext.
 */
import type { Ciphertext } from 'node-seal';
import { at } from './checked.js';
import { assertSameKeys, derive, mapCiphertexts } from './derive.js';
import { maskCells } from './elementwise.js';
import { CkksError } from './errors.js';
import {
  cellVectors,
  nextPow2,
  segmentAt,
  segmentCount,
  type Layout,
  type Segment,
} from './layout.js';
import type { BinOp } from './operand.js';
import { free } from './seal.js';
import type { EncryptedTable } from './table.js';
import { transpose } from './views.js';

/** True if this single-column table can be replicated over all blocks of its ciphertext. */
export function replicable(t: EncryptedTable): boolean {
  const L = t.layout;
  return L.cols === 1 && segmentCount(L) === 1 && !L.replicated && L.stride < L.slots;
}

/** Copies a single column into every block of its ciphertext (a free broadcast later). */
export function replicate(t: EncryptedTable): EncryptedTable {
  using masked = t.layout.foreignClean ? undefined : maskCells(t);
  const src = masked ?? t;
  const L = src.layout;
  const seg = segmentAt(L, 0);
  return mapCiphertexts(src, (ct) => src.arith.rotateSum(ct, L.stride, L.slots), {
    replicated: true,
    foreignClean: false,
    place: [[{ ct: seg.ct, offset: seg.offset % L.stride }]],
  });
}

/** Throws unless every cell of a 1 × c row has `stride` free slots after it in its ciphertext. */
function checkExpandable(t: EncryptedTable, stride: number): void {
  const L = t.layout;
  const byCt = new Map<number, number[]>();
  for (const [j] of L.place.entries()) {
    const s = segmentAt(L, j);
    byCt.set(s.ct, [...(byCt.get(s.ct) ?? []), s.offset]);
  }
  for (const list of byCt.values()) {
    list.sort((a, b) => a - b);
    for (const [k, o] of list.entries()) {
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
}

/**
 * A replicated table's cells in its first copy only, zero elsewhere (one level). Spreading every
 * copy down the runs would leave the other copies' values in slots the result calls clean, and
 * later reductions would add them in (a cell replicated over 8 blocks was added 8 times).
 */
function firstCopy(t: EncryptedTable): EncryptedTable {
  const vecs = cellVectors({ ...t.layout, replicated: false }, () => 1);
  return mapCiphertexts(t, (ct, k) => t.arith.mulPlain(ct, at(vecs, k, 'slot vector')), {
    padClean: true,
    foreignClean: true,
    replicated: false,
  });
}

/**
 * Broadcasts a 1 × c (physical) table down runs of `stride` slots: each cell value fills
 * [offset, offset + nextPow2(rows)). Needs right rotations (negative Galois steps) and a level.
 */
function expandRows(t: EncryptedTable, rows: number, stride: number): EncryptedTable {
  checkExpandable(t, stride);
  const width = nextPow2(rows);
  using masked = t.layout.replicated ? firstCopy(t) : maskCells(t);
  const a = masked.arith;
  const spread = (ct: Ciphertext): Ciphertext => {
    let acc = ct.copy();
    try {
      for (let k = 1; k < width; k *= 2) {
        const r = a.rotate(acc, -k);
        const next = a.accumulate(acc, r);
        r.delete();
        acc = next;
      }
      return acc;
    } catch (e) {
      acc.delete();
      throw e;
    }
  };
  return mapCiphertexts(masked, spread, {
    rows,
    stride,
    segRows: rows,
    padClean: rows === width,
    foreignClean: true,
    replicated: false,
  });
}

/**
 * `a` op `b` for encrypted tables of any fitting shapes. Combining a transposed view with an
 * untransposed table only works when one of them is a single cell.
 */
export function encBinary(a: EncryptedTable, b: EncryptedTable, op: BinOp): EncryptedTable {
  assertSameKeys(a, b);
  if (a.transposed === b.transposed) return sameOrientation(a, b, op);
  if (b.size === 1 || (b.layout.rows === 1 && b.layout.cols === 1)) {
    using flipped = transpose(b);
    return sameOrientation(a, flipped, op);
  }
  if (a.size === 1) {
    using flipped = transpose(a);
    using r = encBinary(flipped, b, op);
    return transpose(r);
  }
  throw new CkksError(
    'LAYOUT_UNSUPPORTED',
    'cannot combine a transposed view with an untransposed table elementwise: that needs ' +
      'a physical transpose. Combine tables of the same orientation.',
  );
}

/** True if `a` (ra × ca) is the broadcast operand against b (rb × cb). */
function isBroadcastOperand(ra: number, ca: number, rb: number, cb: number): boolean {
  return (
    (ra === 1 && rb > 1 && ca === cb) ||
    (ca === 1 && cb > 1 && ra === rb) ||
    (ra === 1 && ca === 1 && rb * cb > 1)
  );
}

/**
 * Whether to replicate the single column `b` over its ciphertext's blocks so that broadcasting
 * is free: always when it costs no level (clean foreign slots) or no extra depth; for a broadcast
 * over several columns also when it costs depth (else every column needs its own rotation).
 */
function worthReplicating(a: EncryptedTable, b: EncryptedTable, op: BinOp): boolean {
  const A = a.layout;
  if (!replicable(b) || !(A.replicated || A.cols > 1) || b.layout.rows !== A.rows) return false;
  const needsMask = !b.layout.foreignClean;
  const after = Math.max(a.level, b.level + 1) + (op === 'mul' ? 1 : 0);
  const fits = after <= a.ctx.depth;
  return !needsMask || b.level + 1 <= a.level || (A.cols > 1 && fits);
}

/** Column of `b` matching each column of `a` (same shape, or `b` a single column). */
function columnMap(
  a: EncryptedTable,
  b: EncryptedTable,
  other: EncryptedTable,
): (j: number) => number {
  const A = a.layout;
  const B = b.layout;
  if (B.rows === A.rows && B.cols === A.cols) return (j) => j;
  if (B.rows === A.rows && B.cols === 1) return () => 0;
  throw new CkksError(
    'SHAPE_MISMATCH',
    `cannot combine ${a.rows}×${a.cols} with ${other.rows}×${other.cols}`,
  );
}

function sameOrientation(a: EncryptedTable, other: EncryptedTable, op: BinOp): EncryptedTable {
  const A = a.layout;
  const O = other.layout;
  if (isBroadcastOperand(A.rows, A.cols, O.rows, O.cols)) {
    // The broadcast operand is `a`: swap (x − y = −(y − x)).
    if (op !== 'sub') return encBinary(other, a, op);
    using swapped = encBinary(other, a, op);
    return swapped.neg();
  }
  using temps = new DisposableStack();
  let b = other;
  if (O.rows === 1 && A.rows > 1 && (O.cols === A.cols || O.cols === 1)) {
    if (A.rows > A.slots) {
      throw new CkksError('LAYOUT_UNSUPPORTED', 'cannot broadcast a row over more rows than slots');
    }
    b = temps.use(expandRows(b, A.rows, A.stride));
  }
  const colOf = columnMap(a, b, other);
  if (worthReplicating(a, b, op)) b = temps.use(replicate(b));
  const single = O.cols === 1 && A.cols === 1;
  if (
    single &&
    replicable(a) &&
    b.layout.replicated &&
    (A.foreignClean || a.level + 1 <= b.level)
  ) {
    using rep = replicate(a);
    return encBinary(rep, b, op);
  }
  return pairwise(a, b, op, colOf);
}

/** One output ciphertext of {@link pairwise}: a's ciphertext `a` with b's `b` rotated by `shift`. */
interface PairPlan {
  a: number;
  b: number;
  shift: number;
  index: number;
}

/** Which ciphertext pairs (and rotations of b) produce each output ciphertext, and the placement. */
function planPairs(A: Layout, B: Layout, colOf: (j: number) => number) {
  const segs = segmentCount(A);
  const plans = new Map<string, PairPlan>();
  const place: Segment[][] = [];
  let allAligned = true;
  let sameStructure = B.ctCount === A.ctCount && B.cols === A.cols && !B.replicated;
  for (let j = 0; j < A.cols; j++) {
    const col: Segment[] = [];
    for (let s = 0; s < segs; s++) {
      const sa = segmentAt(A, j, s);
      const sb = segmentAt(B, colOf(j), s);
      let shift = sb.offset - sa.offset;
      if (B.replicated && shift % B.stride === 0) shift = 0;
      if (shift !== 0) allAligned = false;
      if (sb.ct !== sa.ct || sb.offset !== sa.offset || colOf(j) !== j) sameStructure = false;
      const key = `${sa.ct}:${sb.ct}:${shift}`;
      let plan = plans.get(key);
      if (!plan) {
        plan = { a: sa.ct, b: sb.ct, shift, index: plans.size };
        plans.set(key, plan);
      }
      col.push({ ct: plan.index, offset: sa.offset });
    }
    place.push(col);
  }
  return { plans: [...plans.values()], place, allAligned, sameStructure };
}

/** What the slots outside the cells of a ∘ b hold (see layout.ts), from those of a and b. */
function combinedFlags(
  A: Layout,
  B: Layout,
  op: BinOp,
  aligned: boolean,
  allAligned: boolean,
): { padClean: boolean; foreignClean: boolean; replicated: boolean } {
  const bPadOk = B.padClean && (B.stride >= A.stride || B.rows === A.rows);
  if (op === 'mul') {
    // A zero on either side is enough.
    return {
      padClean: A.padClean || bPadOk,
      foreignClean: A.foreignClean || (B.foreignClean && aligned),
      replicated: A.replicated && B.replicated && allAligned,
    };
  }
  return {
    padClean: A.padClean && bPadOk,
    foreignClean: A.foreignClean && B.foreignClean && aligned,
    replicated: A.replicated && B.replicated && allAligned,
  };
}

/** Combines matching cells of a and b (b column = colOf(a column)), rotating b as needed. */
function pairwise(
  a: EncryptedTable,
  b: EncryptedTable,
  op: BinOp,
  colOf: (j: number) => number,
): EncryptedTable {
  const A = a.layout;
  const B = b.layout;
  const { plans, place, allAligned, sameStructure } = planPairs(A, B, colOf);
  const flags = combinedFlags(A, B, op, allAligned && sameStructure, allAligned);
  const ar = a.arith;
  const combine = op === 'add' ? ar.add.bind(ar) : op === 'sub' ? ar.sub.bind(ar) : ar.mul.bind(ar);
  const rotated = new Map<string, Ciphertext>();
  const out: Ciphertext[] = [];
  const aCts = a.ciphertexts();
  const bCts = b.ciphertexts();
  try {
    for (const p of plans) {
      const rkey = `${p.b}:${p.shift}`;
      let bct = rotated.get(rkey);
      if (!bct) {
        const src = at(bCts, p.b, 'ciphertext');
        bct = p.shift === 0 ? src.clone() : ar.rotate(src, p.shift);
        rotated.set(rkey, bct);
      }
      out.push(combine(at(aCts, p.a, 'ciphertext'), bct));
    }
  } catch (e) {
    free(...out);
    throw e;
  } finally {
    free(...rotated.values());
  }
  return derive(a, out, { place, ...flags, ctCount: out.length });
}
