/**
 * Named CKKS parameter presets. All give 128-bit security: SEAL checks each against the
 * HomomorphicEncryption.org standard table (max log2 Q: 109 bits at N=4096, 218 at N=8192, 438 at
 * N=16384) and refuses to build a context otherwise. A preset's name and numeric id are stored
 * with every key set, bundle and result, so objects made under different presets never mix.
 *
 * Reading the table below:
 * - depth: how many multiplications in a row (each followed by a rescale) a ciphertext survives;
 *   scalar multiplication and division are free (no level), see `EncryptedTable.mul`.
 * - scale Δ: values are stored as round(x·Δ); precision is about (noise / Δ).
 * - headroom: |values| (also intermediate ones, e.g. partial sums) must stay below 2^(headroom-1).
 * - the special (last) prime is kept ≥ 2^6 × the largest data prime: with a special prime about the
 *   size of q0, SEAL's key switching (rotations, relinearisation, public-key encryption) adds an
 *   error concentrated in slot 0 that is 100× the typical noise (measured; see docs/ckks.md).
 */
import { CkksError } from './errors.js';

export type PresetName = 'n4096-d0' | 'n4096-d1' | 'n8192-d2' | 'n8192-d4' | 'n16384-d9';

export interface Preset {
  /** Name used in the API and in docs. */
  readonly name: PresetName;
  /** Numeric id written into binary formats. */
  readonly id: number;
  /** Ring dimension N; a ciphertext holds N/2 slots. */
  readonly polyModulusDegree: number;
  /** Bit sizes of the coefficient-modulus primes: data primes q0..qL, then the special prime. */
  readonly coeffModulusBits: readonly number[];
  /** log2 of the encoding scale Δ. */
  readonly scaleBits: number;
  /** Multiplicative depth (number of rescalings available). */
  readonly depth: number;
  /** Slots per ciphertext (N/2). */
  readonly slots: number;
  /** Bits between q0 and Δ: decrypted values must satisfy |x| < 2^(headroomBits-1). */
  readonly headroomBits: number;
  /** Bytes of one fresh ciphertext, uncompressed (2 polynomials × N × (depth+1) words + header). */
  readonly ciphertextBytes: number;
  /** What the preset is for. */
  readonly summary: string;
}

function preset(
  name: PresetName,
  id: number,
  n: number,
  bits: number[],
  scaleBits: number,
  summary: string,
): Preset {
  const depth = bits.length - 2;
  const q0 = bits[0] ?? 0;
  return Object.freeze({
    name,
    id,
    polyModulusDegree: n,
    coeffModulusBits: Object.freeze([...bits]),
    scaleBits,
    depth,
    slots: n / 2,
    headroomBits: q0 - scaleBits,
    ciphertextBytes: 2 * n * (depth + 1) * 8 + 113,
    summary,
  });
}

/** The presets, by name. */
export const PRESETS: Readonly<Record<PresetName, Preset>> = Object.freeze({
  'n4096-d0': preset(
    'n4096-d0',
    1,
    4096,
    [49, 60],
    29,
    'Linear statistics only (sums, means, counts, scalar maps): no ciphertext multiplication. Fastest rotations.',
  ),
  'n4096-d1': preset(
    'n4096-d1',
    2,
    4096,
    [38, 25, 46],
    25,
    'One multiplication (variances, dot products with plain weights). Small and fast; low precision.',
  ),
  'n8192-d2': preset(
    'n8192-d2',
    3,
    8192,
    [52, 38, 38, 60],
    38,
    'Two multiplications at high precision (covariances, degree-2 polynomials).',
  ),
  'n8192-d4': preset(
    'n8192-d4',
    4,
    8192,
    [44, 30, 30, 30, 30, 54],
    30,
    'Four multiplications: one epoch of logistic regression with a degree-3 sigmoid.',
  ),
  'n16384-d9': preset(
    'n16384-d9',
    5,
    16384,
    [50, 35, 35, 35, 35, 35, 35, 35, 35, 35, 60],
    35,
    'Nine multiplications: two epochs of logistic regression. Large keys (tens of MB per Galois key).',
  ),
});

/** Names of all presets, smallest first. */
export const PRESET_NAMES: readonly PresetName[] = Object.freeze(
  Object.keys(PRESETS) as PresetName[],
);

/** The preset called `name`; throws INVALID_ARGUMENT for unknown names. */
export function getPreset(name: string): Preset {
  if (!Object.prototype.hasOwnProperty.call(PRESETS, name)) {
    throw new CkksError(
      'INVALID_ARGUMENT',
      `unknown CKKS preset '${name}': use one of ${PRESET_NAMES.join(', ')}`,
    );
  }
  return PRESETS[name as PresetName];
}

/** The preset with numeric id `id`, or undefined. */
export function presetById(id: number): Preset | undefined {
  return PRESET_NAMES.map((n) => PRESETS[n]).find((p) => p.id === id);
}
