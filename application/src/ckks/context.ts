/**
 * A SEAL context for one preset, with the helpers every other module needs: per-level parameter
 * ids, the data primes, the canonical scale of each level, and encode/decode at a given level and
 * scale. One context per preset is cached for the process (it holds precomputed NTT tables).
 */
import { createHash } from 'node:crypto';
import type {
  CKKSEncoder,
  Ciphertext,
  Evaluator,
  ParmsIdType,
  Plaintext,
  SEALContext,
} from 'node-seal';
import { CkksError } from './errors.js';
import { getPreset, type Preset, type PresetName } from './presets.js';
import { free, getSeal, owned, sealCall, type SealModule } from './seal.js';

/** SEAL context plus level/scale bookkeeping for one preset. */
export class CkksContext {
  readonly seal: SealModule;
  readonly preset: Preset;
  readonly context: SEALContext;
  readonly encoder: CKKSEncoder;
  readonly evaluator: Evaluator;
  /** Slots per ciphertext. */
  readonly slots: number;
  /** Highest level index (= preset depth); level 0 is a fresh ciphertext. */
  readonly depth: number;
  /** Data primes q0..q_depth as doubles (q0 first; rescaling drops the last one present). */
  readonly primes: readonly number[];
  /** Canonical scale per level: S0 = Δ, S(l+1) = S(l)^2 / (prime dropped at level l). */
  readonly scales: readonly number[];
  /** SHA-256 (hex) of SEAL's serialized encryption parameters: identifies the exact primes. */
  readonly paramsHash: string;
  private readonly parmsIds: ParmsIdType[];

  private constructor(seal: SealModule, preset: Preset) {
    this.seal = seal;
    this.preset = preset;
    const parms = new seal.EncryptionParameters(seal.SchemeType.ckks);
    const bits = seal.CoeffModulus.Create(
      preset.polyModulusDegree,
      Int32Array.from(preset.coeffModulusBits),
    );
    try {
      parms.setPolyModulusDegree(preset.polyModulusDegree);
      parms.setCoeffModulus(bits);
      this.paramsHash = createHash('sha256')
        .update(parms.saveToArray(seal.ComprModeType.none) as Uint8Array)
        .digest('hex');
      this.context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
    } finally {
      free(bits, parms);
    }
    if (!this.context.parametersSet()) {
      this.context.delete();
      throw new CkksError('INVALID_ARGUMENT', `preset ${preset.name} is not 128-bit secure`);
    }
    this.encoder = new seal.CKKSEncoder(this.context);
    this.evaluator = new seal.Evaluator(this.context);
    this.slots = this.encoder.slotCount();
    this.depth = preset.depth;
    this.parmsIds = [];
    let data = this.context.firstContextData();
    const primes: number[] = [];
    for (let level = 0; level <= this.depth; level++) {
      this.parmsIds.push(data.parmsId());
      if (level === 0) {
        const p = data.parms();
        const moduli = p.coeffModulus();
        for (let i = 0; i < moduli.size(); i++) {
          const m = moduli.get(i);
          if (m) {
            primes.push(Number(m.value()));
            m.delete();
          }
        }
        free(moduli, p);
      }
      const next = data.nextContextData();
      data.delete();
      data = next;
    }
    data.delete();
    this.primes = primes;
    let s = 2 ** preset.scaleBits;
    const scales = [s];
    for (let level = 0; level < this.depth; level++) {
      s = (s * s) / this.droppedPrime(level);
      scales.push(s);
    }
    this.scales = scales;
  }

  /** Context for a preset (created once per process). */
  static async forPreset(preset: Preset | PresetName): Promise<CkksContext> {
    const p = typeof preset === 'string' ? getPreset(preset) : preset;
    let ctx = cache.get(p.name);
    if (!ctx) {
      ctx = getSeal().then((seal) => new CkksContext(seal, p));
      cache.set(p.name, ctx);
    }
    return ctx;
  }

  /** Level of a ciphertext: 0 when fresh, `depth` when no rescaling is left. */
  level(ct: Ciphertext | Plaintext): number {
    if ('coeffModulusSize' in ct) return this.depth + 1 - ct.coeffModulusSize();
    using id = owned(ct.parmsId());
    const v = id.values() as BigUint64Array;
    const level = this.parmsIds.findIndex((p) => {
      const w = p.values() as BigUint64Array;
      return v.every((x, i) => x === w[i]);
    });
    if (level >= 0 && level <= this.depth) return level;
    throw new CkksError('INVALID_CIPHERTEXT', 'plaintext is not at a level of this context');
  }

  /** Parameter id of `level`. */
  parmsId(level: number): ParmsIdType {
    const id = this.parmsIds[level];
    if (!id) throw new CkksError('DEPTH_EXHAUSTED', `level ${level} does not exist`);
    return id;
  }

  /** The canonical scale of ciphertexts at `level`. */
  scaleAt(level: number): number {
    const s = this.scales[level];
    if (s === undefined) throw new CkksError('DEPTH_EXHAUSTED', `level ${level} does not exist`);
    return s;
  }

  /** The prime a rescale at `level` divides by. */
  droppedPrime(level: number): number {
    const q = this.primes[this.depth - level];
    if (q === undefined || level >= this.depth) {
      throw new CkksError('DEPTH_EXHAUSTED', `no rescaling left at level ${level}`);
    }
    return q;
  }

  /** log2 of the product of the primes still present at `level`. */
  modulusBits(level: number): number {
    let bits = 0;
    for (const q of this.primes.slice(0, this.depth - level + 1)) bits += Math.log2(q);
    return bits;
  }

  /** Encodes `values` (length <= slots; the rest are zeros) at `scale` and `level`. */
  encode(values: Float64Array, scale: number, level: number): Plaintext {
    const pt = new this.seal.Plaintext();
    try {
      sealCall(
        'encode',
        () => {
          this.encoder.encode(values, scale, pt);
        },
        'SCALE_OUT_OF_RANGE',
      );
      if (level > 0) this.evaluator.plainModSwitchToInplace(pt, this.parmsId(level));
      return pt;
    } catch (e) {
      pt.delete();
      throw e;
    }
  }

  /**
   * Decodes a plaintext to its slot values. Decoding happens at scale 1 and the division by the
   * real scale is done here, so plaintexts whose scale exceeds their level's modulus (after free
   * scalar multiplications by small numbers) still decode.
   */
  decode(pt: Plaintext): Float64Array {
    const scale = pt.scale();
    pt.setScale(1);
    try {
      const raw = this.encoder.decodeFloat64(pt) as Float64Array;
      for (const [i, v] of raw.entries()) raw[i] = v / scale;
      return raw;
    } finally {
      pt.setScale(scale);
    }
  }

  /** Frees the SEAL objects (only for shutdown; cached contexts are shared). */
  dispose(): void {
    free(...this.parmsIds, this.evaluator, this.encoder, this.context);
  }
}

const cache = new Map<PresetName, Promise<CkksContext>>();

/** Frees every cached context (call at shutdown only: existing keys and tables become unusable). */
export async function disposeContexts(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const c of all) (await c).dispose();
}
