import {
  CkksError,
  createTradeKeys,
  encryptTableAsync,
  getPreset,
  loadResult,
  openSecretKey,
  safeDecrypt,
  sealSecretKey,
  serializeBundle,
} from '../ckks/index.js';
import { ResultRefused, type SellerCrypto } from './seller-crypto.js';

/**
 * Adapter from the CKKS engine (application/src/ckks, owned by the engine's authors) to the
 * SellerCrypto interface the event pump and the sample routes use:
 *
 * - createBundle: fresh trade keys (createTradeKeys), encryptTable (the data's own largest |value|
 *   becomes the table's tracked bound, carried in the bundle), serializeBundle; the secret
 *   key leaves the engine only protected by sealSecretKey (and the gateway seals it again with
 *   its own store key and a row label).
 * - decryptResult: openSecretKey, loadResult (untrusted input: size caps, envelope, digest,
 *   key id, the claimed value count against the leakage bound, SEAL validity), then the
 *   declared on-chain count, then safeDecrypt (noise flooding, rounding, range check against
 *   what the ciphertext holds, tightened by the result's tracked bound).
 *   Every engine refusal about the buyer's input becomes a ResultRefused with its code.
 */
const INPUT_REFUSALS = new Set([
  'TOO_LARGE',
  'BAD_MAGIC',
  'BAD_VERSION',
  'TRUNCATED',
  'DIGEST_MISMATCH',
  'CORRUPT',
  'INVALID_CIPHERTEXT',
  'RESULT_TOO_LARGE',
  'VALUE_OUT_OF_RANGE',
  'KEY_MISMATCH',
  'PRESET_MISMATCH',
  'SHAPE_MISMATCH',
  'INVALID_ARGUMENT',
]);

export interface EngineOptions {
  /** Decimal places released (default 4; the flooding noise may leave fewer meaningful). */
  decimals?: number;
  /** Passphrase of the engine's own secret-key protection (default: a per-process value). */
  passphrase?: string;
  /** Largest result accepted, bytes (default 32 MiB, the gateway's upload limit). */
  maxResultBytes?: number;
  /**
   * Statistical security s of the flooding noise (default: the engine's, 30). The noise grows
   * with 2^(s/2) and with the preset's depth; deep presets at small scales need a lower s (or
   * larger result values) for useful precision. A seller's policy decision.
   */
  statisticalSecurityBits?: number;
}

export function engineSellerCrypto(options: EngineOptions = {}): Promise<SellerCrypto> {
  const passphrase = options.passphrase ?? 'datamarket-gateway-engine-seal';
  const decimals = options.decimals ?? 4;
  const refuse = (error: unknown): never => {
    if (error instanceof CkksError && INPUT_REFUSALS.has(error.code)) {
      throw new ResultRefused(`${error.code}: ${error.message}`);
    }
    throw error;
  };
  return Promise.resolve({
    async createBundle(dataset, preset) {
      let found: ReturnType<typeof getPreset>;
      try {
        found = getPreset(preset);
      } catch (error) {
        throw new Error(
          `listing preset '${preset}' is not a CKKS engine preset: ${(error as Error).message}`,
        );
      }
      const keys = await createTradeKeys(found);
      try {
        // Ciphertexts encrypted in the CKKS worker pool when DATAMARKET_CKKS_POOL=1.
        const table = await encryptTableAsync(keys, dataset.rows, dataset.columns);
        try {
          const bundle = serializeBundle(table);
          return { bundle: bundle.bytes, secretKey: await sealSecretKey(keys, passphrase) };
        } finally {
          table.dispose();
        }
      } finally {
        keys.dispose();
      }
    },
    async decryptResult({ secretKey, result, maxValues, declaredValues }) {
      const keys = await openSecretKey(secretKey, passphrase);
      try {
        const loaded = await loadResult(result, keys, {
          maxValues,
          maxBytes: options.maxResultBytes ?? 32 * 1024 * 1024,
        }).catch(refuse);
        try {
          if (declaredValues !== undefined && loaded.valueCount !== declaredValues) {
            throw new ResultRefused(
              `the result holds ${loaded.valueCount} values, not the ${declaredValues} declared on chain`,
            );
          }
          try {
            return safeDecrypt(loaded, keys, {
              maxValues,
              decimals,
              statisticalSecurityBits: options.statisticalSecurityBits,
            }).values;
          } catch (error) {
            return refuse(error);
          }
        } finally {
          loaded.dispose();
        }
      } finally {
        keys.dispose();
      }
    },
  });
}
