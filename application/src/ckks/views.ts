/** Views: rows, columns, cells, selections and the transpose. They share ciphertexts (no computation). */
import { at } from './checked.js';
import { shareView } from './derive.js';
import { CkksError, requireArg } from './errors.js';
import { segmentAt } from './layout.js';
import type { EncryptedTable } from './table.js';

/** Physical columns `js` of `t`. */
function physCols(t: EncryptedTable, js: readonly number[]): EncryptedTable {
  const L = t.layout;
  for (const j of js) {
    requireArg(
      Number.isInteger(j) && j >= 0 && j < L.cols,
      `column ${j} is out of range 0..${L.cols - 1}`,
    );
  }
  const chosen = new Set(js);
  const columns = js.map((j) => at(L.place, j, 'column'));
  const usedCts = new Set(columns.flatMap((col) => col.map((s) => s.ct)));
  // The foreign slots stay clean only if no other column shares a chosen ciphertext.
  const alone = L.place.every((col, j) => chosen.has(j) || !col.some((s) => usedCts.has(s.ct)));
  return shareView(
    t,
    columns,
    { cols: js.length, foreignClean: L.foreignClean && alone },
    js.map((j) => t.columnNames[j] ?? `c${j}`),
  );
}

/** Physical row `i` of `t`. */
function physRow(t: EncryptedTable, i: number): EncryptedTable {
  const L = t.layout;
  requireArg(
    Number.isInteger(i) && i >= 0 && i < L.rows,
    `row ${i} is out of range 0..${L.rows - 1}`,
  );
  const s = Math.floor(i / L.segRows);
  const r = i - s * L.segRows;
  const place = L.place.map((_col, j) => {
    const seg = segmentAt(L, j, s);
    return [{ ct: seg.ct, offset: seg.offset + r }];
  });
  const onlyRow = L.rows === 1;
  return shareView(
    t,
    place,
    {
      rows: 1,
      stride: 1,
      segRows: 1,
      padClean: true,
      foreignClean: onlyRow && L.foreignClean,
      replicated: false,
    },
    t.columnNames,
  );
}

/** The index of column `c` (an index already, or a name). */
export function columnIndex(t: EncryptedTable, c: number | string): number {
  if (typeof c === 'number') return c;
  if (t.transposed) {
    throw new CkksError('INVALID_ARGUMENT', 'a transposed table has no column names');
  }
  const j = t.columnNames.indexOf(c);
  if (j < 0) throw new CkksError('INVALID_ARGUMENT', `no column named '${c}'`);
  return j;
}

export function row(t: EncryptedTable, i: number): EncryptedTable {
  t.assertLive();
  return t.transposed ? physCols(t, [i]) : physRow(t, i);
}

export function col(t: EncryptedTable, j: number | string): EncryptedTable {
  t.assertLive();
  const idx = columnIndex(t, j);
  return t.transposed ? physRow(t, idx) : physCols(t, [idx]);
}

export function cell(t: EncryptedTable, i: number, j: number | string): EncryptedTable {
  t.assertLive();
  using r = row(t, i);
  return col(r, typeof j === 'string' ? columnIndex(t, j) : j);
}

export function select(t: EncryptedTable, columns: readonly (number | string)[]): EncryptedTable {
  t.assertLive();
  const [only, ...more] = columns;
  requireArg(only !== undefined, 'select needs at least one column');
  if (t.transposed) {
    if (more.length === 0) return col(t, only);
    throw new CkksError(
      'LAYOUT_UNSUPPORTED',
      'selecting several columns of a transposed table would need a physical transpose; ' +
        'select on the untransposed table, then transpose',
    );
  }
  return physCols(
    t,
    columns.map((c) => columnIndex(t, c)),
  );
}

export function transpose(t: EncryptedTable): EncryptedTable {
  t.assertLive();
  return shareView(t, t.layout.place, {}, t.columnNames, !t.transposed);
}

/** A view of all of `t` (a fresh handle on the same ciphertexts). */
export function copy(t: EncryptedTable): EncryptedTable {
  return shareView(t, t.layout.place, {}, t.columnNames);
}
