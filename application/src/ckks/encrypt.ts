/**
 * Encrypting a plain table into an {@link EncryptedTable} and decrypting one back (raw, full
 * precision: for the seller's own inspection only; results for release go through safeDecrypt).
 */
import type { Ciphertext } from 'node-seal';
import { CkksError, requireArg } from './errors.js';
import { TradeKeys, type EvaluationKeys } from './keys.js';
import { cellVectors, freshLayout, readCells, type Layout } from './layout.js';
import { fitsAt, maxAbs } from './magnitude.js';
import { resolvePool, type PoolOption } from './pool.js';
import { free, owned, sealCall, sealLoad } from './seal.js';
import { EncryptedTable } from './table.js';

/** Checks that `data` is a non-empty rectangular matrix of finite numbers; returns its shape. */
export function checkMatrix(data: readonly (readonly number[])[]): [number, number] {
  const input: unknown = data;
  requireArg(Array.isArray(input) && data.length > 0, 'data must be a non-empty array of rows');
  const cols = data[0]?.length ?? 0;
  requireArg(cols > 0, 'rows must not be empty');
  for (const [i, row] of data.entries()) {
    const cells: unknown = row;
    if (!Array.isArray(cells) || row.length !== cols) {
      const width: unknown = (cells as { length?: unknown } | null | undefined)?.length;
      throw new CkksError(
        'SHAPE_MISMATCH',
        `row ${i} has ${String(width)} values, expected ${cols}`,
      );
    }
    for (const [j, v] of row.entries()) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new CkksError('INVALID_ARGUMENT', `value at (${i}, ${j}) is not a finite number`);
      }
    }
  }
  return [data.length, cols];
}

/** Throws VALUE_OUT_OF_RANGE unless every |value| is below `limit`. */
function checkHeadroom(data: readonly (readonly number[])[], limit: number, preset: string): void {
  for (const [i, row] of data.entries()) {
    for (const [j, v] of row.entries()) {
      if (Math.abs(v) >= limit) {
        throw new CkksError(
          'VALUE_OUT_OF_RANGE',
          `value at (${i}, ${j}) exceeds ±${limit}, the range of preset ${preset}; ` +
            'standardize or rescale the data, or use a preset with more headroom',
        );
      }
    }
  }
}

/** Options of {@link encryptTable}. */
export interface EncryptOptions {
  /**
   * Declared bound on |cell| (e.g. the listing's value range), at least the data's own maximum.
   * Default: the data's own maximum |value|. Every later operation starts from this bound.
   */
  bound?: number;
}

/** The table's starting bound: the declared one (checked against the data) or the data's. */
function startingBound(
  data: readonly (readonly number[])[],
  range: number,
  declared?: number,
): number {
  const own = maxAbs(data.flat());
  if (declared === undefined) return own;
  requireArg(
    Number.isFinite(declared) && declared >= own && declared < range,
    `the declared bound ${String(declared)} must be at least the data's largest |value| ` +
      `${own} and below the preset's range ±${range}`,
  );
  return declared;
}

/**
 * Seller (or buyer) entry point: encrypts a rows × cols matrix, packed column-major into slots.
 *
 * With the seller's {@link TradeKeys} it uses secret-key encryption (less noise; ciphertexts
 * serialize at half size); with {@link EvaluationKeys} (buyer) public-key encryption.
 *
 * @param columns optional column names (default c0, c1, ...).
 * @throws CkksError VALUE_OUT_OF_RANGE if a value exceeds the preset's headroom.
 */
export function encryptTable(
  keys: TradeKeys | EvaluationKeys,
  data: readonly (readonly number[])[],
  columns?: readonly string[],
  options: EncryptOptions = {},
): EncryptedTable {
  const plan = planEncryption(keys, data, columns, options);
  const ctx = keys.ctx;
  const cts: Ciphertext[] = [];
  const seeded: Uint8Array[] = [];
  const secret = keys instanceof TradeKeys;
  try {
    for (const vec of plan.vectors) {
      using pt = owned(ctx.encode(vec, plan.scale, 0));
      const ct = new ctx.seal.Ciphertext();
      cts.push(ct);
      if (secret) {
        using ser = owned(keys.encryptor.encryptSymmetricSerializable(pt));
        const bytes = (ser.saveToArray(ctx.seal.ComprModeType.none) as Uint8Array).slice();
        seeded.push(bytes);
        sealLoad('load ciphertext', ct, ctx.context, bytes, 'SEAL_ERROR');
      } else {
        keys.encryptor.encrypt(pt, ct);
      }
    }
  } catch (e) {
    free(...cts);
    throw e;
  }
  return finish(keys, plan, cts, secret ? seeded : undefined);
}

/** What an encryption needs, checked: layout, slot vectors, scale, bounds. */
interface EncryptionPlan {
  names: string[];
  layout: Layout;
  vectors: Float64Array[];
  scale: number;
  bound: number;
  ctBounds: number[] | undefined;
}

function planEncryption(
  keys: TradeKeys | EvaluationKeys,
  data: readonly (readonly number[])[],
  columns: readonly string[] | undefined,
  options: EncryptOptions,
): EncryptionPlan {
  const [rows, cols] = checkMatrix(data);
  const names = columns ? [...columns] : Array.from({ length: cols }, (_, j) => `c${j}`);
  requireArg(names.length === cols, `expected ${cols} column names, got ${names.length}`);
  requireArg(new Set(names).size === cols, 'column names must be unique');
  keys.assertLive();
  const ctx = keys.ctx;
  const range = 2 ** (ctx.preset.headroomBits - 1);
  checkHeadroom(data, range, ctx.preset.name);
  const bound = startingBound(data, range, options.bound);
  // Which columns could be summed at all (the row-blocked layout keeps the others apart).
  const summable = Array.from({ length: cols }, (_, j) => {
    const own = options.bound ?? maxAbs(data.map((row) => row[j] ?? 0));
    return fitsAt(ctx, own * rows, ctx.scaleAt(0), 0);
  });
  const layout = freshLayout(rows, cols, ctx.slots, ctx.depth, summable);
  const vectors = cellVectors(layout, (i, j) => data[i]?.[j] ?? NaN);
  // Per-ciphertext bounds only from the data's own values (a declared bound is table-wide).
  const ctBounds = options.bound === undefined ? vectors.map((v) => maxAbs(v)) : undefined;
  return { names, layout, vectors, scale: ctx.scaleAt(0), bound, ctBounds };
}

function finish(
  keys: TradeKeys | EvaluationKeys,
  plan: EncryptionPlan,
  cts: Ciphertext[],
  seeded: Uint8Array[] | undefined,
): EncryptedTable {
  const evaluation = keys instanceof TradeKeys ? keys.evaluation : keys;
  return new EncryptedTable(
    evaluation,
    cts,
    plan.layout,
    false,
    plan.names,
    seeded,
    plan.bound,
    plan.ctBounds,
  );
}

/**
 * {@link encryptTable} with the ciphertexts encrypted in parallel by the worker pool (seller
 * keys only; `options.pool`, default DATAMARKET_CKKS_POOL). Without a pool, or with a single
 * ciphertext, it is encryptTable.
 */
export async function encryptTableAsync(
  keys: TradeKeys | EvaluationKeys,
  data: readonly (readonly number[])[],
  columns?: readonly string[],
  options: EncryptOptions & { pool?: PoolOption } = {},
): Promise<EncryptedTable> {
  const pool = resolvePool(options.pool);
  if (!pool || !(keys instanceof TradeKeys)) return encryptTable(keys, data, columns, options);
  const plan = planEncryption(keys, data, columns, options);
  if (plan.vectors.length < 2) return encryptTable(keys, data, columns, options);
  const seeded = await pool.encrypt(keys, plan.vectors, plan.scale);
  const ctx = keys.ctx;
  const cts: Ciphertext[] = [];
  try {
    for (const bytes of seeded) {
      const ct = new ctx.seal.Ciphertext();
      cts.push(ct);
      sealLoad('load ciphertext', ct, ctx.context, bytes, 'SEAL_ERROR');
    }
  } catch (e) {
    free(...cts);
    throw e;
  }
  return finish(keys, plan, cts, seeded);
}

/** Decrypts and decodes every ciphertext of a table (seller only). */
export function decryptSlots(table: EncryptedTable, keys: TradeKeys): Float64Array[] {
  const input: unknown = table;
  requireArg(input instanceof EncryptedTable, 'decryption needs an EncryptedTable');
  keys.assertLive();
  if (table.keys.keyId !== keys.keyId) {
    throw new CkksError('KEY_MISMATCH', 'this table was not encrypted under these keys');
  }
  const ctx = keys.ctx;
  using pt = owned(new ctx.seal.Plaintext());
  return table.ciphertexts().map((ct) => {
    sealCall(
      'decrypt',
      () => {
        keys.decryptor.decrypt(ct, pt);
      },
      'INVALID_CIPHERTEXT',
    );
    return ctx.decode(pt);
  });
}

/**
 * Seller: raw decryption of a table to number[][] (logical orientation), at full precision.
 * For local checks only: never release this output to a buyer (use safeDecrypt).
 */
export function decryptTable(table: EncryptedTable, keys: TradeKeys): number[][] {
  const cells = readCells(table.layout, decryptSlots(table, keys));
  if (!table.transposed) return cells;
  return Array.from({ length: table.rows }, (_, i) =>
    Array.from({ length: table.cols }, (_, j) => cells[j]?.[i] ?? NaN),
  );
}
