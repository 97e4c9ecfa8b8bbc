/**
 * Pairwise mask seeds: each pair of pool members derives the same 32-byte seed from X25519
 * between one's private key and the other's public key (registered on chain at JoinPool), so
 * no seed ever travels. The seed is bound to the joint trade and to the pair's two public keys.
 */
import {
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { AggregationError } from './errors.js';

export interface MaskKeyPair {
  privateKey: KeyObject;
  /** The raw 32-byte public key in standard base64, as JoinPool takes it. */
  publicKey: string;
}

const RAW_KEY = /^[A-Za-z0-9+/]{43}=$/;

/** A fresh X25519 key pair for a member's app. */
export function generateMaskKeyPair(): MaskKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: rawPublicKey(publicKey) };
}

export function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'X25519' || typeof jwk.x !== 'string') {
    throw new AggregationError('not an X25519 key');
  }
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

export function importPublicKey(raw: string): KeyObject {
  if (!RAW_KEY.test(raw) || Buffer.from(raw, 'base64').length !== 32) {
    throw new AggregationError('a mask public key is 32 raw bytes in base64 (44 characters)');
  }
  return createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw, 'base64').toString('base64url') },
    format: 'jwk',
  });
}

/** The trade a seed belongs to: masks of one trade are useless for any other. */
export interface SeedContext {
  poolId: string;
  tradeId: string;
}

const SALT = Buffer.from('datamarket pool mask seed v1', 'utf8');

/**
 * The seed member `mine` shares with the member whose public key is `theirs`. Both sides get
 * the same bytes: the info string lists the two public keys in sorted order.
 */
export function pairwiseSeed(mine: MaskKeyPair, theirs: string, context: SeedContext): Uint8Array {
  if (theirs === mine.publicKey) throw new AggregationError('a member has no seed with itself');
  const shared = diffieHellman({ privateKey: mine.privateKey, publicKey: importPublicKey(theirs) });
  if (shared.every((b) => b === 0)) {
    throw new AggregationError('the other member’s public key is of small order: refused');
  }
  const [a, b] = [mine.publicKey, theirs].sort();
  const info = JSON.stringify(['pool-mask-seed', context.poolId, context.tradeId, a, b]);
  return new Uint8Array(hkdfSync('sha256', shared, SALT, Buffer.from(info, 'utf8'), 32));
}
