/**
 * The bundle the seller publishes for a trade: the encrypted table plus the public material the
 * buyer needs to compute (public key, relinearisation keys, the agreed Galois keys), the preset
 * and the table's shape and slot layout. Never contains the secret key.
 */
import type { Ciphertext } from 'node-seal';
import {
  checkSealObject,
  readContainer,
  sha256Hex,
  writeContainer,
  type Section,
} from './container.js';
import type { CkksContext } from './context.js';
import { CkksError } from './errors.js';
import { EvaluationKeys, galoisElement } from './keys.js';
import { layoutFromJson, layoutToJson } from './layout.js';
import { presetRange } from './magnitude.js';
import { free } from './seal.js';
import { EncryptedTable } from './table.js';
import { loadCiphertext, maxKeyBytes, presetFromHeader } from './validate.js';

const BUNDLE_TYPE = 'datamarket/ckks-bundle';

/** Options of {@link serializeBundle}. */
export interface BundleOptions {
  /** Include the Galois keys (default true; without them the buyer cannot sum or rotate). */
  galoisKeys?: boolean;
  /** zlib level 0..9 (default 6). */
  compressionLevel?: number;
}

/** A serialized bundle and its sizes. */
export interface SerializedBundle {
  /** The bundle bytes. */
  bytes: Uint8Array;
  /** SHA-256 (hex) of `bytes`: register this on the ledger. */
  sha256: string;
  /** Payload bytes before compression. */
  uncompressedBytes: number;
  /** Bytes per section kind (uncompressed). */
  sectionBytes: { publicKey: number; relinKeys: number; galoisKeys: number; ciphertexts: number };
}

/**
 * Seller entry point: serializes an encrypted table with its public material.
 * Freshly encrypted seller tables are written in SEAL's seeded form (half size).
 */
export function serializeBundle(
  table: EncryptedTable,
  options: BundleOptions = {},
): SerializedBundle {
  const keys = table.keys;
  keys.assertLive();
  const includeGalois = options.galoisKeys ?? true;
  const none = keys.ctx.seal.ComprModeType.none;
  const cts = table.ciphertexts();
  const ctBytes = table.seeded ?? cts.map((ct) => (ct.saveToArray(none) as Uint8Array).slice());
  const sections: Section[] = [
    { kind: 'publicKey', bytes: keys.bytes.publicKey },
    { kind: 'relinKeys', bytes: keys.bytes.relinKeys },
  ];
  const galois = includeGalois ? keys.bytes.galoisKeys : undefined;
  if (galois) sections.push({ kind: 'galoisKeys', bytes: galois });
  for (const b of ctBytes) sections.push({ kind: 'ciphertext', bytes: b });
  const header = {
    type: BUNDLE_TYPE,
    preset: keys.preset.name,
    presetId: keys.preset.id,
    paramsHash: keys.ctx.paramsHash,
    keyId: keys.keyId,
    galoisSteps: galois ? [...keys.galoisSteps] : [],
    table: {
      columns: [...table.columnNames],
      transposed: table.transposed,
      layout: layoutToJson(table.layout),
      bound: table.bound,
      ...(table.ciphertextBounds ? { ctBounds: [...table.ciphertextBounds] } : {}),
    },
  };
  const { bytes, uncompressedBytes } = writeContainer(
    'B',
    header,
    sections,
    options.compressionLevel,
  );
  return {
    bytes,
    sha256: sha256Hex(bytes),
    uncompressedBytes,
    sectionBytes: {
      publicKey: keys.bytes.publicKey.length,
      relinKeys: keys.bytes.relinKeys.length,
      galoisKeys: galois?.length ?? 0,
      ciphertexts: ctBytes.reduce((n, b) => n + b.length, 0),
    },
  };
}

/** Options of {@link loadBundle}. */
export interface LoadBundleOptions {
  /** SHA-256 (hex) the bundle must have (e.g. as registered on the ledger). */
  expectedSha256?: string;
  /** Key id the bundle must carry. */
  expectedKeyId?: string;
  /** Max input bytes (default 256 MiB). */
  maxBytes?: number;
  /** Max decompressed bytes (default 512 MiB). */
  maxUncompressedBytes?: number;
  /** Max table cells (default 2^24). */
  maxCells?: number;
}

/** A loaded bundle: the buyer's keys and the table. Dispose both when done. */
export interface LoadedBundle {
  keys: EvaluationKeys;
  table: EncryptedTable;
  sha256: string;
  /** Frees the table and the keys. */
  dispose(): void;
}

function checkColumns(x: unknown, cols: number): string[] {
  if (!Array.isArray(x) || x.length !== cols)
    throw new CkksError('CORRUPT', 'column names do not match the layout');
  for (const c of x) {
    if (typeof c !== 'string' || c.length === 0 || c.length > 256) {
      throw new CkksError('CORRUPT', 'malformed column name');
    }
  }
  if (new Set(x).size !== x.length) throw new CkksError('CORRUPT', 'duplicate column names');
  return x as string[];
}

/** The declared Galois steps, checked. */
function galoisStepsOf(h: Record<string, unknown>, slots: number): number[] {
  const steps: unknown = h.galoisSteps;
  const isStep = (s: unknown): s is number =>
    typeof s === 'number' && Number.isInteger(s) && s !== 0 && Math.abs(s) < slots;
  if (!Array.isArray(steps) || steps.length > 2 * Math.log2(slots) + 64 || !steps.every(isStep)) {
    throw new CkksError('CORRUPT', 'malformed Galois step list');
  }
  return steps;
}

/** The table description of the header (layout checked later). */
function tableOf(h: Record<string, unknown>): {
  transposed: boolean;
  layout: unknown;
  columns: unknown;
  bound: unknown;
  ctBounds: unknown;
} {
  const t = h.table as
    | {
        transposed?: unknown;
        layout?: unknown;
        columns?: unknown;
        bound?: unknown;
        ctBounds?: unknown;
      }
    | undefined;
  if (!t || typeof t !== 'object' || typeof t.transposed !== 'boolean') {
    throw new CkksError('CORRUPT', 'missing table description');
  }
  const { transposed, layout, columns, bound, ctBounds } = t;
  return { transposed, layout, columns, bound, ctBounds };
}

/** Optional per-ciphertext bounds: one finite number in [0, bound] per ciphertext. */
function ctBoundsOf(x: unknown, count: number, bound: number): number[] | undefined {
  if (x === undefined) return undefined;
  const ok = (v: unknown): v is number =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= bound;
  if (!Array.isArray(x) || x.length !== count || !x.every(ok)) {
    throw new CkksError('CORRUPT', 'malformed per-ciphertext bounds');
  }
  return x;
}

/**
 * The table's bound on |cell|. Bundles written before bounds were tracked have none: they load
 * with the preset's documented range, which encryption always enforced.
 */
function boundOf(bound: unknown, range: number): number {
  if (bound === undefined) return range;
  if (typeof bound !== 'number' || !Number.isFinite(bound) || bound < 0 || bound > range) {
    throw new CkksError('CORRUPT', 'malformed table bound');
  }
  return bound;
}

/** Throws unless the sections are exactly: keys, then one ciphertext per layout ciphertext. */
function checkSectionKinds(
  sections: readonly Section[],
  hasGalois: boolean,
  ctCount: number,
): void {
  const kinds = sections.map((s) => s.kind);
  const expectedKinds = [
    'publicKey',
    'relinKeys',
    ...(hasGalois ? ['galoisKeys'] : []),
    ...Array<string>(ctCount).fill('ciphertext'),
  ];
  if (kinds.join(',') !== expectedKinds.join(',')) {
    throw new CkksError('CORRUPT', `unexpected sections [${kinds.join(', ')}]`);
  }
}

/** The bundle's evaluation keys, checked against its key id and declared steps. */
function loadKeys(
  ctx: CkksContext,
  sections: readonly Section[],
  steps: number[],
  keyId: unknown,
): EvaluationKeys {
  const preset = ctx.preset;
  const section = (kind: string) => sections.find((s) => s.kind === kind)?.bytes;
  const pk = section('publicKey') ?? new Uint8Array();
  const rk = section('relinKeys') ?? new Uint8Array();
  const gk = section('galoisKeys');
  checkSealObject(pk, 'public key', maxKeyBytes(preset));
  checkSealObject(rk, 'relinearisation keys', maxKeyBytes(preset));
  if (gk) checkSealObject(gk, 'Galois keys', maxKeyBytes(preset) * Math.max(1, steps.length) + 256);
  using guard = new DisposableStack();
  const keys = guard.use(
    EvaluationKeys.fromBytes(ctx, {
      publicKey: pk.slice(),
      relinKeys: rk.slice(),
      galoisKeys: gk?.slice(),
      galoisSteps: steps,
    }),
  );
  if (keys.keyId !== keyId) {
    throw new CkksError('KEY_MISMATCH', "the bundle's public key does not match its key id");
  }
  const missing = steps.find(
    (s) => keys.galoisKeys && !keys.galoisKeys.hasKey(galoisElement(s, preset.polyModulusDegree)),
  );
  if (missing !== undefined) {
    throw new CkksError('CORRUPT', `Galois key for step ${missing} is missing`);
  }
  guard.move();
  return keys;
}

/** The ciphertext sections, loaded and checked to share one level and scale. */
function loadCiphertexts(ctx: CkksContext, sections: readonly Section[]): Ciphertext[] {
  const cts: Ciphertext[] = [];
  try {
    sections.forEach((s, i) => cts.push(loadCiphertext(ctx, s.bytes, `ciphertext ${i}`)));
    const [head] = cts;
    for (const ct of cts) {
      if (head && (ctx.level(ct) !== ctx.level(head) || ct.scale() !== head.scale())) {
        throw new CkksError('INVALID_CIPHERTEXT', 'bundle ciphertexts differ in level or scale');
      }
    }
    return cts;
  } catch (e) {
    free(...cts);
    throw e;
  }
}

/**
 * Buyer entry point: loads an untrusted bundle. Checks size caps, envelope, digest, preset and
 * parameter hash, the key id against the public key it carries, the declared Galois steps, the
 * layout, every SEAL object's header, then SEAL's validity checks on load.
 *
 * @throws CkksError (codes TOO_LARGE, BAD_MAGIC, BAD_VERSION, TRUNCATED, DIGEST_MISMATCH, CORRUPT,
 *   PRESET_MISMATCH, KEY_MISMATCH, INVALID_CIPHERTEXT)
 */
export async function loadBundle(
  bytes: Uint8Array,
  options: LoadBundleOptions = {},
): Promise<LoadedBundle> {
  const parsed = readContainer(
    bytes,
    'B',
    {
      maxBytes: options.maxBytes ?? 256 * 2 ** 20,
      maxUncompressedBytes: options.maxUncompressedBytes ?? 512 * 2 ** 20,
    },
    options.expectedSha256,
  );
  const h = parsed.header;
  if (h.type !== BUNDLE_TYPE) throw new CkksError('CORRUPT', 'not a CKKS bundle header');
  const ctx = await presetFromHeader(h);
  if (options.expectedKeyId !== undefined && h.keyId !== options.expectedKeyId) {
    throw new CkksError('KEY_MISMATCH', 'bundle is for another key set than expected');
  }
  const steps = galoisStepsOf(h, ctx.slots);
  const t = tableOf(h);
  const ctSections = parsed.sections.filter((s) => s.kind === 'ciphertext');
  const layout = layoutFromJson(t.layout, ctx.slots, {
    maxCiphertexts: ctSections.length,
    maxCells: options.maxCells ?? 2 ** 24,
  });
  const columns = checkColumns(t.columns, layout.cols);
  checkSectionKinds(parsed.sections, steps.length > 0, layout.ctCount);
  using guard = new DisposableStack();
  const keys = guard.use(loadKeys(ctx, parsed.sections, steps, h.keyId));
  const bound = boundOf(t.bound, presetRange(ctx));
  const ctBounds = ctBoundsOf(t.ctBounds, layout.ctCount, bound);
  const cts = loadCiphertexts(ctx, ctSections);
  const table = new EncryptedTable(
    keys,
    cts,
    layout,
    t.transposed,
    columns,
    undefined,
    bound,
    ctBounds,
  );
  guard.move();
  return {
    keys,
    table,
    sha256: sha256Hex(bytes),
    dispose() {
      table.dispose();
      keys.dispose();
    },
  };
}
