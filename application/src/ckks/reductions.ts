/** Reductions: sums down columns, across rows, over everything; means and dot products. */
import type { Ciphertext } from 'node-seal';
import { at } from './checked.js';
import { derive, mapCiphertexts, shareView } from './derive.js';
import { maskCells, mulPlainFn } from './elementwise.js';
import { fitsAt } from './magnitude.js';
import { CkksError, requireArg } from './errors.js';
import { nextPow2, segmentAt, segmentCount, type Layout, type Segment } from './layout.js';
import type { Operand } from './operand.js';
import { free, owned } from './seal.js';
import type { EncryptedTable } from './table.js';

/** True if every segment of column j sits at the offset of its first. */
function aligned(S: Layout, j: number): boolean {
  const offset = segmentAt(S, j).offset;
  for (let s = 1; s < segmentCount(S); s++) {
    if (segmentAt(S, j, s).offset !== offset) return false;
  }
  return true;
}

/** acc + ct rotated left by `shift` (acc may be undefined); `ct` is left untouched. */
function addShifted(t: EncryptedTable, acc: Ciphertext | undefined, ct: Ciphertext, shift: number) {
  if (shift === 0) return t.arith.accumulate(acc, ct);
  using r = owned(t.arith.rotate(ct, shift));
  return t.arith.accumulate(acc, r);
}

/** Column j's segments rotated onto its first segment's offset and added (a new ciphertext). */
function alignedSum(src: EncryptedTable, j: number): Ciphertext {
  const S = src.layout;
  const cts = src.ciphertexts();
  const target = segmentAt(S, j).offset;
  let acc: Ciphertext | undefined;
  try {
    for (let s = 0; s < segmentCount(S); s++) {
      const seg = segmentAt(S, j, s);
      const shift = (((seg.offset - target) % S.slots) + S.slots) % S.slots;
      acc = addShifted(src, acc, at(cts, seg.ct), shift);
    }
  } catch (e) {
    free(acc);
    throw e;
  }
  if (!acc) throw new CkksError('CORRUPT', 'a column without segments');
  return acc;
}

/**
 * Column sums of a table whose columns span several ciphertexts (segments): columns that share
 * their ciphertexts (a row-blocked table) share one sum of those ciphertexts and one rotation tree
 * over a run; long columns (one per ciphertext, runs of a whole ciphertext) get one each.
 */
function segmentedSum0(src: EncryptedTable): EncryptedTable {
  const a = src.arith;
  const S = src.layout;
  const segs = segmentCount(S);
  const cts = src.ciphertexts();
  const groups = new Map<string, number>();
  const out: Ciphertext[] = [];
  const place: Segment[][] = [];
  try {
    for (let j = 0; j < S.cols; j++) {
      const offset = segmentAt(S, j).offset;
      const together = aligned(S, j);
      const members = Array.from({ length: segs }, (_, s) => segmentAt(S, j, s).ct);
      // Aligned columns on the same ciphertexts share one sum; others get their own.
      const key = together ? members.join(',') : `column ${j}`;
      let index = groups.get(key);
      if (index === undefined) {
        let acc: Ciphertext | undefined;
        if (together) for (const c of members) acc = a.accumulate(acc, at(cts, c));
        else acc = alignedSum(src, j);
        if (!acc) throw new CkksError('CORRUPT', 'a column without segments');
        try {
          out.push(a.rotateSum(acc, 1, S.stride));
        } finally {
          acc.delete();
        }
        index = out.length - 1;
        groups.set(key, index);
      }
      place.push([{ ct: index, offset }]);
    }
  } catch (e) {
    free(...out);
    throw e;
  }
  // Whole-ciphertext runs leave the sum in every slot: each column alone, replicated.
  const whole = S.stride === S.slots && out.length === S.cols;
  return derive(src, out, {
    rows: 1,
    stride: 1,
    segRows: 1,
    place,
    padClean: true,
    foreignClean: false,
    replicated: whole,
  });
}

/** Sums down each physical column: a 1 × cols (physical) table. */
export function physSum0(t: EncryptedTable): EncryptedTable {
  const L = t.layout;
  if (L.rows === 1) return shareView(t, L.place, {}, t.columnNames);
  using masked = L.padClean ? undefined : maskCells(t);
  const src = masked ?? t;
  const S = src.layout;
  if (segmentCount(S) > 1) return segmentedSum0(src);
  const width = nextPow2(S.rows);
  return mapCiphertexts(src, (ct) => src.arith.rotateSum(ct, 1, width), {
    rows: 1,
    segRows: 1,
    stride: S.replicated ? S.stride : 1,
    padClean: !S.replicated || width === 1,
    foreignClean: false,
    replicated: S.replicated,
  });
}

/** A rows × 1 result over `out` (taken over), with the given placement and flags. */
function rowSums(
  t: EncryptedTable,
  out: Ciphertext[],
  patch: { place: Layout['place']; foreignClean: boolean; replicated: boolean },
): EncryptedTable {
  return derive(t, out, { cols: 1, ...patch }, t.transposed, ['sum']);
}

/** The sum of `cts` (left untouched) as a new ciphertext. */
function sumAll(t: EncryptedTable, cts: Iterable<Ciphertext>): Ciphertext {
  let acc: Ciphertext | undefined;
  for (const ct of cts) acc = t.arith.accumulate(acc, ct);
  if (!acc) throw new CkksError('CORRUPT', 'nothing to sum');
  return acc;
}

/**
 * For each segment index, the ciphertexts that hold that segment's runs and nothing else, each
 * run on a run boundary, with zeros around them: a rotation tree across runs sums their rows.
 */
function cleanCiphertexts(L: Layout): Set<number>[] {
  const segs = segmentCount(L);
  const segsOf = new Map<number, Set<number>>();
  const boundary = new Map<number, boolean>();
  for (const col of L.place) {
    col.forEach((seg, s) => {
      const set = segsOf.get(seg.ct) ?? new Set<number>();
      set.add(s);
      segsOf.set(seg.ct, set);
      boundary.set(seg.ct, (boundary.get(seg.ct) ?? true) && seg.offset % L.stride === 0);
    });
  }
  const ok = !L.replicated && L.foreignClean && L.padClean;
  const out = Array.from({ length: segs }, () => new Set<number>());
  for (const [ct, set] of segsOf) {
    const [only] = [...set];
    if (ok && set.size === 1 && only !== undefined && boundary.get(ct)) out[only]?.add(ct);
  }
  return out;
}

/**
 * Segment s's row sums in one ciphertext, at `target`: the clean ciphertexts (see above) added
 * and summed across runs, every other column's segment rotated onto `target` and added.
 */
function segmentRowSums(
  t: EncryptedTable,
  s: number,
  clean: Set<number>,
  target: number,
): Ciphertext {
  const L = t.layout;
  const a = t.arith;
  const cts = t.ciphertexts();
  const shifts = new Map<number, Set<number>>();
  for (let j = 0; j < L.cols; j++) {
    const seg = segmentAt(L, j, s);
    if (clean.has(seg.ct)) continue;
    const shift = (((seg.offset - target) % L.slots) + L.slots) % L.slots;
    const set = shifts.get(shift) ?? new Set<number>();
    set.add(seg.ct);
    shifts.set(shift, set);
  }
  let acc: Ciphertext | undefined;
  try {
    if (clean.size > 0) {
      const summed = sumAll(
        t,
        [...clean].map((c) => at(cts, c)),
      );
      try {
        acc = a.rotateSum(summed, L.stride, L.slots);
      } finally {
        summed.delete();
      }
    }
    for (const [shift, set] of shifts) {
      const g = sumAll(
        t,
        [...set].map((c) => at(cts, c)),
      );
      try {
        acc = addShifted(t, acc, g, shift);
      } finally {
        g.delete();
      }
    }
  } catch (e) {
    free(acc);
    throw e;
  }
  if (!acc) throw new CkksError('CORRUPT', 'a table without columns');
  return acc;
}

/**
 * Row sums of a segmented table, one ciphertext per segment. Long columns (one ciphertext per
 * segment) add up directly; a row-blocked block's runs are summed by one rotation tree across
 * runs; columns kept apart are rotated onto the result's offset.
 */
function segmentedSum1(t: EncryptedTable): EncryptedTable {
  const L = t.layout;
  const segs = segmentCount(L);
  const clean = cleanCiphertexts(L);
  const out: Ciphertext[] = [];
  let allClean = true;
  let offset = 0;
  try {
    for (let s = 0; s < segs; s++) {
      const set = clean[s] ?? new Set<number>();
      const target = set.size > 0 ? 0 : segmentAt(L, 0, s).offset;
      if (s === 0) offset = target;
      else if (target !== offset) {
        throw new CkksError('LAYOUT_UNSUPPORTED', 'row sums of these segments do not align');
      }
      allClean &&= L.place.every((col) => set.has(at(col, s, 'segment').ct));
      out.push(segmentRowSums(t, s, set, offset));
    }
  } catch (e) {
    free(...out);
    throw e;
  }
  const place = [Array.from({ length: segs }, (_, s) => ({ ct: s, offset }))];
  // Long columns add straight: the slots beyond the cells stay zero.
  const foreignClean = allClean && L.stride === L.slots;
  return rowSums(t, out, { place, foreignClean, replicated: false });
}

/**
 * All-reduce: add the ciphertexts, then rotate-and-add across blocks. Every block ends up
 * holding the row sums, so the result is replicated (free broadcasting later).
 */
function allReduceSum1(t: EncryptedTable): EncryptedTable {
  const L = t.layout;
  const acc = sumAll(t, t.ciphertexts());
  let reduced: Ciphertext;
  try {
    reduced = t.arith.rotateSum(acc, L.stride, L.slots);
  } finally {
    acc.delete();
  }
  return rowSums(t, [reduced], {
    place: [[{ ct: 0, offset: 0 }]],
    replicated: L.stride < L.slots,
    foreignClean: L.stride >= L.slots,
  });
}

/** Gather: rotate each column onto the first column's offset and add. */
function gatherSum1(t: EncryptedTable): EncryptedTable {
  const L = t.layout;
  const a = t.arith;
  const cts = t.ciphertexts();
  const first = segmentAt(L, 0);
  const mod = L.replicated ? L.stride : L.slots;
  const groups = new Map<number, Set<number>>();
  for (const [j] of L.place.entries()) {
    const s = segmentAt(L, j);
    const shift = (((s.offset - first.offset) % mod) + mod) % mod;
    const set = groups.get(shift) ?? new Set<number>();
    set.add(s.ct);
    groups.set(shift, set);
  }
  let acc: Ciphertext | undefined;
  try {
    for (const [shift, set] of groups) {
      const g = sumAll(
        t,
        [...set].map((ct) => at(cts, ct)),
      );
      const r = a.rotate(g, shift);
      g.delete();
      acc = a.accumulate(acc, r);
      r.delete();
    }
  } catch (e) {
    free(acc);
    throw e;
  }
  if (!acc) throw new CkksError('CORRUPT', 'a table without columns');
  return rowSums(t, [acc], {
    place: [[{ ct: 0, offset: first.offset }]],
    foreignClean: false,
    replicated: L.replicated,
  });
}

/** Sums across each physical row: a rows × 1 (physical) table. */
export function physSum1(t: EncryptedTable): EncryptedTable {
  const L = t.layout;
  if (L.cols === 1) return shareView(t, L.place, {}, ['sum']);
  if (segmentCount(L) > 1) return segmentedSum1(t);
  const blockAligned = L.place.every((_c, j) => segmentAt(L, j).offset % L.stride === 0);
  if (!L.replicated && L.foreignClean && L.padClean && blockAligned) return allReduceSum1(t);
  return gatherSum1(t);
}

export function sum(t: EncryptedTable, axis?: 0 | 1): EncryptedTable {
  t.assertLive();
  requireArg(axis === undefined || [0, 1].includes(axis), 'axis must be 0, 1 or omitted');
  if (axis === undefined) {
    using r = physSum1(t);
    return physSum0(r);
  }
  const physAxis = t.transposed ? 1 - axis : axis;
  return physAxis === 0 ? physSum0(t) : physSum1(t);
}

/** How many cells a sum over `axis` adds into each output cell. */
export function reducedCount(t: EncryptedTable, axis?: 0 | 1): number {
  return axis === undefined ? t.rows * t.cols : axis === 0 ? t.rows : t.cols;
}

/** True if `t`'s sum (bound × count) fits at the level the sum would be computed at. */
function sumFits(t: EncryptedTable, count: number): boolean {
  const ctx = t.ctx;
  const extra = t.layout.padClean ? 0 : 1;
  return t.ciphertexts().every((ct) => {
    const level = ctx.level(ct) + extra;
    return level <= ctx.depth && fitsAt(ctx, t.bound * count, ct.scale(), level);
  });
}

/** The sum a mean divides afterwards; a refusal says that it came from a mean. */
function sumForMean(t: EncryptedTable, axis?: 0 | 1): EncryptedTable {
  try {
    return t.sum(axis);
  } catch (e) {
    if (!(e instanceof CkksError) || t.levelsLeft > 0) throw e;
    throw new CkksError(e.code, `mean (no level left to divide before summing): ${e.message}`);
  }
}

/**
 * Mean = sum × (1/count). A scalar product only changes the scale, so it cannot shrink the
 * intermediate sum: when that sum would not fit, the cells are first multiplied by 1/count as a
 * plain vector (one level, which also cleans the padding a sum needs anyway).
 */
export function mean(t: EncryptedTable, axis?: 0 | 1): EncryptedTable {
  t.assertLive();
  const count = reducedCount(t, axis);
  if (sumFits(t, count) || t.levelsLeft < 1) {
    using s = sumForMean(t, axis);
    return s.mul(1 / count).withBound(t.bound, 'mean');
  }
  using scaled = mulPlainFn(t, () => 1 / count).withBound(t.bound / count, 'mean');
  using s = sum(scaled, axis);
  return s.withBound(t.bound, 'mean');
}

export function dot(t: EncryptedTable, other: Operand): EncryptedTable {
  t.assertLive();
  if (t.rows !== 1 && t.cols !== 1) {
    throw new CkksError('SHAPE_MISMATCH', 'dot() is for vectors; use matmul() for matrices');
  }
  using p = t.mul(other);
  return p.sum();
}
