/**
 * Ciphertext-level arithmetic with automatic level and scale management. Every function returns a
 * *new* ciphertext the caller owns and frees all its temporaries; inputs are never modified.
 *
 * Scale bookkeeping. Level l has a canonical scale S(l) (S(0) = Δ, S(l+1) = S(l)^2 / q_l, where
 * q_l is the prime a rescale at level l divides by). A ciphertext's scale is ρ·S(l):
 * - plain × cipher encodes the plain at S(l), so ρ is kept; cipher × cipher multiplies the ρs;
 * - multiplying by a scalar k only divides the scale by k (ρ → ρ/k): no level, no noise (but a
 *   large ρ makes everything later added to it carry larger messages: polynomial evaluation folds
 *   coefficients into multiplications instead where that costs no depth);
 * - adding two ciphertexts needs equal levels and scales: the shallower one is multiplied by a
 *   constant 1 encoded at the scale that lands it exactly on the other's scale after its rescale,
 *   then mod-switched down. Two ciphertexts at the same level with different scales cost one level.
 */
import type { Ciphertext } from 'node-seal';
import type { CkksContext } from './context.js';
import { CkksError } from './errors.js';
import type { EvaluationKeys } from './keys.js';
import { free, owned, sealCall, sealMessage } from './seal.js';

/** Smallest scale we encode an alignment constant at (relative error 0.5/p on the values). */
const MIN_CONSTANT_SCALE = 2 ** 12;

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function isTransparentError(e: unknown): boolean {
  return sealMessage(e).includes('transparent');
}

/** Arithmetic on ciphertexts of one key set. */
export class Arith {
  readonly ctx: CkksContext;
  readonly keys: EvaluationKeys;
  /** Counters, for benchmarks and tests. */
  readonly stats = { rotations: 0, multiplications: 0, rescales: 0, relinearizations: 0 };

  constructor(keys: EvaluationKeys) {
    this.ctx = keys.ctx;
    this.keys = keys;
  }

  level(ct: Ciphertext): number {
    return this.ctx.level(ct);
  }

  /** Scale relative to the canonical scale of the ciphertext's level. */
  rho(ct: Ciphertext): number {
    return ct.scale() / this.ctx.scaleAt(this.level(ct));
  }

  copy(ct: Ciphertext): Ciphertext {
    return ct.copy();
  }

  /** Fresh encryption of zero at `level` with `scale` (used where SEAL would refuse a result). */
  zero(level: number, scale: number): Ciphertext {
    this.keys.assertLive();
    const ct = new this.ctx.seal.Ciphertext();
    try {
      this.keys.encryptor.encryptZero(ct);
      if (level > 0) this.ctx.evaluator.cipherModSwitchToInplace(ct, this.ctx.parmsId(level));
      ct.setScale(scale);
      return ct;
    } catch (e) {
      ct.delete();
      throw e;
    }
  }

  /** Copy of `ct` mod-switched down to `level` (scale unchanged). */
  modSwitchTo(ct: Ciphertext, level: number): Ciphertext {
    const l = this.level(ct);
    if (level < l) throw new CkksError('INVALID_ARGUMENT', `cannot raise level ${l} to ${level}`);
    const out = ct.copy();
    if (level > l) this.ctx.evaluator.cipherModSwitchToInplace(out, this.ctx.parmsId(level));
    return out;
  }

  private requireLevel(level: number, what: string): void {
    if (level >= this.ctx.depth) {
      throw new CkksError(
        'DEPTH_EXHAUSTED',
        `${what} needs a multiplicative level but none is left (preset ${this.ctx.preset.name} ` +
          `has depth ${this.ctx.depth}). Use a deeper preset, or restructure the computation ` +
          `(scalar multiplications are free; fold constants into plain operands).`,
      );
    }
  }

  private checkProductScale(scale: number, level: number, what: string): void {
    if (!(scale > 0) || Math.log2(scale) >= this.ctx.modulusBits(level) - 1) {
      throw new CkksError(
        'SCALE_OUT_OF_RANGE',
        `${what}: the product scale 2^${Math.log2(scale).toFixed(1)} exceeds the modulus at ` +
          `level ${level}. This happens after multiplying by very small scalars; ` +
          `rescale the data instead (e.g. standardize it).`,
      );
    }
  }

  /** Multiplies by the constant 1 encoded so the result lands on `targetScale` after rescaling. */
  private retarget(ct: Ciphertext, targetScale: number, targetLevel: number): Ciphertext {
    const l = this.level(ct);
    this.requireLevel(l, 'aligning scales');
    const q = this.ctx.droppedPrime(l);
    const p = (targetScale * q) / ct.scale();
    if (!(p >= MIN_CONSTANT_SCALE) || !(Math.log2(p) < this.ctx.modulusBits(0) - 2)) {
      throw new CkksError(
        'SCALE_OUT_OF_RANGE',
        `cannot align scales (ratio 2^${Math.log2(targetScale / ct.scale()).toFixed(1)}): the ` +
          `operands differ too much in magnitude after scalar multiplications`,
      );
    }
    const ones = new Float64Array(this.ctx.slots).fill(1);
    using pt = owned(this.ctx.encode(ones, p, l));
    const out = new this.ctx.seal.Ciphertext();
    try {
      this.ctx.evaluator.multiplyPlain(ct, pt, out);
      this.ctx.evaluator.rescaleToNextInplace(out);
      this.stats.rescales++;
      if (targetLevel > l + 1) {
        this.ctx.evaluator.cipherModSwitchToInplace(out, this.ctx.parmsId(targetLevel));
      }
      out.setScale(targetScale);
      return out;
    } catch (e) {
      out.delete();
      throw e;
    }
  }

  /** Copies of a and b at a common level with identical scales (see module comment). */
  align(a: Ciphertext, b: Ciphertext): [Ciphertext, Ciphertext] {
    const la = this.level(a);
    const lb = this.level(b);
    const sa = a.scale();
    const sb = b.scale();
    const top = Math.max(la, lb);
    if (close(sa, sb)) {
      const A = this.modSwitchTo(a, top);
      const B = this.modSwitchTo(b, top);
      B.setScale(sa);
      return [A, B];
    }
    if (la < lb) return [this.retarget(a, sb, lb), b.copy()];
    if (lb < la) return [a.copy(), this.retarget(b, sa, la)];
    // Same level, different scales: one level for both. Bring the larger scale down to the
    // smaller one (keeps messages small, so later sums do not overflow), unless the constant
    // would be too coarse.
    this.requireLevel(top, 'adding ciphertexts of different scales at the same level');
    const q = this.ctx.droppedPrime(top);
    const down = sa > sb ? 'a' : 'b';
    const p = (Math.min(sa, sb) * q) / Math.max(sa, sb);
    const which = p >= MIN_CONSTANT_SCALE ? down : down === 'a' ? 'b' : 'a';
    if (which === 'a') return [this.retarget(a, sb, top + 1), this.modSwitchTo(b, top + 1)];
    const B = this.retarget(b, sa, top + 1);
    return [this.modSwitchTo(a, top + 1), B];
  }

  private guarded(level: number, scale: number, fn: (out: Ciphertext) => void): Ciphertext {
    const out = new this.ctx.seal.Ciphertext();
    try {
      fn(out);
      return out;
    } catch (e) {
      out.delete();
      if (isTransparentError(e)) return this.zero(level, scale);
      if (e instanceof CkksError) throw e;
      throw new CkksError('SEAL_ERROR', sealMessage(e), { cause: e });
    }
  }

  add(a: Ciphertext, b: Ciphertext): Ciphertext {
    const [A, B] = this.align(a, b);
    try {
      return this.guarded(this.level(A), A.scale(), (out) => {
        this.ctx.evaluator.add(A, B, out);
      });
    } finally {
      free(A, B);
    }
  }

  sub(a: Ciphertext, b: Ciphertext): Ciphertext {
    const [A, B] = this.align(a, b);
    try {
      return this.guarded(this.level(A), A.scale(), (out) => {
        this.ctx.evaluator.sub(A, B, out);
      });
    } finally {
      free(A, B);
    }
  }

  /** Adds in place into `acc` (acc is consumed and replaced); returns the new accumulator. */
  accumulate(acc: Ciphertext | undefined, b: Ciphertext): Ciphertext {
    if (!acc) return b.copy();
    if (this.level(acc) === this.level(b) && close(acc.scale(), b.scale())) {
      using B = owned(b.copy());
      B.setScale(acc.scale());
      try {
        this.ctx.evaluator.addInplace(acc, B);
        return acc;
      } catch (e) {
        if (!isTransparentError(e)) throw new CkksError('SEAL_ERROR', sealMessage(e), { cause: e });
        const z = this.zero(this.level(acc), acc.scale());
        acc.delete();
        return z;
      }
    }
    const out = this.add(acc, b);
    acc.delete();
    return out;
  }

  negate(a: Ciphertext): Ciphertext {
    const out = new this.ctx.seal.Ciphertext();
    this.ctx.evaluator.negate(a, out);
    return out;
  }

  /**
   * Copy of `ct` at `level`, keeping its scale relative to the canonical scale of the level
   * (ρ): a rescale by a constant when it has a level to spare, else a plain mod-switch. Used
   * before multiplying operands of different levels, so products land on canonical scales and
   * later additions do not cost an extra level.
   */
  private toLevel(ct: Ciphertext, level: number): Ciphertext {
    const l = this.level(ct);
    if (l >= level) return ct.copy();
    const target = this.rho(ct) * this.ctx.scaleAt(level);
    try {
      return this.retarget(ct, target, level);
    } catch (e) {
      if (e instanceof CkksError && e.code === 'SCALE_OUT_OF_RANGE')
        return this.modSwitchTo(ct, level);
      throw e;
    }
  }

  /** a × b, relinearised and rescaled. */
  mul(a: Ciphertext, b: Ciphertext): Ciphertext {
    const l = Math.max(this.level(a), this.level(b));
    this.requireLevel(l, 'multiplying two ciphertexts');
    this.checkProductScale(a.scale() * b.scale(), l, 'multiplying two ciphertexts');
    const A = this.toLevel(a, l);
    const B = a === b ? undefined : this.toLevel(b, l);
    const out = new this.ctx.seal.Ciphertext();
    try {
      if (B) this.ctx.evaluator.multiply(A, B, out);
      else this.ctx.evaluator.square(A, out);
      this.ctx.evaluator.relinearizeInplace(out, this.keys.relinKeys);
      this.ctx.evaluator.rescaleToNextInplace(out);
      this.stats.multiplications++;
      this.stats.relinearizations++;
      this.stats.rescales++;
      return out;
    } catch (e) {
      out.delete();
      if (isTransparentError(e))
        return this.zero(l + 1, (a.scale() * b.scale()) / this.ctx.droppedPrime(l));
      throw new CkksError('SEAL_ERROR', sealMessage(e), { cause: e });
    } finally {
      free(A, B);
    }
  }

  /** a × plain slot vector, rescaled (keeps a's relative scale ρ). */
  mulPlain(a: Ciphertext, values: Float64Array): Ciphertext {
    const l = this.level(a);
    this.requireLevel(l, 'multiplying by a plain vector');
    const p = this.ctx.scaleAt(l);
    const q = this.ctx.droppedPrime(l);
    const resultScale = (a.scale() * p) / q;
    if (values.every((v) => v === 0)) return this.zero(l + 1, resultScale);
    this.checkProductScale(a.scale() * p, l, 'multiplying by a plain vector');
    using pt = owned(this.ctx.encode(values, p, l));
    return this.guarded(l + 1, resultScale, (out) => {
      this.ctx.evaluator.multiplyPlain(a, pt, out);
      this.ctx.evaluator.rescaleToNextInplace(out);
      this.stats.rescales++;
    });
  }

  /** a + plain slot vector (encoded at a's scale and level). */
  addPlain(a: Ciphertext, values: Float64Array, subtract = false): Ciphertext {
    if (values.every((v) => v === 0)) return a.copy();
    using pt = owned(this.ctx.encode(values, a.scale(), this.level(a)));
    return this.guarded(this.level(a), a.scale(), (out) => {
      if (subtract) this.ctx.evaluator.subPlain(a, pt, out);
      else this.ctx.evaluator.addPlain(a, pt, out);
    });
  }

  /**
   * a × k for a scalar k. Free (only the scale changes) when the new scale stays in range;
   * otherwise a plain multiplication (one level).
   */
  mulScalar(a: Ciphertext, k: number): Ciphertext {
    if (!Number.isFinite(k)) throw new CkksError('INVALID_ARGUMENT', `scalar ${k} is not finite`);
    const l = this.level(a);
    if (k === 0) return this.zero(l, a.scale());
    const newScale = a.scale() / Math.abs(k);
    const bits = Math.log2(newScale);
    if (bits >= -20 && bits < this.ctx.modulusBits(0) - 2) {
      const out = k < 0 ? this.negate(a) : a.copy();
      out.setScale(newScale);
      return out;
    }
    return this.mulPlain(a, new Float64Array(this.ctx.slots).fill(k));
  }

  /** Rotation steps (left rotations; negative = right) realising a rotation by `step`. */
  rotationPlan(step: number): number[] {
    const slots = this.ctx.slots;
    const s = ((step % slots) + slots) % slots;
    if (s === 0) return [];
    if (this.keys.hasStep(s)) return [s];
    if (this.keys.hasStep(s - slots)) return [s - slots];
    const plans: number[][] = [];
    const pos: number[] = [];
    for (let bit = 1; bit < slots; bit *= 2) if (s & bit) pos.push(bit);
    plans.push(pos);
    const neg: number[] = [];
    const r = slots - s;
    for (let bit = 1; bit < slots; bit *= 2) if (r & bit) neg.push(-bit);
    plans.push(neg);
    const usable = plans.filter((p) => p.every((k) => this.keys.hasStep(k)));
    usable.sort((a, b) => a.length - b.length);
    const best = usable[0];
    if (!best) {
      const missing = pos.filter((k) => !this.keys.hasStep(k));
      throw new CkksError(
        'MISSING_GALOIS_KEY',
        `rotation by ${step} needs Galois keys for steps [${missing.join(', ')}] (or [${neg.join(', ')}]), ` +
          `which this key set lacks (it has [${this.keys.galoisSteps.join(', ')}]). The seller must ` +
          `generate keys for the computation: see galoisStepsFor().`,
      );
    }
    return best;
  }

  /** Left rotation of the slots by `step` (slot x receives slot x+step). */
  rotate(a: Ciphertext, step: number): Ciphertext {
    this.keys.assertLive();
    const plan = this.rotationPlan(step);
    if (plan.length === 0) return a.copy();
    const gk = this.keys.galoisKeys;
    if (!gk) throw new CkksError('MISSING_GALOIS_KEY', 'this key set has no Galois keys');
    let cur: Ciphertext | undefined;
    for (const k of plan) {
      const src: Ciphertext = cur ?? a;
      const next = new this.ctx.seal.Ciphertext();
      try {
        sealCall(`rotate by ${k}`, () => {
          this.ctx.evaluator.rotateVector(src, k, gk, next);
        });
      } catch (e) {
        next.delete();
        cur?.delete();
        throw e;
      }
      cur?.delete();
      cur = next;
      this.stats.rotations++;
    }
    return cur ?? a.copy();
  }

  /**
   * Rotate-and-add with steps `from`, 2·from, ... < `to`: slot x becomes the sum of slots
   * x, x+from, ..., x+(to-from). With from = 1 it sums runs of `to` slots.
   */
  rotateSum(a: Ciphertext, from: number, to: number): Ciphertext {
    const acc = a.copy();
    try {
      for (let k = from; k < to; k *= 2) {
        using r = owned(this.rotate(acc, k));
        this.ctx.evaluator.addInplace(acc, r);
      }
      return acc;
    } catch (e) {
      acc.delete();
      throw e;
    }
  }

  /** Copy mod-switched to the last level (cheaper rotations, smaller serialization). */
  lowest(a: Ciphertext): Ciphertext {
    return this.modSwitchTo(a, this.ctx.depth);
  }
}
