import type { SellerCrypto } from './seller-crypto.js';

/**
 * Adapter from the CKKS engine (application/src/ckks, owned by the engine's authors) to the
 * SellerCrypto interface the pump and the sample routes use.
 */
export async function engineSellerCrypto(): Promise<SellerCrypto> {
  throw new Error('the CKKS engine (application/src/ckks) is not available yet');
}
