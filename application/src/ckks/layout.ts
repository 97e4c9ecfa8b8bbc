/**
 * Slot layout of an encrypted table.
 *
 * A table is packed column-major: each column occupies a *run* of `stride` slots (a power of two
 * >= rows) starting at some slot `offset` of some ciphertext; row i of the column sits at
 * `offset + i`. With 4096 slots and 1,000 rows, stride = 1024 and four columns share a
 * ciphertext. When rows > slots, a column is cut into segments of `slots` rows, one ciphertext
 * each. A *row-blocked* table (the fresh layout of depth-0 presets, {@link freshLayout}) is cut
 * into segments of `stride` rows: ciphertext g holds row block g of every column, each column at
 * the same offset in every block, so a column sum is a few ciphertext additions and one short
 * rotation tree shared by all columns. Views (a row, a column, a cell) and reduction results reuse the same ciphertexts with
 * different placements, so selecting costs nothing.
 *
 * Flags record what the slots *outside* the cells hold, which decides whether rotations may mix
 * them in: `padClean` (the unused tail of every run is zero), `foreignClean` (slots outside every
 * run are zero), `replicated` (every ciphertext holds one column segment, repeated at every
 * multiple of `stride`: a free broadcast).
 */
import { at, first } from './checked.js';
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

/**
 * Rows per block of the row-blocked layout for a fresh table on a preset of `depth`, or
 * undefined for the packed layout. Depth-0 presets compute linear statistics only, where the cost
 * is the rotation tree down the rows: blocks of slots / nextPow2(cols) rows put every column of a
 * block in one ciphertext, so a column sum takes log2(block) rotations instead of log2(rows).
 * Deeper presets keep the packed layout their multiplication kernels are written for.
 */
export function blockRowsFor(
  depth: number,
  rows: number,
  cols: number,
  slots: number,
): number | undefined {
  if (depth > 0) return undefined;
  const block = slots / Math.min(slots, nextPow2(cols));
  return rows > block ? block : undefined;
}

/**
 * Layout of a freshly encrypted rows × cols table on a preset of `depth` (see blockRowsFor).
 * `summable[j]` says whether column j's sum fits the preset. A value past the headroom corrupts
 * every slot of its ciphertext, so in a row-blocked table the columns that cannot be summed
 * never share a ciphertext with those that can: they follow in ciphertexts of their own, each
 * column's blocks one after the other (they are never summed down, so need no alignment). No
 * summable column at all: the packed layout.
 */
export function freshLayout(
  rows: number,
  cols: number,
  slots: number,
  depth: number,
  summable?: readonly boolean[],
): Layout {
  const block = blockRowsFor(depth, rows, cols, slots);
  if (block === undefined || summable?.every((ok) => !ok)) return packLayout(rows, cols, slots);
  return blockLayout(rows, cols, slots, block, summable);
}

/**
 * Row-blocked layout: blocks of `block` rows (a power of two, less than rows). The summable
 * columns (all unless `summable` says otherwise) sit at offset p·block, p their rank, in
 * ciphertext g of block g: every block of a column at the same offset. The other columns follow
 * in extra ciphertexts, blocks in a row.
 */
export function blockLayout(
  rows: number,
  cols: number,
  slots: number,
  block: number,
  summable: readonly boolean[] = [],
): Layout {
  requireArg(Number.isInteger(rows) && rows >= 1, 'a table needs at least one row');
  requireArg(Number.isInteger(cols) && cols >= 1, 'a table needs at least one column');
  requireArg(
    Number.isInteger(block) && block >= 1 && block <= slots && (block & (block - 1)) === 0,
    'the block must be a power of two of at most the slot count',
  );
  const inLane = Array.from({ length: cols }, (_, j) => summable[j] !== false);
  const laneCols = inLane.filter(Boolean).length;
  requireArg(laneCols * block <= slots, 'more columns than a ciphertext has blocks');
  const blocks = Math.ceil(rows / block);
  const laneCts = laneCols > 0 ? blocks : 0;
  const place: Segment[][] = [];
  let rank = 0;
  let apart = 0;
  for (let j = 0; j < cols; j++) {
    const col: Segment[] = [];
    for (let g = 0; g < blocks; g++) {
      if (inLane[j]) {
        col.push({ ct: g, offset: rank * block });
      } else {
        const slot = (apart * blocks + g) * block;
        col.push({ ct: laneCts + Math.floor(slot / slots), offset: slot % slots });
      }
    }
    if (inLane[j]) rank += 1;
    else apart += 1;
    place.push(col);
  }
  return {
    rows,
    cols,
    slots,
    stride: block,
    segRows: block,
    place,
    ctCount: laneCts + Math.ceil((apart * blocks * block) / slots),
    padClean: true,
    foreignClean: true,
    replicated: false,
  };
}

/** Packed layout of a freshly encrypted rows × cols table (see the module comment). */
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
      const seg = segmentAt(layout, j, s);
      const vec = at(out, seg.ct, 'ciphertext');
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
      row.push(at(decoded, ct, 'decoded ciphertext')[slot] ?? NaN);
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

function corrupt(why: string): never {
  throw new CkksError('CORRUPT', `invalid table layout: ${why}`);
}

/** The scalar fields of an untrusted layout, checked. */
function layoutHeader(
  j: Record<string, unknown>,
  slots: number,
  limits: { maxCiphertexts: number; maxCells: number },
): Omit<Layout, 'place' | 'slots'> {
  const { rows, cols, stride, segRows, ctCount, padClean, foreignClean, replicated } = j;
  if (!isInt(rows, 1, 2 ** 31)) corrupt('rows');
  if (!isInt(cols, 1, 2 ** 31)) corrupt('cols');
  if (rows * cols > limits.maxCells) {
    throw new CkksError('TOO_LARGE', `table has ${rows}×${cols} cells, above ${limits.maxCells}`);
  }
  if (!isInt(stride, 1, slots) || (stride & (stride - 1)) !== 0) corrupt('stride');
  if (!isInt(segRows, 1, slots) || segRows > stride) corrupt('segRows');
  if (rows > segRows && segRows !== stride) corrupt('segRows for long columns');
  if (!isInt(ctCount, 1, limits.maxCiphertexts)) corrupt('ctCount');
  if (typeof padClean !== 'boolean' || typeof foreignClean !== 'boolean') corrupt('flags');
  if (typeof replicated !== 'boolean') corrupt('flags');
  return { rows, cols, stride, segRows, ctCount, padClean, foreignClean, replicated };
}

/** One column's segments, checked against the header; marks the slots it uses in `used`. */
function placeColumn(
  col: unknown,
  h: Omit<Layout, 'place' | 'slots'>,
  slots: number,
  used: Set<number>,
): Segment[] {
  const segs = Math.ceil(h.rows / h.segRows);
  if (!Array.isArray(col) || col.length !== segs) corrupt('place column');
  return col.map((seg: unknown, s) => {
    if (!Array.isArray(seg) || seg.length !== 2) corrupt('segment');
    const [ct, offset] = seg as unknown[];
    if (!isInt(ct, 0, h.ctCount - 1)) corrupt('segment ciphertext index');
    if (!isInt(offset, 0, slots - 1)) corrupt('segment offset');
    const n = Math.min(h.segRows, h.rows - s * h.segRows);
    if (offset + n > slots) corrupt('segment overflows its ciphertext');
    for (let r = 0; r < n; r++) {
      const key = ct * slots + offset + r;
      if (used.has(key)) corrupt('two cells share a slot');
      used.add(key);
    }
    return { ct, offset };
  });
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
  if (!json || typeof json !== 'object') corrupt('not an object');
  const j = json as Record<string, unknown>;
  const h = layoutHeader(j, slots, limits);
  const { place } = j;
  if (!Array.isArray(place) || place.length !== h.cols) corrupt('place');
  const used = new Set<number>();
  const out = place.map((col: unknown) => placeColumn(col, h, slots, used));
  if (h.replicated) {
    // Every column alone in its ciphertext (its copies fill the rest of it).
    const cts = out.map((col) => first(col, 'segment').ct);
    const segs = Math.ceil(h.rows / h.segRows);
    if (segs !== 1 || h.ctCount !== h.cols || new Set(cts).size !== h.cols) {
      corrupt('replicated layout');
    }
  }
  return { ...h, slots, place: out };
}
