import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';

/**
 * The plaintext result travels on chain encrypted to the buyer's result key:
 * X25519 ECDH with an ephemeral key per result, HKDF-SHA256, AES-256-GCM.
 *
 * Envelope (JSON, then base64 for DeliverResult):
 * `{v: 1, alg: "X25519-HKDF-SHA256-AES-256-GCM", epk: <ephemeral SPKI DER, base64>,
 *   iv: <12 bytes, base64>, ct: <ciphertext, base64>, tag: <16 bytes, base64>}`.
 * The HKDF salt is the ephemeral public key bytes followed by the recipient's; the info
 * string binds the algorithm name, so a key can't be reused for another scheme.
 */
export const RESULT_ENVELOPE_ALG = 'X25519-HKDF-SHA256-AES-256-GCM';
const INFO = Buffer.from(`datamarket result v1 ${RESULT_ENVELOPE_ALG}`);

export interface ResultKeyPair {
  /** SPKI PEM: what the buyer passes to Purchase as buyerResultKey. */
  publicKeyPem: string;
  /** PKCS#8 PEM: keep secret (sealed at rest by the buyer's app). */
  privateKeyPem: string;
}

export function generateResultKeyPair(): ResultKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** What a well-formed envelope holds; version and algorithm are checked separately. */
const envelopeSchema = z.object({
  v: z.number(),
  alg: z.string(),
  epk: z.string(),
  iv: z.string(),
  ct: z.string(),
  tag: z.string(),
});
type Envelope = z.infer<typeof envelopeSchema>;

function x25519Public(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new Error(`buyer result key is not a PEM public key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'x25519') {
    throw new Error(`buyer result key must be an X25519 key, not ${key.asymmetricKeyType}`);
  }
  return key;
}

const spkiDer = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });

function deriveKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), INFO, 32));
}

/** Encrypts `plaintext` to an X25519 public key; returns the envelope as base64. */
export function encryptToResultKey(publicKeyPem: string, plaintext: Uint8Array): string {
  const recipient = x25519Public(publicKeyPem);
  const ephemeral = generateKeyPairSync('x25519');
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  const epk = spkiDer(ephemeral.publicKey);
  const key = deriveKey(shared, epk, spkiDer(recipient));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const envelope: Envelope = {
    v: 1,
    alg: RESULT_ENVELOPE_ALG,
    epk: epk.toString('base64'),
    iv: iv.toString('base64'),
    ct: ct.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
  return Buffer.from(JSON.stringify(envelope)).toString('base64');
}

function parseEnvelope(envelopeBase64: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(envelopeBase64, 'base64').toString('utf8'));
  } catch {
    throw new Error('encrypted result is not a result envelope');
  }
  const envelope = envelopeSchema.safeParse(parsed);
  if (!envelope.success) throw new Error('encrypted result is not a result envelope');
  return envelope.data;
}

/** Opens an envelope made by encryptToResultKey; throws if it was altered or is not for this key. */
export function decryptWithResultKey(privateKeyPem: string, envelopeBase64: string): Buffer {
  const envelope = parseEnvelope(envelopeBase64);
  if (envelope.v !== 1 || envelope.alg !== RESULT_ENVELOPE_ALG) {
    throw new Error(`unsupported result envelope (v=${envelope.v}, alg=${envelope.alg})`);
  }
  const privateKey = createPrivateKey(privateKeyPem);
  const recipient = createPublicKey(privateKey);
  const epkDer = Buffer.from(envelope.epk, 'base64');
  const ephemeral = createPublicKey({ key: epkDer, format: 'der', type: 'spki' });
  const shared = diffieHellman({ privateKey, publicKey: ephemeral });
  const key = deriveKey(shared, epkDer, spkiDer(recipient));
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]);
}

export const sha256Hex = (data: Uint8Array | string) =>
  createHash('sha256').update(data).digest('hex');
