/**
 * Building new tables from an existing one: over fresh ciphertexts with a patched layout, as a
 * view sharing ciphertexts, or by mapping every ciphertext. Shared by all operation modules.
 */
import type { Ciphertext } from 'node-seal';
import { at } from './checked.js';
import { CkksError } from './errors.js';
import { cellVectors, type Layout, type Segment } from './layout.js';
import { free } from './seal.js';
import { EncryptedTable } from './table.js';

/** Changes to a table's layout made by an operation. */
export interface LayoutPatch {
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

/** A table over `cts` (taken over) with `t`'s layout, patched. */
export function derive(
  t: EncryptedTable,
  cts: Ciphertext[],
  patch: LayoutPatch,
  transposed = t.transposed,
  names = t.columnNames,
): EncryptedTable {
  const layout: Layout = { ...t.layout, ...patch, ctCount: patch.ctCount ?? cts.length };
  return new EncryptedTable(t.keys, cts, layout, transposed, names, undefined, t.bound);
}

/** A view sharing `t`'s ciphertexts (reference-counted handles) with a new placement. */
export function shareView(
  t: EncryptedTable,
  place: readonly (readonly Segment[])[],
  patch: LayoutPatch,
  names: readonly string[],
  transposed = t.transposed,
): EncryptedTable {
  const own = t.ciphertexts();
  const used = [...new Set(place.flat().map((s) => s.ct))].sort((a, b) => a - b);
  const remap = new Map(used.map((ct, i) => [ct, i]));
  const cts = used.map((i) => at(own, i, 'ciphertext').clone());
  const newPlace = place.map((col) =>
    col.map((s) => ({ ct: remap.get(s.ct) ?? -1, offset: s.offset })),
  );
  const layout: Layout = { ...t.layout, ...patch, place: newPlace, ctCount: cts.length };
  // A view holds only the chosen ciphertexts: its bound is theirs (every slot of them).
  const perCt = t.ciphertextBounds;
  const ctBounds = perCt ? used.map((i) => at(perCt, i, 'ciphertext bound')) : undefined;
  const bound = ctBounds ? Math.min(t.bound, Math.max(0, ...ctBounds)) : t.bound;
  return new EncryptedTable(t.keys, cts, layout, transposed, names, undefined, bound, ctBounds);
}

/** Runs `fn` on every ciphertext of `t`, building a table with the same placement. */
export function mapCiphertexts(
  t: EncryptedTable,
  fn: (ct: Ciphertext, index: number) => Ciphertext,
  patch: LayoutPatch = {},
): EncryptedTable {
  const out: Ciphertext[] = [];
  try {
    t.ciphertexts().forEach((ct, i) => out.push(fn(ct, i)));
  } catch (e) {
    free(...out);
    throw e;
  }
  return derive(t, out, patch);
}

/** Plain slot vectors for a function of `t`'s logical coordinates. */
export function plainVectors(
  t: EncryptedTable,
  value: (i: number, j: number) => number,
): Float64Array[] {
  const phys = t.transposed ? (i: number, j: number) => value(j, i) : value;
  return cellVectors(t.layout, phys);
}

/** Throws unless `b` is alive and under the same preset and keys as `a`. */
export function assertSameKeys(a: EncryptedTable, b: EncryptedTable): void {
  b.assertLive();
  if (b.keys.preset.name !== a.keys.preset.name) {
    throw new CkksError(
      'PRESET_MISMATCH',
      `cannot combine tables of presets ${a.keys.preset.name} and ${b.keys.preset.name}`,
    );
  }
  if (b.keys.keyId !== a.keys.keyId) {
    throw new CkksError('KEY_MISMATCH', 'cannot combine tables encrypted under different keys');
  }
}
