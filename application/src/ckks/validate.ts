/**
 * Checks shared by bundle and result loading: header fields against the local preset and
 * parameters, and ciphertexts against SEAL's own validity check plus the engine's.
 */
import type { Ciphertext } from 'node-seal';
import { checkSealObject } from './container.js';
import { CkksContext } from './context.js';
import { CkksError } from './errors.js';
import { PRESETS, type Preset } from './presets.js';
import { sealLoad } from './seal.js';

/** Max bytes of a serialized ciphertext at the first level. */
export function maxCiphertextBytes(p: Preset): number {
  return 2 * p.polyModulusDegree * (p.depth + 1) * 8 + 256;
}

/** Max bytes of one serialized key-switching key (public key or one relinearisation key). */
export function maxKeyBytes(p: Preset): number {
  return (p.depth + 1) * (2 * p.polyModulusDegree * (p.depth + 2) * 8 + 256) + 256;
}

function isString(x: unknown, max = 256): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= max;
}

/** Resolves and checks the preset fields of an untrusted header. */
export async function presetFromHeader(
  h: Record<string, unknown>,
  expected?: Preset,
): Promise<CkksContext> {
  const name = h.preset;
  if (!isString(name, 64) || !Object.prototype.hasOwnProperty.call(PRESETS, name)) {
    throw new CkksError('PRESET_MISMATCH', `unknown parameter preset ${JSON.stringify(name)}`);
  }
  const preset = PRESETS[name as keyof typeof PRESETS];
  if (h.presetId !== preset.id)
    throw new CkksError('PRESET_MISMATCH', 'preset id does not match its name');
  if (expected && expected.name !== preset.name) {
    throw new CkksError('PRESET_MISMATCH', `expected preset ${expected.name}, got ${preset.name}`);
  }
  const ctx = await CkksContext.forPreset(preset);
  if (h.paramsHash !== ctx.paramsHash) {
    throw new CkksError(
      'PRESET_MISMATCH',
      `encryption parameters differ from the local definition of preset ${preset.name}`,
    );
  }
  if (!isString(h.keyId, 64) || !/^[0-9a-f]{64}$/.test(h.keyId)) {
    throw new CkksError('CORRUPT', 'missing or malformed key id');
  }
  return ctx;
}

/**
 * Loads an untrusted ciphertext: SEAL header checks, SEAL's load (which runs SEAL's validity
 * check and throws on invalid data), then the engine's checks: two polynomials, NTT form, not
 * transparent (a ciphertext that would decrypt without the key), ring size, level in the chain,
 * finite positive scale in a sane range (values decoded with an odd scale are caught by the
 * release policy's range check).
 */
export function loadCiphertext(ctx: CkksContext, bytes: Uint8Array, what: string): Ciphertext {
  checkSealObject(bytes, what, maxCiphertextBytes(ctx.preset));
  const ct = new ctx.seal.Ciphertext();
  try {
    sealLoad(`${what} rejected by SEAL`, ct, ctx.context, bytes, 'INVALID_CIPHERTEXT');
    const bad = (why: string): never => {
      throw new CkksError('INVALID_CIPHERTEXT', `${what}: ${why}`);
    };
    if (ct.size() !== 2) bad(`has ${ct.size()} polynomials (expected 2)`);
    if (!ct.isNttForm()) bad('is not in NTT form');
    if (ct.isTransparent()) bad('is transparent (would decrypt without the key)');
    if (ct.polyModulusDegree() !== ctx.preset.polyModulusDegree) bad('has the wrong ring size');
    const primes = ct.coeffModulusSize();
    if (primes < 1 || primes > ctx.depth + 1) bad('is not at a level of this preset');
    const scale = ct.scale();
    if (!Number.isFinite(scale) || scale <= 0) bad('has an invalid scale');
    if (Math.log2(scale) >= ctx.modulusBits(ctx.level(ct)))
      bad('has a scale larger than its modulus');
    return ct;
  } catch (e) {
    ct.delete();
    throw e;
  }
}
