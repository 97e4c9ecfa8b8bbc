/**
 * Column means with the fewest and cheapest operations. A row-blocked table (depth-0 presets)
 * adds its blocks slot for slot and then needs only log2(block) rotations. Otherwise each
 * ciphertext holding a requested
 * column is first dropped to the lowest level at which its column sums still fit (a rotation at
 * the last level of n8192-d4 costs a tenth of one at level 0), then summed with one rotation tree
 * of log2(rows) steps that serves every column packed in it; the division by the row count is a
 * free scalar product. Ciphertexts are independent, so the pool (pool.ts) reduces them in
 * parallel. Tables this kernel does not handle (transposed, segmented, computed) take the
 * general path `select(columns).mean(0)`.
 */
import type { Ciphertext } from 'node-seal';
import { at, first } from './checked.js';
import type { CkksContext } from './context.js';
import { requireArg } from './errors.js';
import {
  nextPow2,
  rowsInSegment,
  segmentAt,
  segmentCount,
  type Layout,
  type Segment,
} from './layout.js';
import { lowestFittingLevel, requireFit } from './magnitude.js';
import { resolvePool, runPrograms, type PoolOption, type ProgramJob } from './pool.js';
import type { Step } from './program.js';
import { free } from './seal.js';
import { EncryptedTable } from './table.js';
import { columnIndex } from './views.js';

/** Options of the fast kernels. */
export interface KernelOptions {
  /** Run independent ciphertext work in worker threads (default: DATAMARKET_CKKS_POOL). */
  pool?: PoolOption;
}

/** True if `t` is a fresh, packed table (the layout encryption makes). */
export function isPackedTable(t: EncryptedTable): boolean {
  const L = t.layout;
  return !t.transposed && segmentCount(L) === 1 && L.padClean && !L.replicated;
}

/** True if `t` is a fresh row-blocked table whose columns `js` have every block at one offset. */
export function isBlockedTable(t: EncryptedTable, js: readonly number[]): boolean {
  const L = t.layout;
  const alignedColumn = (j: number) => {
    const col = at(L.place, j, 'column');
    return col.every((seg) => seg.offset === first(col, 'segment').offset);
  };
  return (
    !t.transposed &&
    segmentCount(L) > 1 &&
    L.stride < L.slots &&
    L.padClean &&
    !L.replicated &&
    js.every(alignedColumn)
  );
}

/** Bound on every slot of ciphertext `c` of `t`. */
export function ciphertextBound(t: EncryptedTable, c: number): number {
  return t.ciphertextBounds?.[c] ?? t.bound;
}

/** A physical 1 × k row of single cells at `place` over `cts` (taken over). */
export function cellRowLayout(
  ctx: CkksContext,
  place: readonly (readonly Segment[])[],
  ctCount: number,
): Layout {
  return {
    rows: 1,
    cols: place.length,
    slots: ctx.slots,
    stride: 1,
    segRows: 1,
    place,
    ctCount,
    padClean: true,
    foreignClean: false,
    replicated: false,
  };
}

/**
 * Encrypted means of the named (or numbered) columns of `table`: a 1 × k table, like
 * `table.select(columns).mean(0)` but cheaper. Refused (VALUE_OUT_OF_RANGE) when a column sum
 * cannot fit any level, like the general path on a preset with no level to divide first.
 */
export async function columnMeans(
  table: EncryptedTable,
  columns: readonly (number | string)[],
  options: KernelOptions = {},
): Promise<EncryptedTable> {
  table.assertLive();
  requireArg(columns.length > 0, 'columnMeans needs at least one column');
  const L = table.layout;
  const js = columns.map((c) => columnIndex(table, c));
  for (const j of js) {
    requireArg(Number.isInteger(j) && j >= 0 && j < L.cols, `column ${j} is out of range`);
  }
  if (isBlockedTable(table, js)) return blockedMeans(table, js, options);
  const ctx = table.ctx;
  const cts = table.ciphertexts();
  const rows = L.rows;
  const order = [...new Set(js.map((j) => segmentAt(L, j).ct))];
  const levels = order.map((c) => {
    const ct = at(cts, c, 'ciphertext');
    const sum = ciphertextBound(table, c) * rows;
    return lowestFittingLevel(ctx, sum, ct.scale(), table.arith.level(ct));
  });
  if (!isPackedTable(table) || levels.some((l) => l === undefined)) {
    return table.select(columns).mean(0);
  }
  const width = nextPow2(rows);
  const jobs: ProgramJob[] = order.map((c, k) => ({
    inputs: [at(cts, c, 'ciphertext')],
    steps: [
      { op: 'modSwitch', level: levels[k] ?? 0 },
      { op: 'rotateSum', from: 1, to: width },
    ],
  }));
  const sums = await runPrograms(table.keys, jobs, resolvePool(options.pool));
  const place = js.map((j) => {
    const seg = segmentAt(L, j);
    return { ct: order.indexOf(seg.ct), offset: seg.offset };
  });
  return meansTable(table, js, sums, place, order);
}

/**
 * The 1 × k means table over column sums `sums` (taken over): column js[k] at place[k]; its
 * bound is the largest of the summed ciphertexts' (`from`).
 */
function meansTable(
  table: EncryptedTable,
  js: readonly number[],
  sums: Ciphertext[],
  place: readonly Segment[],
  from: readonly number[],
): EncryptedTable {
  try {
    // Dividing by the count only changes the scale (free, exact bookkeeping).
    for (const s of sums) s.setScale(s.scale() * table.layout.rows);
    const bound = Math.max(...from.map((c) => ciphertextBound(table, c)));
    requireFit(table.ctx, sums, bound, 'mean');
    const names = js.map((j) => table.columnNames[j] ?? `c${j}`);
    const layout = cellRowLayout(
      table.ctx,
      place.map((seg) => [seg]),
      sums.length,
    );
    return new EncryptedTable(table.keys, sums, layout, false, names, undefined, bound);
  } catch (e) {
    free(...sums);
    throw e;
  }
}

/**
 * Means over a row-blocked table: the blocks of the requested columns' ciphertexts are added
 * slot for slot (no rotation), then one tree of log2(block) rotations sums each run, shared by
 * every column of those ciphertexts.
 */
async function blockedMeans(
  table: EncryptedTable,
  js: readonly number[],
  options: KernelOptions,
): Promise<EncryptedTable> {
  const L = table.layout;
  const ctx = table.ctx;
  const cts = table.ciphertexts();
  const segs = segmentCount(L);
  const keys: string[] = [];
  const members: number[][] = [];
  for (const j of js) {
    const ids = Array.from({ length: segs }, (_, s) => segmentAt(L, j, s).ct);
    const key = ids.join(',');
    if (!keys.includes(key)) {
      keys.push(key);
      members.push(ids);
    }
  }
  const levels = members.map((ids) => {
    const sum = ids.reduce((acc, c, s) => acc + ciphertextBound(table, c) * rowsInSegment(L, s), 0);
    const head = at(cts, first(ids, 'segment'), 'ciphertext');
    return lowestFittingLevel(ctx, sum, head.scale(), table.arith.level(head));
  });
  if (levels.some((l) => l === undefined)) return table.select([...js]).mean(0);
  const jobs: ProgramJob[] = members.map((ids, k) => {
    const adds: Step[] = ids.slice(1).map((_c, i) => ({ op: 'addInput', input: i + 1 }));
    return {
      inputs: ids.map((c) => at(cts, c, 'ciphertext')),
      steps: [
        ...adds,
        { op: 'modSwitch', level: levels[k] ?? 0 },
        { op: 'rotateSum', from: 1, to: L.stride },
      ],
    };
  });
  const sums = await runPrograms(table.keys, jobs, resolvePool(options.pool));
  const place = js.map((j) => {
    const ids = Array.from({ length: segs }, (_, s) => segmentAt(L, j, s).ct);
    return { ct: keys.indexOf(ids.join(',')), offset: segmentAt(L, j).offset };
  });
  return meansTable(table, js, sums, place, members.flat());
}
