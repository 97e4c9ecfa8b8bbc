/**
 * Passphrase protection of a trade's secret key for the seller's store: scrypt key derivation and
 * AES-256-GCM authenticated encryption (node:crypto). The header (preset, key id, KDF parameters,
 * salt, IV) is authenticated as additional data, so any change to it is detected.
 *
 *   "DMCKSK" | version (1 byte) | 0 | header length (4 bytes BE) | header JSON | ciphertext | tag (16)
 *
 * The plaintext is the SEAL secret key and the public key it belongs to (so the key id can be
 * recomputed and checked on opening).
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { CkksContext } from './context.js';
import { CkksError, requireArg } from './errors.js';
import { TradeKeys } from './keys.js';
import { PRESETS } from './presets.js';

const MAGIC = Buffer.from('DMCKSK', 'ascii');
const VERSION = 1;

/** scrypt cost parameters. */
export interface ScryptParams {
  /** CPU/memory cost (power of two; default 2^15). */
  N: number;
  r: number;
  p: number;
}

const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      32,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 2 ** 20 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/**
 * Seller entry point: encrypts the trade's secret key under a passphrase for storage.
 * @returns the protected key bytes (safe to store; useless without the passphrase).
 */
export async function sealSecretKey(
  keys: TradeKeys,
  passphrase: string,
  options: { scrypt?: ScryptParams } = {},
): Promise<Uint8Array> {
  requireArg(
    typeof passphrase === 'string' && passphrase.length >= 8,
    'passphrase needs at least 8 characters',
  );
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const header = Buffer.from(
    JSON.stringify({
      preset: keys.preset.name,
      presetId: keys.preset.id,
      keyId: keys.keyId,
      galoisSteps: [...keys.galoisSteps],
      kdf: { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64') },
      cipher: { name: 'aes-256-gcm', iv: iv.toString('base64') },
    }),
    'utf8',
  );
  const prefix = Buffer.alloc(MAGIC.length + 6);
  MAGIC.copy(prefix);
  prefix.writeUInt8(VERSION, MAGIC.length);
  prefix.writeUInt32BE(header.length, MAGIC.length + 2);
  const aad = Buffer.concat([prefix, header]);
  const sk = Buffer.from(keys.secretKeyBytes());
  const skLen = Buffer.alloc(4);
  skLen.writeUInt32BE(sk.length);
  const plain = Buffer.concat([skLen, sk, keys.publicKeyBytes]);
  const key = await deriveKey(passphrase, salt, params);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return new Uint8Array(Buffer.concat([aad, body, cipher.getAuthTag()]));
  } finally {
    key.fill(0);
    sk.fill(0);
    plain.fill(0);
  }
}

/**
 * Seller entry point: opens a key sealed by {@link sealSecretKey}. Evaluation keys are
 * regenerated on demand (`keys.evaluation`).
 * @throws CkksError BAD_PASSPHRASE (wrong passphrase or tampered data), BAD_MAGIC, CORRUPT, ...
 */
export async function openSecretKey(bytes: Uint8Array, passphrase: string): Promise<TradeKeys> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fixed = MAGIC.length + 6;
  if (buf.length < fixed || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new CkksError('BAD_MAGIC', 'not a protected CKKS secret key');
  }
  if (buf.readUInt8(MAGIC.length) !== VERSION)
    throw new CkksError('BAD_VERSION', 'unsupported key file version');
  const headerLen = buf.readUInt32BE(MAGIC.length + 2);
  if (headerLen > 65536 || fixed + headerLen + 16 > buf.length) {
    throw new CkksError('TRUNCATED', 'protected key is truncated');
  }
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(buf.toString('utf8', fixed, fixed + headerLen)) as Record<string, unknown>;
  } catch (e) {
    throw new CkksError('CORRUPT', 'protected key header is not JSON', { cause: e });
  }
  const kdf = h.kdf as
    { name?: unknown; N?: unknown; r?: unknown; p?: unknown; salt?: unknown } | undefined;
  const cipherInfo = h.cipher as { name?: unknown; iv?: unknown } | undefined;
  const ok =
    kdf?.name === 'scrypt' &&
    Number.isInteger(kdf.N) &&
    (kdf.N as number) >= 2 ** 10 &&
    (kdf.N as number) <= 2 ** 20 &&
    Number.isInteger(kdf.r) &&
    (kdf.r as number) >= 1 &&
    (kdf.r as number) <= 32 &&
    Number.isInteger(kdf.p) &&
    (kdf.p as number) >= 1 &&
    (kdf.p as number) <= 16 &&
    typeof kdf.salt === 'string' &&
    cipherInfo?.name === 'aes-256-gcm' &&
    typeof cipherInfo.iv === 'string' &&
    typeof h.preset === 'string' &&
    Object.prototype.hasOwnProperty.call(PRESETS, h.preset) &&
    typeof h.keyId === 'string' &&
    Array.isArray(h.galoisSteps);
  if (!ok) throw new CkksError('CORRUPT', 'protected key header is malformed');
  const aad = buf.subarray(0, fixed + headerLen);
  const body = buf.subarray(fixed + headerLen, buf.length - 16);
  const tag = buf.subarray(buf.length - 16);
  const salt = Buffer.from(kdf.salt as string, 'base64');
  const iv = Buffer.from(cipherInfo.iv as string, 'base64');
  if (salt.length !== 16 || iv.length !== 12) throw new CkksError('CORRUPT', 'bad salt or IV');
  const key = await deriveKey(passphrase, salt, {
    N: kdf.N as number,
    r: kdf.r as number,
    p: kdf.p as number,
  });
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (e) {
    throw new CkksError('BAD_PASSPHRASE', 'wrong passphrase, or the protected key was altered', {
      cause: e,
    });
  } finally {
    key.fill(0);
  }
  try {
    const skLen = plain.readUInt32BE(0);
    if (4 + skLen > plain.length)
      throw new CkksError('CORRUPT', 'protected key content is malformed');
    const preset = PRESETS[h.preset as keyof typeof PRESETS];
    if (h.presetId !== preset.id) throw new CkksError('CORRUPT', 'preset id does not match');
    const ctx = await CkksContext.forPreset(preset);
    const sk = new Uint8Array(plain.subarray(4, 4 + skLen));
    const pk = new Uint8Array(plain.subarray(4 + skLen));
    const keys = TradeKeys.restore(ctx, sk, pk.slice(), h.galoisSteps as number[]);
    sk.fill(0);
    if (keys.keyId !== h.keyId) {
      keys.dispose();
      throw new CkksError('CORRUPT', 'key id does not match the stored key');
    }
    return keys;
  } finally {
    plain.fill(0);
  }
}
