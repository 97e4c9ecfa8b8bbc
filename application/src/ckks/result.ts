/**
 * The compact "encrypted result" a buyer uploads: ciphertexts only (never keys), each output's
 * shape and slot layout, and the number of values it claims. The seller loads it as untrusted
 * input, checks the claim against its release policy before touching SEAL, then safe-decrypts.
 */
import type { Ciphertext } from 'node-seal';
import { readContainer, sha256Hex, writeContainer, type Section } from './container.js';
import type { CkksContext } from './context.js';
import { at, first } from './checked.js';
import { CkksError, requireArg } from './errors.js';
import type { TradeKeys } from './keys.js';
import { layoutFromJson, layoutToJson, type Layout } from './layout.js';
import { lowestFittingLevel, requireFit } from './magnitude.js';
import { free } from './seal.js';
import { EncryptedTable, arithFor } from './table.js';
import { loadCiphertext, presetFromHeader } from './validate.js';

const RESULT_TYPE = 'datamarket/ckks-result';
const MAX_OUTPUTS = 64;

/** A serialized result. */
export interface SerializedResult {
  bytes: Uint8Array;
  /** SHA-256 (hex) of `bytes`. */
  sha256: string;
  /** Number of values (cells) the result holds. */
  valueCount: number;
}

/**
 * Buyer entry point: serializes one table or named tables as an encrypted result. Ciphertexts
 * are first dropped to the lowest level at which the table's tracked bound still fits (smallest
 * size without wrapping values around); each output carries its bound, which the seller's
 * release check uses to tighten (never widen) its range check.
 */
export function serializeResult(
  outputs: EncryptedTable | Readonly<Record<string, EncryptedTable>>,
  options: { compressionLevel?: number } = {},
): SerializedResult {
  const named: [string, EncryptedTable][] =
    outputs instanceof EncryptedTable ? [['result', outputs]] : Object.entries(outputs);
  requireArg(
    named.length > 0 && named.length <= MAX_OUTPUTS,
    `a result has 1..${MAX_OUTPUTS} outputs`,
  );
  const keys = first(named, 'output')[1].keys;
  const sections: Section[] = [];
  const described = named.map(([name, table]) => {
    requireArg(name.length > 0 && name.length <= 128, 'output names must have 1..128 characters');
    if (table.keys.keyId !== keys.keyId) {
      throw new CkksError('KEY_MISMATCH', 'all outputs of a result must use the same keys');
    }
    const a = arithFor(table.keys);
    for (const ct of table.ciphertexts()) {
      const level = a.level(ct);
      const target = lowestFittingLevel(keys.ctx, table.bound, ct.scale(), level);
      if (target === undefined) requireFit(keys.ctx, [ct], table.bound, `output '${name}'`);
      const low = a.modSwitchTo(ct, target ?? level);
      try {
        sections.push({
          kind: 'ciphertext',
          bytes: (low.saveToArray(keys.ctx.seal.ComprModeType.none) as Uint8Array).slice(),
        });
      } finally {
        low.delete();
      }
    }
    return {
      name,
      transposed: table.transposed,
      layout: layoutToJson(table.layout),
      bound: table.bound,
    };
  });
  const valueCount = named.reduce((n, [, t]) => n + t.size, 0);
  const header = {
    type: RESULT_TYPE,
    preset: keys.preset.name,
    presetId: keys.preset.id,
    paramsHash: keys.ctx.paramsHash,
    keyId: keys.keyId,
    valueCount,
    outputs: described,
  };
  const { bytes } = writeContainer('R', header, sections, options.compressionLevel);
  return { bytes, sha256: sha256Hex(bytes), valueCount };
}

/** One output of a loaded result. */
export interface ResultOutput {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly transposed: boolean;
  readonly layout: Layout;
  /** The bound on |value| the buyer claims (untrusted: it may only tighten the release check). */
  readonly bound: number | undefined;
  /** @internal owned by the EncryptedResult */
  readonly ciphertexts: readonly Ciphertext[];
}

/** A loaded (validated, not yet decrypted) result. */
export class EncryptedResult {
  readonly ctx: CkksContext;
  readonly keyId: string;
  readonly valueCount: number;
  readonly outputs: readonly ResultOutput[];
  readonly sha256: string;
  private disposed = false;

  /** @internal */
  constructor(ctx: CkksContext, keyId: string, outputs: ResultOutput[], sha256: string) {
    this.ctx = ctx;
    this.keyId = keyId;
    this.outputs = outputs;
    this.valueCount = outputs.reduce((n, o) => n + o.rows * o.cols, 0);
    this.sha256 = sha256;
  }

  assertLive(): void {
    if (this.disposed) throw new CkksError('DISPOSED', 'this result was disposed');
  }

  /** Frees the ciphertexts. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const o of this.outputs) free(...o.ciphertexts);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Limits for {@link loadResult}. */
export interface LoadResultOptions {
  /** Max number of values the result may hold (the release policy's bound). Required. */
  maxValues: number;
  /** Max input bytes (default 64 MiB). */
  maxBytes?: number;
  /** Max decompressed bytes (default 128 MiB). */
  maxUncompressedBytes?: number;
  /** SHA-256 (hex) the input must have (e.g. as registered on the ledger). */
  expectedSha256?: string;
}

/** The claimed value count, checked against the policy's cap. */
function valueCountOf(h: Record<string, unknown>, maxValues: number): number {
  const count = h.valueCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new CkksError('CORRUPT', 'missing or malformed value count');
  }
  if (count > maxValues) {
    throw new CkksError(
      'RESULT_TOO_LARGE',
      `result claims ${count} values; the release policy allows at most ${maxValues}`,
    );
  }
  return count;
}

/** One output of the plan: where its ciphertexts go. */
interface PlannedOutput {
  name: string;
  transposed: boolean;
  layout: Layout;
  bound: number | undefined;
}

/** The claimed bound of an output: absent in results written before bounds were tracked. */
function claimedBound(bound: unknown): number | undefined {
  if (bound === undefined) return undefined;
  if (typeof bound !== 'number' || !Number.isFinite(bound) || bound < 0) {
    throw new CkksError('CORRUPT', 'malformed output bound');
  }
  return bound;
}

/** One described output, checked (name unique among `names`, layout within the caps). */
function planOutput(
  o: unknown,
  names: Set<string>,
  slots: number,
  limits: { maxCiphertexts: number; maxCells: number },
): PlannedOutput {
  const d = o as {
    name?: unknown;
    transposed?: unknown;
    layout?: unknown;
    bound?: unknown;
  } | null;
  const name = d?.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 128 || names.has(name)) {
    throw new CkksError('CORRUPT', 'malformed or duplicate output name');
  }
  const transposed = d?.transposed;
  if (typeof transposed !== 'boolean') throw new CkksError('CORRUPT', 'malformed output');
  names.add(name);
  const layout = layoutFromJson(d?.layout, slots, limits);
  if (layout.ctCount > layout.rows * layout.cols) {
    throw new CkksError('CORRUPT', 'an output has more ciphertexts than values');
  }
  return { name, transposed, layout, bound: claimedBound(d?.bound) };
}

/** The outputs the header describes, checked to hold `count` values in `ctCount` ciphertexts. */
function planOutputs(
  outs: unknown,
  slots: number,
  count: number,
  ctCount: number,
  maxValues: number,
): PlannedOutput[] {
  if (!Array.isArray(outs) || outs.length < 1 || outs.length > MAX_OUTPUTS) {
    throw new CkksError('CORRUPT', 'malformed output list');
  }
  const names = new Set<string>();
  const limits = { maxCiphertexts: ctCount, maxCells: maxValues };
  const plan = outs.map((o: unknown) => planOutput(o, names, slots, limits));
  const cells = plan.reduce((n, p) => n + p.layout.rows * p.layout.cols, 0);
  if (cells !== count) {
    throw new CkksError('CORRUPT', `result claims ${count} values but its layouts hold ${cells}`);
  }
  if (plan.reduce((n, p) => n + p.layout.ctCount, 0) !== ctCount) {
    throw new CkksError('CORRUPT', 'ciphertext count does not match the layouts');
  }
  return plan;
}

/** Loads the ciphertexts of every planned output, in order. */
function loadOutputs(
  ctx: CkksContext,
  plan: readonly PlannedOutput[],
  sections: readonly Section[],
): ResultOutput[] {
  const outputs: ResultOutput[] = [];
  const loaded: Ciphertext[] = [];
  try {
    let next = 0;
    for (const p of plan) {
      const cts: Ciphertext[] = [];
      for (let i = 0; i < p.layout.ctCount; i++) {
        const s = at(sections, next, 'section');
        const ct = loadCiphertext(ctx, s.bytes, `ciphertext ${next}`);
        loaded.push(ct);
        cts.push(ct);
        next++;
      }
      outputs.push({
        name: p.name,
        rows: p.transposed ? p.layout.cols : p.layout.rows,
        cols: p.transposed ? p.layout.rows : p.layout.cols,
        transposed: p.transposed,
        layout: p.layout,
        bound: p.bound,
        ciphertexts: cts,
      });
    }
  } catch (e) {
    free(...loaded);
    throw e;
  }
  return outputs;
}

/**
 * Seller entry point: loads an untrusted result uploaded by a buyer. Checks size caps, envelope,
 * digest, that it targets this key set and preset, that the claimed value count is within
 * `maxValues` and matches the layouts, that it carries only ciphertexts, then validates each
 * ciphertext (SEAL's check plus the engine's).
 */
export async function loadResult(
  bytes: Uint8Array,
  keys: TradeKeys,
  options: LoadResultOptions,
): Promise<EncryptedResult> {
  keys.assertLive();
  requireArg(
    Number.isInteger(options.maxValues) && options.maxValues > 0,
    'maxValues must be a positive integer',
  );
  const parsed = readContainer(
    bytes,
    'R',
    {
      maxBytes: options.maxBytes ?? 64 * 2 ** 20,
      maxUncompressedBytes: options.maxUncompressedBytes ?? 128 * 2 ** 20,
    },
    options.expectedSha256,
  );
  const h = parsed.header;
  if (h.type !== RESULT_TYPE) throw new CkksError('CORRUPT', 'not a CKKS result header');
  const ctx = await presetFromHeader(h, keys.preset);
  if (h.keyId !== keys.keyId) {
    throw new CkksError(
      'KEY_MISMATCH',
      'this result was computed under another key set (wrong trade?)',
    );
  }
  const count = valueCountOf(h, options.maxValues);
  for (const s of parsed.sections) {
    if (s.kind !== 'ciphertext') {
      throw new CkksError('CORRUPT', `a result may carry only ciphertexts, found '${s.kind}'`);
    }
  }
  const n = parsed.sections.length;
  const plan = planOutputs(h.outputs, ctx.slots, count, n, options.maxValues);
  const outputs = loadOutputs(ctx, plan, parsed.sections);
  return new EncryptedResult(ctx, keys.keyId, outputs, sha256Hex(bytes));
}
