/**
 * Slot layout of an encrypted table.
 *
 * A table is packed column-major: each column occupies a *run* of `stride` slots (a power of two
 * >= rows) starting at some slot `offset` of some ciphertext; row i of the column sits at
 * `offset + i`. With 4096 slots and 1,000 rows, stride = 1024 and four columns share a
 * ciphertext. When rows > slots, a column is cut into segments of `slots` rows, one ciphertext
 * each. Views (a row, a column, a cell) and reduction results reuse the same ciphertexts with
 * different placements, so selecting costs nothing.
 *
 * Flags record what the slots *outside* the cells hold, which decides whether rotations may mix
 * them in: `padClean` (the unused tail of every run is zero), `foreignClean` (slots outside every
 * run are zero), `replicated` (every ciphertext holds one column segment, repeated at every
 * multiple of `stride`: a free broadcast).
 */
import { at } from './checked.js';
import { CkksError, requireArg } from './errors.js';

/** Where one column segment lives. */
export interface Segment {
  readonly ct: number;
  readonly offset: number;
}

/** Physical layout of a table (see the module comment). */
export interface Layout {
  readonly rows: number;
  readonly cols: number;
  readonly slots: number;
  /** Run length per column segment (power of two). */
  readonly stride: number;
  /** Rows per segment (= rows unless rows > slots). */
  readonly segRows: number;
  /** place[column][segment]. */
  readonly place: readonly (readonly Segment[])[];
  readonly ctCount: number;
  readonly padClean: boolean;
  readonly foreignClean: boolean;
  readonly replicated: boolean;
}

/** Number of segments per column. */
export function segmentCount(layout: Layout): number {
  return Math.ceil(layout.rows / layout.segRows);
}

/** Segment `s` of physical column `j` (CORRUPT error if the placement has no such segment). */
export function segmentAt(layout: Layout, j: number, s = 0): Segment {
  return at(at(layout.place, j, 'column'), s, 'segment');
}

/** Rows held by segment `s`. */
export function rowsInSegment(layout: Layout, s: number): number {
  return Math.min(layout.segRows, layout.rows - s * layout.segRows);
}

/** Smallest power of two >= n (n >= 1). */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Run length for a fresh rows × cols table: a power of two >= rows, as large as possible without
 * needing more ciphertexts. Fewer, longer runs mean fewer (noisy) empty blocks in reductions
 * across columns.
 */
export function strideFor(rows: number, cols: number, slots: number): number {
  if (rows > slots) return slots;
  return Math.max(nextPow2(rows), slots / Math.min(slots, nextPow2(cols)));
}

/** Layout of a freshly encrypted rows × cols table. */
export function packLayout(rows: number, cols: number, slots: number): Layout {
  requireArg(Number.isInteger(rows) && rows >= 1, 'a table needs at least one row');
  requireArg(Number.isInteger(cols) && cols >= 1, 'a table needs at least one column');
  const place: Segment[][] = [];
  if (rows <= slots) {
    const stride = strideFor(rows, cols, slots);
    const perCt = slots / stride;
    for (let j = 0; j < cols; j++) {
      place.push([{ ct: Math.floor(j / perCt), offset: (j % perCt) * stride }]);
    }
    return {
      rows,
      cols,
      slots,
      stride,
      segRows: rows,
      place,
      ctCount: Math.ceil(cols / perCt),
      padClean: true,
      foreignClean: true,
      replicated: false,
    };
  }
  const segs = Math.ceil(rows / slots);
  for (let j = 0; j < cols; j++) {
    const col: Segment[] = [];
    for (let s = 0; s < segs; s++) col.push({ ct: j * segs + s, offset: 0 });
    place.push(col);
  }
  return {
    rows,
    cols,
    slots,
    stride: slots,
    segRows: slots,
    place,
    ctCount: cols * segs,
    padClean: true,
    foreignClean: true,
    replicated: false,
  };
}

/** Ciphertext and slot of physical cell (i, j). */
export function cellSlot(layout: Layout, i: number, j: number): { ct: number; slot: number } {
  const s = Math.floor(i / layout.segRows);
  const seg = layout.place[j]?.[s];
  if (!seg) throw new CkksError('SHAPE_MISMATCH', `cell (${i}, ${j}) is outside the table`);
  return { ct: seg.ct, slot: seg.offset + (i - s * layout.segRows) };
}

/**
 * Slot vectors (one per ciphertext) holding `value(i, j)` at every physical cell and 0 elsewhere;
 * replicated layouts get the value in every copy.
 */
export function cellVectors(
  layout: Layout,
  value: (i: number, j: number) => number,
): Float64Array[] {
  const out = Array.from({ length: layout.ctCount }, () => new Float64Array(layout.slots));
  const copies = layout.replicated ? layout.slots / layout.stride : 1;
  const segs = segmentCount(layout);
  for (let j = 0; j < layout.cols; j++) {
    for (let s = 0; s < segs; s++) {
      const seg = layout.place[j]?.[s] as Segment;
      const vec = out[seg.ct] as Float64Array;
      const n = rowsInSegment(layout, s);
      for (let r = 0; r < n; r++) {
        const v = value(s * layout.segRows + r, j);
        for (let k = 0; k < copies; k++)
          vec[(seg.offset + r + k * layout.stride) % layout.slots] = v;
      }
    }
  }
  return out;
}

/** Reads the physical cells out of decoded slot vectors. */
export function readCells(layout: Layout, decoded: readonly Float64Array[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < layout.rows; i++) {
    const row: number[] = [];
    for (let j = 0; j < layout.cols; j++) {
      const { ct, slot } = cellSlot(layout, i, j);
      row.push((decoded[ct] as Float64Array)[slot] as number);
    }
    out.push(row);
  }
  return out;
}

/** Layout as plain JSON (for bundle and result headers). */
export interface LayoutJson {
  rows: number;
  cols: number;
  stride: number;
  segRows: number;
  ctCount: number;
  place: [number, number][][];
  padClean: boolean;
  foreignClean: boolean;
  replicated: boolean;
}

export function layoutToJson(layout: Layout): LayoutJson {
  return {
    rows: layout.rows,
    cols: layout.cols,
    stride: layout.stride,
    segRows: layout.segRows,
    ctCount: layout.ctCount,
    place: layout.place.map((col) => col.map((seg) => [seg.ct, seg.offset] as [number, number])),
    padClean: layout.padClean,
    foreignClean: layout.foreignClean,
    replicated: layout.replicated,
  };
}

function isInt(x: unknown, min: number, max: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
}

/**
 * Validates an untrusted layout description against `slots` and caps; throws CORRUPT with the
 * first problem found. Checks every placement is inside its ciphertext and no two cells share a
 * slot.
 */
export function layoutFromJson(
  json: unknown,
  slots: number,
  limits: { maxCiphertexts: number; maxCells: number },
): Layout {
  const bad = (why: string): never => {
    throw new CkksError('CORRUPT', `invalid table layout: ${why}`);
  };
  if (!json || typeof json !== 'object') bad('not an object');
  const j = json as Record<string, unknown>;
  const { rows, cols, stride, segRows, ctCount, place, padClean, foreignClean, replicated } = j;
  if (!isInt(rows, 1, 2 ** 31)) bad('rows');
  if (!isInt(cols, 1, 2 ** 31)) bad('cols');
  if ((rows as number) * (cols as number) > limits.maxCells) {
    throw new CkksError('TOO_LARGE', `table has ${rows}×${cols} cells, above ${limits.maxCells}`);
  }
  if (!isInt(stride, 1, slots) || ((stride as number) & ((stride as number) - 1)) !== 0) {
    bad('stride');
  }
  if (!isInt(segRows, 1, slots) || (segRows as number) > (stride as number)) bad('segRows');
  if ((rows as number) > (segRows as number) && segRows !== slots) bad('segRows for long columns');
  if (!isInt(ctCount, 1, limits.maxCiphertexts)) bad('ctCount');
  if (typeof padClean !== 'boolean' || typeof foreignClean !== 'boolean') bad('flags');
  if (typeof replicated !== 'boolean') bad('flags');
  const segs = Math.ceil((rows as number) / (segRows as number));
  if (!Array.isArray(place) || place.length !== cols) bad('place');
  const used = new Set<number>();
  const out: Segment[][] = [];
  for (const col of place as unknown[]) {
    if (!Array.isArray(col) || col.length !== segs) bad('place column');
    const segList: Segment[] = [];
    (col as unknown[]).forEach((seg, s) => {
      if (!Array.isArray(seg) || seg.length !== 2) bad('segment');
      const [ct, offset] = seg as unknown[];
      if (!isInt(ct, 0, (ctCount as number) - 1)) bad('segment ciphertext index');
      if (!isInt(offset, 0, slots - 1)) bad('segment offset');
      const n = Math.min(segRows as number, (rows as number) - s * (segRows as number));
      if ((offset as number) + n > slots) bad('segment overflows its ciphertext');
      for (let r = 0; r < n; r++) {
        const key = (ct as number) * slots + (offset as number) + r;
        if (used.has(key)) bad('two cells share a slot');
        used.add(key);
      }
      segList.push({ ct: ct as number, offset: offset as number });
    });
    out.push(segList);
  }
  if (replicated) {
    // Every column alone in its ciphertext (its copies fill the rest of it).
    const cts = out.map((col) => (col[0] as Segment).ct);
    if (segs !== 1 || ctCount !== cols || new Set(cts).size !== cols) bad('replicated layout');
  }
  return {
    rows: rows as number,
    cols: cols as number,
    slots,
    stride: stride as number,
    segRows: segRows as number,
    place: out,
    ctCount: ctCount as number,
    padClean: padClean as boolean,
    foreignClean: foreignClean as boolean,
    replicated: replicated as boolean,
  };
}
