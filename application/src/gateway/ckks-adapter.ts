import { CryptoWorkers } from './crypto-worker/client.js';
import {
  createBundleHere,
  decryptResultHere,
  reexecuteHere,
  type EngineSettings,
} from './crypto-worker/engine-work.js';
import type { SellerCrypto } from './seller-crypto.js';

/**
 * Adapter from the CKKS engine (application/src/ckks, owned by the engine's authors) to the
 * SellerCrypto interface the event pump and the sample routes use. The work itself is in
 * crypto-worker/engine-work.ts and runs in worker threads (crypto-worker/client.ts), so the
 * app's event loop stays free while keys are made, data encrypted or a result decrypted:
 *
 * - createBundle: fresh trade keys, the table encrypted (the data's own largest |value| becomes
 *   its tracked bound, carried in the bundle), serializeBundle; the secret key leaves the engine
 *   only protected by sealSecretKey (and the gateway seals it again with its own store key and a
 *   row label).
 * - decryptResult: openSecretKey, loadResult (untrusted input: size caps, envelope, digest,
 *   key id, the claimed value count against the leakage bound, SEAL validity), then the
 *   declared on-chain count, then safeDecrypt (noise flooding, rounding, range check against
 *   what the ciphertext holds, tightened by the result's tracked bound).
 * - reexecute: the pump's re-execution of a named computation on the trade's bundle.
 *   Every engine refusal about the buyer's input becomes a ResultRefused with its code; errors
 *   cross the worker boundary as the same classes (ResultRefused, CkksError with its code).
 */
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
  /** Run the work in the calling thread instead of worker threads (default false). */
  inThread?: boolean;
  /** Number of crypto worker threads (default: up to 2, one per core). */
  workers?: number;
}

/** SellerCrypto of the engine; `close` ends its worker threads (idle ones never hold the process). */
export interface EngineSellerCrypto extends SellerCrypto {
  close(): Promise<void>;
}

export function engineSellerCrypto(options: EngineOptions = {}): Promise<EngineSellerCrypto> {
  const settings: EngineSettings = {
    passphrase: options.passphrase ?? 'datamarket-gateway-engine-seal',
    decimals: options.decimals ?? 4,
    maxResultBytes: options.maxResultBytes ?? 32 * 1024 * 1024,
    statisticalSecurityBits: options.statisticalSecurityBits,
  };
  if (options.inThread) {
    return Promise.resolve({
      createBundle: (dataset, preset) =>
        createBundleHere(
          settings,
          { rows: dataset.rows, columns: dataset.columns, preset },
          undefined,
        ),
      decryptResult: ({ secretKey, result, maxValues, declaredValues }) =>
        decryptResultHere(settings, { secretKey, result, maxValues, declaredValues }),
      reexecute: reexecuteHere,
      close: () => Promise.resolve(),
    });
  }
  const workers = new CryptoWorkers(settings, options.workers);
  return Promise.resolve({
    createBundle: (dataset, preset) =>
      workers.createBundle({ rows: dataset.rows, columns: dataset.columns, preset }),
    decryptResult: ({ secretKey, result, maxValues, declaredValues }) =>
      workers.decryptResult({ secretKey, result, maxValues, declaredValues }),
    reexecute: (input) => workers.reexecute(input),
    close: () => workers.close(),
  });
}
