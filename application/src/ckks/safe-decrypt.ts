/**
 * Safe release of a buyer's result: bound check, decryption, range check, noise flooding and
 * rounding. This is the only path by which values derived from the seller's data should leave
 * the seller.
 *
 * Why flooding: a CKKS decryption is m + e, where the error e depends on the secret key. Released
 * at full precision, a few decryptions let the recipient solve for the key (Li & Micciancio,
 * EUROCRYPT 2021). Adding fresh Gaussian noise much larger than e hides it: with
 * σ = B · sqrt(2Q) · 2^(s/2), where B bounds |e| (in value units) and Q is the number of values
 * released, the Kullback–Leibler divergence between the releases for any two possible errors is
 * at most 2^−s (statistical distance at most 2^−(s+1)/2). Rounding afterwards is post-processing
 * and cannot weaken this. See docs/ckks.md for what B is and what s gives.
 */
import { randomBytes } from 'node:crypto';
import type { Ciphertext, Plaintext } from 'node-seal';
import { at } from './checked.js';
import type { CkksContext } from './context.js';
import { CkksError, requireArg } from './errors.js';
import type { TradeKeys } from './keys.js';
import { cellSlot, type Layout } from './layout.js';
import { EncryptedResult, type ResultOutput } from './result.js';
import { capacityAt } from './magnitude.js';
import { owned, sealCall } from './seal.js';

/** How the seller releases results. */
export interface ReleasePolicy {
  /** Max number of values released (refuses larger results). */
  maxValues: number;
  /** Decimal places kept after rounding (0..15). */
  decimals: number;
  /** Statistical security parameter s of the flooding noise (default 30; 0 disables flooding). */
  statisticalSecurityBits?: number;
  /**
   * Refuse the release if any decrypted value exceeds this magnitude. Default: what the
   * ciphertext can hold at its level and scale. The output's tracked bound, when the result
   * carries one, tightens this further (it never widens it).
   */
  maxAbsValue?: number;
  /**
   * Bound B on the decryption error in value units, if the seller calibrated it for the agreed
   * computation (e.g. by running it on its own data). Default: {@link estimateNoise}.
   */
  noiseBound?: number;
  /** Uniform (0, 1) source, for reproducible tests only. Default: node:crypto. */
  random?: () => number;
}

/** What {@link safeDecrypt} releases. */
export interface SafeRelease {
  /** Output name → values (logical rows × cols), flooded and rounded. */
  outputs: Record<string, number[][]>;
  /** All values, outputs in order, row-major. */
  values: number[];
  /** Standard deviation of the flooding noise added to each value (max over outputs). */
  sigma: number;
  /** Estimated bound B on the decryption error (max over outputs). */
  noiseBound: number;
  /** Decimal places the flooding leaves meaningful: floor(−log10(2σ)), capped by `decimals`. */
  effectiveDecimals: number;
  statisticalSecurityBits: number;
}

/** Calibration constant of the noise estimate (see docs/ckks.md, "Noise estimate"). */
export const NOISE_CONSTANT = 1024;

/**
 * Heuristic bound B on the decryption error of a ciphertext, in value units:
 * B = C · sqrt(N) · (1 + depth) / scale, with C = {@link NOISE_CONSTANT}. It does not trust the
 * buyer's description of the computation: it assumes every level of the preset was used. C is
 * calibrated on measurements (sums over 1,000 rows: about 300·sqrt(N) in units of the scale on
 * every preset; one logistic-regression epoch on n8192-d4: about 2,600·sqrt(N)), so B is 2–4×
 * the largest error measured for the library's own operations on data of magnitude <= 10.
 */
export function estimateNoise(ctx: CkksContext, ct: Ciphertext): number {
  const n = ctx.preset.polyModulusDegree;
  return (NOISE_CONSTANT * Math.sqrt(n) * (1 + ctx.depth)) / ct.scale();
}

/** Flooding standard deviation for bound B, Q released values, s bits. */
export function floodingSigma(noiseBound: number, valueCount: number, bits: number): number {
  if (bits === 0) return 0;
  return noiseBound * Math.sqrt(2 * valueCount) * 2 ** (bits / 2);
}

function cryptoUniform(): number {
  // 53 random bits, mapped into (0, 1).
  const b = randomBytes(8);
  const hi = b.readUInt32BE(0) >>> 5;
  const lo = b.readUInt32BE(4) >>> 6;
  return (hi * 67108864 + lo + 0.5) / 9007199254740992;
}

function gaussian(uniform: () => number): number {
  return Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

/** Checks the policy's numbers; returns the statistical security bits (default 30). */
function checkPolicy(policy: ReleasePolicy): number {
  requireArg(
    Number.isInteger(policy.maxValues) && policy.maxValues > 0,
    'maxValues must be a positive integer',
  );
  requireArg(
    Number.isInteger(policy.decimals) && policy.decimals >= 0 && policy.decimals <= 15,
    'decimals must be 0..15',
  );
  const bits = policy.statisticalSecurityBits ?? 30;
  if (policy.noiseBound !== undefined) {
    requireArg(
      Number.isFinite(policy.noiseBound) && policy.noiseBound > 0,
      'noiseBound must be positive',
    );
  }
  requireArg(
    Number.isFinite(bits) && bits >= 0 && bits <= 128,
    'statisticalSecurityBits must be 0..128',
  );
  return bits;
}

/** What releasing one output needs besides the output itself. */
interface ReleaseContext {
  ctx: CkksContext;
  keys: TradeKeys;
  pt: Plaintext;
  policy: ReleasePolicy;
  /** Values released in total (Q). */
  valueCount: number;
  bits: number;
  uniform: () => number;
}

/**
 * The largest |value| released for `out`: the policy's cap or what the ciphertexts can hold,
 * tightened by the buyer's tracked bound plus room for the decryption error.
 */
function releaseLimit(out: ResultOutput, r: ReleaseContext): number {
  const capacity = Math.min(
    ...out.ciphertexts.map((ct) => capacityAt(r.ctx, ct.scale(), r.ctx.level(ct))),
  );
  const cap = Math.min(r.policy.maxAbsValue ?? capacity, capacity);
  if (out.bound === undefined) return cap;
  const noise = Math.max(...out.ciphertexts.map((ct) => estimateNoise(r.ctx, ct)));
  return Math.min(cap, out.bound * (1 + 2 ** -20) + 4 * noise);
}

/** Decrypts, range-checks, floods and rounds the declared cells of one output. */
function releaseOutput(
  out: ResultOutput,
  r: ReleaseContext,
): { logical: number[][]; bound: number; sigma: number } {
  const { ctx, keys, pt, policy, uniform } = r;
  const decoded = out.ciphertexts.map((ct) => {
    sealCall(
      'decrypt',
      () => {
        keys.decryptor.decrypt(ct, pt);
      },
      'INVALID_CIPHERTEXT',
    );
    return ctx.decode(pt);
  });
  const bound =
    policy.noiseBound ?? Math.max(...out.ciphertexts.map((ct) => estimateNoise(ctx, ct)));
  const sigma = floodingSigma(bound, r.valueCount, r.bits);
  const limit = releaseLimit(out, r);
  const L: Layout = out.layout;
  const phys: number[][] = [];
  for (let i = 0; i < L.rows; i++) {
    const row: number[] = [];
    for (let j = 0; j < L.cols; j++) {
      const { ct, slot } = cellSlot(L, i, j);
      const v = at(decoded, ct, 'decoded ciphertext')[slot] ?? NaN;
      if (!Number.isFinite(v) || Math.abs(v) > limit) {
        throw new CkksError(
          'VALUE_OUT_OF_RANGE',
          `a decrypted value of output '${out.name}' exceeds ±${limit} (its tracked bound or ` +
            'what its ciphertext can hold): the result is garbage (overflow, wrong key) or ' +
            'crafted; nothing is released',
        );
      }
      row.push(roundTo(v + (sigma > 0 ? sigma * gaussian(uniform) : 0), policy.decimals));
    }
    phys.push(row);
  }
  const logical = out.transposed
    ? Array.from({ length: L.cols }, (_, i) => phys.map((row) => row[i] ?? NaN))
    : phys;
  return { logical, bound, sigma };
}

/**
 * Seller entry point: releases a loaded result under `policy`. Refuses results with more values
 * than `policy.maxValues` (RESULT_TOO_LARGE) or with a decrypted value beyond `maxAbsValue`
 * (VALUE_OUT_OF_RANGE: garbage, overflow, or a crafted ciphertext). Adds Gaussian flooding noise
 * and rounds to `policy.decimals`. Only the cells the layouts declare are read; other slots (which
 * may hold partial sums of raw data) are never released.
 */
export function safeDecrypt(
  result: EncryptedResult,
  keys: TradeKeys,
  policy: ReleasePolicy,
): SafeRelease {
  const input: unknown = result;
  requireArg(input instanceof EncryptedResult, 'safeDecrypt needs an EncryptedResult (loadResult)');
  result.assertLive();
  keys.assertLive();
  const bits = checkPolicy(policy);
  if (result.keyId !== keys.keyId)
    throw new CkksError('KEY_MISMATCH', 'result is for another key set');
  if (result.valueCount > policy.maxValues) {
    throw new CkksError(
      'RESULT_TOO_LARGE',
      `result holds ${result.valueCount} values; the release policy allows at most ${policy.maxValues}`,
    );
  }
  const ctx = keys.ctx;
  using pt = owned(new ctx.seal.Plaintext());
  const release: ReleaseContext = {
    ctx,
    keys,
    pt,
    policy,
    valueCount: result.valueCount,
    bits,
    uniform: policy.random ?? cryptoUniform,
  };
  const outputs: Record<string, number[][]> = {};
  const values: number[] = [];
  let sigmaMax = 0;
  let boundMax = 0;
  for (const out of result.outputs) {
    const { logical, bound, sigma } = releaseOutput(out, release);
    boundMax = Math.max(boundMax, bound);
    sigmaMax = Math.max(sigmaMax, sigma);
    outputs[out.name] = logical;
    for (const r of logical) values.push(...r);
  }
  const effective =
    sigmaMax === 0
      ? policy.decimals
      : Math.max(0, Math.min(policy.decimals, Math.floor(-Math.log10(2 * sigmaMax))));
  return {
    outputs,
    values,
    sigma: sigmaMax,
    noiseBound: boundMax,
    effectiveDecimals: effective,
    statisticalSecurityBits: bits,
  };
}
