/**
 * The seller's CKKS work itself (keys, bundle encryption, safe decryption, re-execution), run
 * inside a crypto worker thread (worker.ts). Written as plain functions of serializable input
 * so that the same code also runs in the calling thread ({@link EngineSettings.inThread}).
 */
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
} from '../../ckks/index.js';
import {
  runComputation,
  type ComputationRequest,
  type ComputationScript,
  type ComputedResult,
} from '../../computations/index.js';
import { ResultRefused, type TradeMaterial } from '../seller-crypto.js';

/** Engine refusals about the buyer's input: they become a ResultRefused with their code. */
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

/** The engine's settings, resolved (see EngineOptions in ckks-adapter.ts). */
export interface EngineSettings {
  passphrase: string;
  decimals: number;
  maxResultBytes: number;
  statisticalSecurityBits: number | undefined;
}

export interface BundleInput {
  rows: number[][];
  columns: string[];
  preset: string;
}

export interface DecryptInput {
  secretKey: Uint8Array;
  result: Uint8Array;
  maxValues: number;
  declaredValues?: number;
}

export interface ReexecuteInput {
  bundle: Uint8Array;
  request: ComputationRequest;
  scripts: readonly ComputationScript[];
}

const refuse = (error: unknown): never => {
  if (error instanceof CkksError && INPUT_REFUSALS.has(error.code)) {
    throw new ResultRefused(`${error.code}: ${error.message}`);
  }
  throw error;
};

/**
 * Fresh trade keys, the table encrypted under them (its own largest |value| becomes its tracked
 * bound), the serialized bundle, and the secret key protected by sealSecretKey.
 */
export async function createBundleHere(
  settings: EngineSettings,
  input: BundleInput,
  pool: boolean | undefined = false,
): Promise<TradeMaterial> {
  let found: ReturnType<typeof getPreset>;
  try {
    found = getPreset(input.preset);
  } catch (error) {
    throw new Error(
      `listing preset '${input.preset}' is not a CKKS engine preset: ${(error as Error).message}`,
    );
  }
  const keys = await createTradeKeys(found);
  try {
    // In a crypto worker (pool false), the workers are the parallelism: no nested CKKS pool.
    // In the calling thread (undefined), DATAMARKET_CKKS_POOL decides.
    const table = await encryptTableAsync(keys, input.rows, input.columns, { pool });
    try {
      const bundle = serializeBundle(table);
      return { bundle: bundle.bytes, secretKey: await sealSecretKey(keys, settings.passphrase) };
    } finally {
      table.dispose();
    }
  } finally {
    keys.dispose();
  }
}

/**
 * openSecretKey, loadResult (untrusted input: size caps, envelope, digest, key id, value count
 * against the leakage bound, SEAL validity), the declared on-chain count, then safeDecrypt
 * (noise flooding, rounding, range check tightened by the result's tracked bound).
 */
export async function decryptResultHere(
  settings: EngineSettings,
  input: DecryptInput,
): Promise<number[]> {
  const { maxValues, declaredValues } = input;
  const keys = await openSecretKey(input.secretKey, settings.passphrase);
  try {
    const loaded = await loadResult(input.result, keys, {
      maxValues,
      maxBytes: settings.maxResultBytes,
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
          decimals: settings.decimals,
          statisticalSecurityBits: settings.statisticalSecurityBits,
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
}

/** The pump's re-execution of a named computation on the trade's bundle (runComputation). */
export function reexecuteHere(input: ReexecuteInput): Promise<ComputedResult> {
  return runComputation(input.bundle, input.request, input.scripts);
}
