/**
 * Ciphertext programs: short, deterministic sequences of SEAL operations on one accumulator
 * (mod-switch, plain multiply, add plain, multiply by another input, rotate-and-add). The fast
 * kernels (kernels.ts) cut their work into independent programs; the same function runs them in
 * this thread or in a pool worker (pool.ts), so a result is byte for byte the same either way:
 * CKKS evaluation is deterministic modular arithmetic, only encryption draws randomness.
 */
import type { Ciphertext } from 'node-seal';
import type { Arith } from './arith.js';
import { CkksError } from './errors.js';
import { free, owned, sealCall } from './seal.js';

/** One step of a program, applied to the accumulator (a copy of input 0 at the start). */
export type Step =
  /** Drop to `level` (no rescale: the scale is kept). */
  | { op: 'modSwitch'; level: number }
  /** Multiply by `values` encoded at `scale` (at the accumulator's level); rescale if asked. */
  | { op: 'mulPlain'; values: Float64Array; scale: number; rescale: boolean }
  /** Add `values` encoded at the accumulator's scale and level. */
  | { op: 'addPlain'; values: Float64Array }
  /** Square, relinearise, rescale. */
  | { op: 'square' }
  /** Rescale (drop one prime; the scale is divided by it). */
  | { op: 'rescale' }
  /** Multiply by input `input` (same level), relinearise, rescale. */
  | { op: 'mulInput'; input: number }
  /** Add input `input` (same level; its scale is taken as the accumulator's). */
  | { op: 'addInput'; input: number; subtract?: boolean }
  /** Set the scale to `scale` (after a rescale that landed on it up to rounding). */
  | { op: 'setScale'; scale: number }
  /** Slot x becomes the sum of slots x, x+from, x+2·from, ... below x+to (powers of two). */
  | { op: 'rotateSum'; from: number; to: number };

/** Operation counts of a program run. */
export interface OpCounts {
  rotations: number;
  multiplications: number;
  relinearizations: number;
  rescales: number;
  plainMultiplications: number;
}

export function zeroCounts(): OpCounts {
  return {
    rotations: 0,
    multiplications: 0,
    relinearizations: 0,
    rescales: 0,
    plainMultiplications: 0,
  };
}

export function addCounts(into: OpCounts, c: OpCounts): void {
  into.rotations += c.rotations;
  into.multiplications += c.multiplications;
  into.relinearizations += c.relinearizations;
  into.rescales += c.rescales;
  into.plainMultiplications += c.plainMultiplications;
}

function input(inputs: readonly Ciphertext[], i: number): Ciphertext {
  const ct = inputs[i];
  if (!ct) throw new CkksError('INVALID_ARGUMENT', `program input ${i} is missing`);
  return ct;
}

/** acc × plain values encoded at `step.scale`, rescaled if asked. */
function mulPlain(
  a: Arith,
  acc: Ciphertext,
  step: Extract<Step, { op: 'mulPlain' }>,
  n: OpCounts,
): void {
  if (step.values.every((v) => v === 0)) {
    throw new CkksError('INVALID_ARGUMENT', 'a program multiplies by an all-zero vector');
  }
  const ev = a.ctx.evaluator;
  using pt = owned(a.ctx.encode(step.values, step.scale, a.level(acc)));
  ev.multiplyPlainInplace(acc, pt);
  n.plainMultiplications++;
  if (step.rescale) {
    ev.rescaleToNextInplace(acc);
    n.rescales++;
  }
}

/** Rotate-and-add in place with steps from, 2·from, ... below to. */
function rotateSum(a: Arith, acc: Ciphertext, from: number, to: number, n: OpCounts): void {
  const ev = a.ctx.evaluator;
  const gk = a.keys.galoisKeys;
  if (!gk) throw new CkksError('MISSING_GALOIS_KEY', 'this key set has no Galois keys');
  // One scratch ciphertext for the whole tree (no allocation per rotation).
  using r = owned(new a.ctx.seal.Ciphertext());
  for (let k = from; k < to; k *= 2) {
    if (!a.keys.hasStep(k)) {
      throw new CkksError('MISSING_GALOIS_KEY', `rotation by ${k} has no Galois key`);
    }
    ev.rotateVector(acc, k, gk, r);
    ev.addInplace(acc, r);
    n.rotations++;
  }
}

/** Applies one step to `acc` in place. */
function apply(
  a: Arith,
  acc: Ciphertext,
  step: Step,
  inputs: readonly Ciphertext[],
  n: OpCounts,
): void {
  const ctx = a.ctx;
  const ev = ctx.evaluator;
  switch (step.op) {
    case 'modSwitch':
      if (step.level > a.level(acc)) ev.cipherModSwitchToInplace(acc, ctx.parmsId(step.level));
      return;
    case 'mulPlain':
      mulPlain(a, acc, step, n);
      return;
    case 'addPlain': {
      using pt = owned(ctx.encode(step.values, acc.scale(), a.level(acc)));
      ev.addPlainInplace(acc, pt);
      return;
    }
    case 'mulInput': {
      const b = input(inputs, step.input);
      ev.multiplyInplace(acc, b);
      ev.relinearizeInplace(acc, a.keys.relinKeys);
      ev.rescaleToNextInplace(acc);
      n.multiplications++;
      n.relinearizations++;
      n.rescales++;
      return;
    }
    case 'square':
      ev.squareInplace(acc);
      ev.relinearizeInplace(acc, a.keys.relinKeys);
      ev.rescaleToNextInplace(acc);
      n.multiplications++;
      n.relinearizations++;
      n.rescales++;
      return;
    case 'rescale':
      ev.rescaleToNextInplace(acc);
      n.rescales++;
      return;
    case 'addInput': {
      using b = owned(input(inputs, step.input).copy());
      b.setScale(acc.scale());
      if (step.subtract) ev.subInplace(acc, b);
      else ev.addInplace(acc, b);
      return;
    }
    case 'setScale':
      acc.setScale(step.scale);
      return;
    case 'rotateSum':
      rotateSum(a, acc, step.from, step.to, n);
      return;
  }
}

/** Runs `steps` on a copy of `inputs[0]`; the caller owns the returned ciphertext. */
export function runProgram(
  a: Arith,
  inputs: readonly Ciphertext[],
  steps: readonly Step[],
): { ct: Ciphertext; counts: OpCounts } {
  a.keys.assertLive();
  const counts = zeroCounts();
  const acc = input(inputs, 0).copy();
  try {
    for (const step of steps) {
      sealCall(`program step ${step.op}`, () => {
        apply(a, acc, step, inputs, counts);
      });
    }
    return { ct: acc, counts };
  } catch (e) {
    free(acc);
    throw e;
  }
}
