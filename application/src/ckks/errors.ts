/**
 * Typed errors of the CKKS engine. Every failure the engine detects itself is a {@link CkksError}
 * with a stable `code`, so callers (the gateway, the CLI) can map them to HTTP statuses or messages
 * without parsing text.
 */

/** Stable error codes. */
export type CkksErrorCode =
  /** An argument is malformed (wrong type, NaN, out of range). */
  | 'INVALID_ARGUMENT'
  /** Operand shapes do not fit the operation. */
  | 'SHAPE_MISMATCH'
  /** The operation is refused on purpose: CKKS cannot do it safely (comparisons, min, max, ...). */
  | 'UNSUPPORTED_OPERATION'
  /** The operands' slot layouts cannot be combined without an expensive physical re-layout. */
  | 'LAYOUT_UNSUPPORTED'
  /** The ciphertext has no multiplicative levels left for this operation. */
  | 'DEPTH_EXHAUSTED'
  /** A scale would leave the range SEAL accepts (values of very different magnitudes). */
  | 'SCALE_OUT_OF_RANGE'
  /** A rotation needs a Galois key that was not generated for this trade. */
  | 'MISSING_GALOIS_KEY'
  /** Objects created with different parameter presets were combined. */
  | 'PRESET_MISMATCH'
  /** Objects created under different key sets were combined, or a result targets another key. */
  | 'KEY_MISMATCH'
  /** The operation needs the secret key, which this key set does not hold. */
  | 'SECRET_KEY_REQUIRED'
  /** The object was disposed and its SEAL memory freed. */
  | 'DISPOSED'
  /** Serialized input does not start with the expected magic bytes. */
  | 'BAD_MAGIC'
  /** Serialized input has a format version this code does not read. */
  | 'BAD_VERSION'
  /** Serialized input is shorter than its own header says. */
  | 'TRUNCATED'
  /** Serialized input (or its decompressed payload) exceeds a size cap. */
  | 'TOO_LARGE'
  /** The SHA-256 digest does not match the content, or the expected digest. */
  | 'DIGEST_MISMATCH'
  /** Serialized input is structurally invalid (bad header, lengths, layout, parameters). */
  | 'CORRUPT'
  /** SEAL rejected a ciphertext or key, or it failed the engine's validity checks. */
  | 'INVALID_CIPHERTEXT'
  /** A result holds more values than the release policy allows. */
  | 'RESULT_TOO_LARGE'
  /** A decrypted value is outside the release policy's bound (likely garbage or an attack). */
  | 'VALUE_OUT_OF_RANGE'
  /** Wrong passphrase, or the protected secret key was tampered with. */
  | 'BAD_PASSPHRASE'
  /** SEAL raised an error the engine did not anticipate. */
  | 'SEAL_ERROR';

/** Error raised by the CKKS engine; `code` is stable, `message` is for humans. */
export class CkksError extends Error {
  readonly code: CkksErrorCode;

  constructor(code: CkksErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CkksError';
    this.code = code;
  }
}

/** Throws an INVALID_ARGUMENT error unless `condition` holds. */
export function requireArg(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CkksError('INVALID_ARGUMENT', message);
}
