import type {
  ComputationRequest,
  ComputationScript,
  ComputedResult,
} from '../computations/index.js';
import type { StoredDataset } from './store/seller-store.js';

/** What the event pump and the sample routes need from the CKKS engine. */
export interface TradeMaterial {
  /** Serialized bundle for the buyer: ciphertexts + public, relinearisation and Galois keys. */
  bundle: Uint8Array;
  /** Serialized CKKS secret key: sealed before it is stored. */
  secretKey: Uint8Array;
}

export class ResultRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultRefused';
  }
}

export interface SellerCrypto {
  /** Fresh keys for one trade (or a sample) and the dataset encrypted under them. */
  createBundle(dataset: StoredDataset, preset: string): Promise<TradeMaterial>;
  /**
   * Checks a buyer's encrypted result before decryption (size, parameters, how many values
   * it holds) and decrypts it safely (noise flooding, rounding). Throws ResultRefused with a
   * reason the seller can put on chain when the result must not be decrypted.
   */
  decryptResult(input: {
    secretKey: Uint8Array;
    bundle: Uint8Array;
    result: Uint8Array;
    preset: string;
    /** Most values the result may hold (the trade's leakage bound). */
    maxValues: number;
    /** What the buyer declared on chain; the result must hold exactly this many. */
    declaredValues?: number;
  }): Promise<number[]>;
  /**
   * Runs an approved computation on a trade's bundle (the pump's re-execution check before
   * decrypting). Optional: without it the pump runs runComputation in its own thread.
   */
  reexecute?(input: {
    bundle: Uint8Array;
    request: ComputationRequest;
    scripts: readonly ComputationScript[];
  }): Promise<ComputedResult>;
}
