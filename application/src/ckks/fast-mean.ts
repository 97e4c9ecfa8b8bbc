/**
 * Column means with the fewest and cheapest operations: each ciphertext holding a requested
 * column is first dropped to the lowest level at which its column sums still fit (a rotation at
 * the last level of n8192-d4 costs a tenth of one at level 0), then summed with one rotation tree
 * of log2(rows) steps that serves every column packed in it; the division by the row count is a
 * free scalar product. Ciphertexts are independent, so the pool (pool.ts) reduces them in
 * parallel. Tables this kernel does not handle (transposed, segmented, computed) take the
 * general path `select(columns).mean(0)`.
 */
import { at } from './checked.js';
import type { CkksContext } from './context.js';
import { requireArg } from './errors.js';
import { nextPow2, segmentAt, segmentCount, type Layout, type Segment } from './layout.js';
import { lowestFittingLevel, requireFit } from './magnitude.js';
import { resolvePool, runPrograms, type PoolOption, type ProgramJob } from './pool.js';
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
  try {
    // Dividing by the count only changes the scale (free, exact bookkeeping).
    for (const s of sums) s.setScale(s.scale() * rows);
    const place = js.map((j) => {
      const seg = segmentAt(L, j);
      return [{ ct: order.indexOf(seg.ct), offset: seg.offset }];
    });
    const bound = Math.max(...order.map((c) => ciphertextBound(table, c)));
    requireFit(ctx, sums, bound, 'mean');
    const names = js.map((j) => table.columnNames[j] ?? `c${j}`);
    const layout = cellRowLayout(ctx, place, sums.length);
    return new EncryptedTable(table.keys, sums, layout, false, names, undefined, bound);
  } catch (e) {
    free(...sums);
    throw e;
  }
}
