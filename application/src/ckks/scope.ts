/**
 * Lifetime bookkeeping of encrypted tables: the FinalizationRegistry that frees forgotten tables,
 * the {@link tidy} scopes, and the shared {@link Arith} helper of each key set.
 */
import type { Ciphertext } from 'node-seal';
import { Arith } from './arith.js';
import type { EvaluationKeys } from './keys.js';

/** What the scopes need of a table (EncryptedTable implements it). */
export interface ScopedTable {
  dispose(): void;
}

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

/** Every table ever tracked (to recognise tables in a tidy result). */
const tracked = new WeakSet<ScopedTable>();
const scopes: Set<ScopedTable>[] = [];

/** @internal Called by the table constructor: GC safety net plus the innermost tidy scope. */
export function trackTable(table: ScopedTable, cts: readonly Ciphertext[]): void {
  tracked.add(table);
  registry.register(table, [...cts], table);
  scopes[scopes.length - 1]?.add(table);
}

/** @internal Called by dispose: the ciphertexts are freed explicitly. */
export function untrackTable(table: ScopedTable): void {
  registry.unregister(table);
  for (const s of scopes) s.delete(table);
}

function collect(value: unknown, into: Set<ScopedTable>, depth = 0): void {
  if (value && typeof value === 'object' && tracked.has(value as ScopedTable)) {
    into.add(value as ScopedTable);
  } else if (depth < 3 && Array.isArray(value)) {
    for (const v of value) collect(v, into, depth + 1);
  } else if (depth < 3 && value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) collect(v, into, depth + 1);
  }
}

/**
 * Runs `fn` and disposes every table created during it except the ones it returns (directly, in
 * an array, or as values of a plain object). Like tf.tidy: keeps intermediate results from
 * piling up in WASM memory.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<ScopedTable>();
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
  const keep = new Set<ScopedTable>();
  collect(result, keep);
  for (const t of scope) if (!keep.has(t)) t.dispose();
  const outer = scopes[scopes.length - 1];
  if (outer) for (const t of keep) outer.add(t);
  return result;
}
