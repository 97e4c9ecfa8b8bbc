/**
 * Per-trade key material.
 *
 * - {@link TradeKeys} (seller): secret key + public key, and the evaluation keys the buyer gets.
 * - {@link EvaluationKeys} (buyer, or seller for local checks): public key, relinearisation keys
 *   and only the Galois (rotation) keys the agreed computation needs.
 *
 * Keys are generated in SEAL's "seeded" serializable form (half the bytes on the wire) and loaded
 * back for local use, so a bundle costs one key generation.
 */
import { createHash } from 'node:crypto';
import type { Decryptor, Encryptor, GaloisKeys, PublicKey, RelinKeys, SecretKey } from 'node-seal';
import { CkksContext } from './context.js';
import { CkksError, requireArg } from './errors.js';
import { freshLayout, nextPow2, packLayout } from './layout.js';
import { getPreset, type Preset, type PresetName } from './presets.js';
import { free, sealLoad } from './seal.js';

/** Operations whose rotations a key set must support (see {@link galoisStepsFor}). */
export type GaloisNeed =
  /** Sums/means down each column (axis 0), X^T·v, dot products, plain-matrix × vector. */
  | 'sum-rows'
  /** Sums/means across each row (axis 1), X·w with plain weights, broadcasting a column. */
  | 'sum-columns'
  /** Total sum/mean: both of the above. */
  | 'sum-all'
  /** Spreading one value over a column run: X·w with *encrypted* weights (needs right rotations). */
  | 'broadcast-rows';

/**
 * Galois steps (rotation amounts) a table of `shape` needs for `needs`, with the slot layout of
 * {@link freshLayout}. Only these keys should be generated for a trade: each key costs
 * megabytes in the bundle.
 */
export function galoisStepsFor(
  preset: Preset | PresetName,
  shape: readonly [number, number],
  needs: readonly GaloisNeed[],
): number[] {
  const p = typeof preset === 'string' ? getPreset(preset) : preset;
  const [rows, cols] = shape;
  requireArg(Number.isInteger(rows) && rows >= 1, 'shape rows must be a positive integer');
  requireArg(Number.isInteger(cols) && cols >= 1, 'shape cols must be a positive integer');
  const slots = p.slots;
  const steps = new Set<number>();
  const want = new Set(needs);
  if (want.has('sum-all')) {
    want.add('sum-rows');
    want.add('sum-columns');
  }
  // The data decides between the packed and the row-blocked layout (freshLayout): keys for both.
  for (const layout of [packLayout(rows, cols, slots), freshLayout(rows, cols, slots, p.depth)]) {
    const stride = layout.stride;
    const width = Math.min(stride, nextPow2(rows));
    if (want.has('sum-rows')) for (let k = 1; k < width; k *= 2) steps.add(k);
    if (want.has('sum-columns')) for (let k = stride; k < slots; k *= 2) steps.add(k);
    if (want.has('broadcast-rows')) for (let k = 1; k < width; k *= 2) steps.add(-k);
  }
  return [...steps].sort((a, b) => Math.abs(a) - Math.abs(b) || a - b);
}

/** All positive power-of-two steps: every sum and re-alignment is possible with these. */
export function allPowerOfTwoSteps(preset: Preset | PresetName): number[] {
  const p = typeof preset === 'string' ? getPreset(preset) : preset;
  const steps: number[] = [];
  for (let k = 1; k < p.slots; k *= 2) steps.push(k);
  return steps;
}

/** SEAL's Galois element for a rotation step (mirrors galois_elt_from_step). */
export function galoisElement(step: number, polyModulusDegree: number): number {
  const m = 2 * polyModulusDegree;
  const half = polyModulusDegree / 2;
  let e = step < 0 ? half + step : step;
  let g = 1n;
  const big = BigInt(m);
  while (e-- > 0) g = (g * 3n) % big;
  return Number(g);
}

function checkSteps(steps: readonly number[], slots: number): number[] {
  const out = [...new Set(steps)].sort((a, b) => Math.abs(a) - Math.abs(b) || a - b);
  for (const s of out) {
    requireArg(
      Number.isInteger(s) && s !== 0 && Math.abs(s) < slots,
      `Galois step ${s} must be a non-zero integer with |step| < ${slots}`,
    );
  }
  return out;
}

function keyIdOf(preset: Preset, publicKeyBytes: Uint8Array): string {
  return createHash('sha256')
    .update('datamarket/ckks/key/v1\0')
    .update(String(preset.id))
    .update('\0')
    .update(publicKeyBytes)
    .digest('hex');
}

function bytesOf(x: unknown): Uint8Array {
  return x as Uint8Array;
}

/** Serialized (seeded) public material, as shipped in a bundle. */
export interface EvaluationKeyBytes {
  publicKey: Uint8Array;
  relinKeys: Uint8Array;
  galoisKeys: Uint8Array | undefined;
  galoisSteps: readonly number[];
}

/**
 * Public key + relinearisation keys + Galois keys: everything needed to compute on ciphertexts and
 * nothing that decrypts. What the buyer holds.
 */
export class EvaluationKeys {
  readonly ctx: CkksContext;
  readonly preset: Preset;
  /** SHA-256 (hex) identifying the key set: derived from the preset and the public key. */
  readonly keyId: string;
  readonly publicKey: PublicKey;
  readonly relinKeys: RelinKeys;
  readonly galoisKeys: GaloisKeys | undefined;
  /** Rotation steps with a Galois key. */
  readonly galoisSteps: readonly number[];
  /** The serialized form (what a bundle carries). */
  readonly bytes: EvaluationKeyBytes;
  /** Public-key encryptor (used to encrypt zeros and buyer-side values). */
  readonly encryptor: Encryptor;
  private readonly stepSet: Set<number>;
  private disposed = false;

  /** @internal use {@link createTradeKeys} or `loadBundle`. */
  constructor(
    ctx: CkksContext,
    keyId: string,
    publicKey: PublicKey,
    relinKeys: RelinKeys,
    galoisKeys: GaloisKeys | undefined,
    bytes: EvaluationKeyBytes,
  ) {
    this.ctx = ctx;
    this.preset = ctx.preset;
    this.keyId = keyId;
    this.publicKey = publicKey;
    this.relinKeys = relinKeys;
    this.galoisKeys = galoisKeys;
    this.galoisSteps = Object.freeze([...bytes.galoisSteps]);
    this.stepSet = new Set(bytes.galoisSteps);
    this.bytes = bytes;
    this.encryptor = new ctx.seal.Encryptor(ctx.context, publicKey);
  }

  /** Loads public material from its serialized form (SEAL validates each object on load). */
  static fromBytes(ctx: CkksContext, bytes: EvaluationKeyBytes): EvaluationKeys {
    const seal = ctx.seal;
    const steps = checkSteps(bytes.galoisSteps, ctx.slots);
    const pk = new seal.PublicKey();
    const rk = new seal.RelinKeys();
    const gk = bytes.galoisKeys ? new seal.GaloisKeys() : undefined;
    try {
      sealLoad('public key', pk, ctx.context, bytes.publicKey);
      sealLoad('relinearisation keys', rk, ctx.context, bytes.relinKeys);
      if (gk && bytes.galoisKeys) {
        const g = bytes.galoisKeys;
        sealLoad('Galois keys', gk, ctx.context, g);
        for (const s of steps) {
          if (!gk.hasKey(galoisElement(s, ctx.preset.polyModulusDegree))) {
            throw new CkksError('CORRUPT', `Galois keys lack the declared step ${s}`);
          }
        }
      } else if (steps.length > 0) {
        throw new CkksError('CORRUPT', 'Galois steps are declared but no Galois keys are present');
      }
      if (rk.size() !== 1) throw new CkksError('CORRUPT', 'relinearisation keys have a wrong size');
      return new EvaluationKeys(ctx, keyIdOf(ctx.preset, bytes.publicKey), pk, rk, gk, {
        ...bytes,
        galoisSteps: steps,
      });
    } catch (e) {
      free(pk, rk, gk);
      throw e;
    }
  }

  /** True if a rotation by `step` has a key. */
  hasStep(step: number): boolean {
    return this.stepSet.has(step);
  }

  /** Throws DISPOSED if the keys were freed. */
  assertLive(): void {
    if (this.disposed) throw new CkksError('DISPOSED', 'these evaluation keys were disposed');
  }

  /** Frees the SEAL objects. Tables using these keys can no longer compute. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    free(this.encryptor, this.galoisKeys, this.relinKeys, this.publicKey);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Options of {@link createTradeKeys}. */
export interface TradeKeyOptions {
  /**
   * Rotation steps to generate keys for (see {@link galoisStepsFor}). Default: every positive
   * power of two (any sum and re-alignment works, at the largest bundle size). `[]` = none.
   */
  galoisSteps?: readonly number[];
}

/**
 * The seller's keys for one trade: the secret key (never leaves the seller; store it with
 * `sealSecretKey`) and the public material for the buyer ({@link TradeKeys.evaluation}).
 */
export class TradeKeys {
  readonly ctx: CkksContext;
  readonly preset: Preset;
  readonly keyId: string;
  readonly secretKey: SecretKey;
  /** Serialized (seeded) public key: the key id is derived from it. */
  readonly publicKeyBytes: Uint8Array;
  /** Symmetric (secret-key) encryptor: smaller noise, half-size seeded ciphertexts. */
  readonly encryptor: Encryptor;
  readonly decryptor: Decryptor;
  private evalKeys: EvaluationKeys | undefined;
  private disposed = false;

  private constructor(
    ctx: CkksContext,
    secretKey: SecretKey,
    publicKeyBytes: Uint8Array,
    evaluation: EvaluationKeys | undefined,
  ) {
    this.ctx = ctx;
    this.preset = ctx.preset;
    this.secretKey = secretKey;
    this.publicKeyBytes = publicKeyBytes;
    this.keyId = keyIdOf(ctx.preset, publicKeyBytes);
    const seal = ctx.seal;
    const pk = new seal.PublicKey();
    try {
      pk.loadFromArray(ctx.context, publicKeyBytes);
      this.encryptor = new seal.Encryptor(ctx.context, pk, secretKey);
    } finally {
      pk.delete();
    }
    this.decryptor = new seal.Decryptor(ctx.context, secretKey);
    this.evalKeys = evaluation;
  }

  /** @internal Generates fresh keys. Use {@link createTradeKeys}. */
  static generate(ctx: CkksContext, galoisSteps: readonly number[]): TradeKeys {
    const seal = ctx.seal;
    const kg = new seal.KeyGenerator(ctx.context);
    try {
      const sk = kg.secretKey();
      const pub = kg.createPublicKeySerializable();
      let pkBytes: Uint8Array;
      try {
        pkBytes = bytesOf(pub.saveToArray(seal.ComprModeType.none));
      } finally {
        pub.delete();
      }
      const keys = new TradeKeys(ctx, sk, pkBytes, undefined);
      keys.defaultSteps = checkSteps(galoisSteps, ctx.slots);
      keys.evalKeys = makeEvaluationKeys(ctx, kg, pkBytes, keys.defaultSteps);
      return keys;
    } finally {
      kg.delete();
    }
  }

  /** @internal Rebuilds keys from a stored secret key and public key (see `openSecretKey`). */
  static restore(
    ctx: CkksContext,
    secretKeyBytes: Uint8Array,
    publicKeyBytes: Uint8Array,
    galoisSteps: readonly number[],
  ): TradeKeys {
    const sk = new ctx.seal.SecretKey();
    try {
      sealLoad('secret key', sk, ctx.context, secretKeyBytes);
      const keys = new TradeKeys(ctx, sk, publicKeyBytes, undefined);
      keys.defaultSteps = checkSteps(galoisSteps, ctx.slots);
      return keys;
    } catch (e) {
      sk.delete();
      throw e;
    }
  }

  /**
   * Public material for the buyer. After `openSecretKey`, it is regenerated on first use
   * (relinearisation and Galois keys are random: any fresh set works with the same secret key).
   */
  get evaluation(): EvaluationKeys {
    this.assertLive();
    if (!this.evalKeys) {
      const kg = new this.ctx.seal.KeyGenerator(this.ctx.context, this.secretKey);
      try {
        this.evalKeys = makeEvaluationKeys(this.ctx, kg, this.publicKeyBytes, this.defaultSteps);
      } finally {
        kg.delete();
      }
    }
    return this.evalKeys;
  }

  /** Replaces the evaluation keys with ones for `galoisSteps` (for a new computation). */
  regenerateEvaluationKeys(galoisSteps: readonly number[]): EvaluationKeys {
    this.assertLive();
    this.evalKeys?.dispose();
    this.evalKeys = undefined;
    this.defaultSteps = checkSteps(galoisSteps, this.ctx.slots);
    return this.evaluation;
  }

  private defaultSteps: readonly number[] = [];

  /** Rotation steps the evaluation keys are (or will be) generated for. */
  get galoisSteps(): readonly number[] {
    return this.defaultSteps;
  }

  /** Serialized secret key (raw! only for `sealSecretKey`, which encrypts it). */
  secretKeyBytes(): Uint8Array {
    this.assertLive();
    return bytesOf(this.secretKey.saveToArray(this.ctx.seal.ComprModeType.none));
  }

  assertLive(): void {
    if (this.disposed) throw new CkksError('DISPOSED', 'these trade keys were disposed');
  }

  /** Frees every SEAL object, including the evaluation keys. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.evalKeys?.dispose();
    free(this.decryptor, this.encryptor, this.secretKey);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function makeEvaluationKeys(
  ctx: CkksContext,
  kg: InstanceType<CkksContext['seal']['KeyGenerator']>,
  publicKeyBytes: Uint8Array,
  galoisSteps: readonly number[],
): EvaluationKeys {
  const steps = checkSteps(galoisSteps, ctx.slots);
  const none = ctx.seal.ComprModeType.none;
  const relin = kg.createRelinKeysSerializable();
  let relinBytes: Uint8Array;
  try {
    relinBytes = bytesOf(relin.saveToArray(none));
  } finally {
    relin.delete();
  }
  let galoisBytes: Uint8Array | undefined;
  if (steps.length > 0) {
    const g = kg.createGaloisKeysSerializableWithSteps(Int32Array.from(steps));
    try {
      galoisBytes = bytesOf(g.saveToArray(none));
    } finally {
      g.delete();
    }
  }
  return EvaluationKeys.fromBytes(ctx, {
    publicKey: publicKeyBytes,
    relinKeys: relinBytes,
    galoisKeys: galoisBytes,
    galoisSteps: steps,
  });
}

/**
 * Seller entry point: creates the keys of one trade.
 *
 * @param preset parameter preset (see `PRESETS`).
 * @param options.galoisSteps rotations the agreed computation needs ({@link galoisStepsFor});
 *   default: all positive powers of two.
 */
export async function createTradeKeys(
  preset: Preset | PresetName,
  options: TradeKeyOptions = {},
): Promise<TradeKeys> {
  const ctx = await CkksContext.forPreset(preset);
  return TradeKeys.generate(ctx, options.galoisSteps ?? allPowerOfTwoSteps(ctx.preset));
}
