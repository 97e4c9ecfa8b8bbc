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
      (err, key) => {
        if (err) reject(err);
        else resolve(key);
      },
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

/** The checked JSON header of a protected key. */
interface ProtectedHeader {
  kdf: ScryptParams;
  salt: Buffer;
  iv: Buffer;
  preset: keyof typeof PRESETS;
  presetId: unknown;
  keyId: string;
  galoisSteps: number[];
}

const isIntIn = (x: unknown, lo: number, hi: number): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;

/** The scrypt parameters and salt of a header's `kdf` entry, if well-formed. */
function scryptOf(kdf: unknown): { params: ScryptParams; salt: string } | undefined {
  const k = kdf as { name?: unknown; N?: unknown; r?: unknown; p?: unknown; salt?: unknown } | null;
  if (
    k?.name !== 'scrypt' ||
    !isIntIn(k.N, 2 ** 10, 2 ** 20) ||
    !isIntIn(k.r, 1, 32) ||
    !isIntIn(k.p, 1, 16) ||
    typeof k.salt !== 'string'
  ) {
    return undefined;
  }
  return { params: { N: k.N, r: k.r, p: k.p }, salt: k.salt };
}

/** The IV of a header's `cipher` entry, if it names AES-256-GCM. */
function gcmIvOf(cipher: unknown): string | undefined {
  const c = cipher as { name?: unknown; iv?: unknown } | null;
  return c?.name === 'aes-256-gcm' && typeof c.iv === 'string' ? c.iv : undefined;
}

/** Checks the header fields; throws CORRUPT on anything unexpected. */
function checkHeader(h: Record<string, unknown>): ProtectedHeader {
  const scryptInfo = scryptOf(h.kdf);
  const ivText = gcmIvOf(h.cipher);
  const { preset, keyId, galoisSteps } = h;
  if (
    !scryptInfo ||
    ivText === undefined ||
    typeof preset !== 'string' ||
    !Object.prototype.hasOwnProperty.call(PRESETS, preset) ||
    typeof keyId !== 'string' ||
    !Array.isArray(galoisSteps)
  ) {
    throw new CkksError('CORRUPT', 'protected key header is malformed');
  }
  const salt = Buffer.from(scryptInfo.salt, 'base64');
  const iv = Buffer.from(ivText, 'base64');
  if (salt.length !== 16 || iv.length !== 12) throw new CkksError('CORRUPT', 'bad salt or IV');
  return {
    kdf: scryptInfo.params,
    salt,
    iv,
    preset: preset as keyof typeof PRESETS,
    presetId: h.presetId,
    keyId,
    galoisSteps: galoisSteps as number[],
  };
}

/** Splits a protected key into its checked header, the authenticated prefix, body and tag. */
function splitProtected(buf: Buffer): {
  header: ProtectedHeader;
  aad: Buffer;
  body: Buffer;
  tag: Buffer;
} {
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
  return {
    header: checkHeader(h),
    aad: buf.subarray(0, fixed + headerLen),
    body: buf.subarray(fixed + headerLen, buf.length - 16),
    tag: buf.subarray(buf.length - 16),
  };
}

/** AES-256-GCM decryption; BAD_PASSPHRASE if authentication fails. Wipes `key`. */
function decryptBody(key: Buffer, iv: Buffer, aad: Buffer, body: Buffer, tag: Buffer): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (e) {
    throw new CkksError('BAD_PASSPHRASE', 'wrong passphrase, or the protected key was altered', {
      cause: e,
    });
  } finally {
    key.fill(0);
  }
}

/** Rebuilds the key set from the decrypted content (secret key, then public key). */
async function restoreKeys(plain: Buffer, header: ProtectedHeader): Promise<TradeKeys> {
  const skLen = plain.readUInt32BE(0);
  if (4 + skLen > plain.length)
    throw new CkksError('CORRUPT', 'protected key content is malformed');
  const preset = PRESETS[header.preset];
  if (header.presetId !== preset.id) throw new CkksError('CORRUPT', 'preset id does not match');
  const ctx = await CkksContext.forPreset(preset);
  const sk = new Uint8Array(plain.subarray(4, 4 + skLen));
  const pk = new Uint8Array(plain.subarray(4 + skLen));
  const keys = TradeKeys.restore(ctx, sk, pk.slice(), header.galoisSteps);
  sk.fill(0);
  if (keys.keyId !== header.keyId) {
    keys.dispose();
    throw new CkksError('CORRUPT', 'key id does not match the stored key');
  }
  return keys;
}

/**
 * Seller entry point: opens a key sealed by {@link sealSecretKey}. Evaluation keys are
 * regenerated on demand (`keys.evaluation`).
 * @throws CkksError BAD_PASSPHRASE (wrong passphrase or tampered data), BAD_MAGIC, CORRUPT, ...
 */
export async function openSecretKey(bytes: Uint8Array, passphrase: string): Promise<TradeKeys> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { header, aad, body, tag } = splitProtected(buf);
  const key = await deriveKey(passphrase, header.salt, header.kdf);
  const plain = decryptBody(key, header.iv, aad, body, tag);
  try {
    return await restoreKeys(plain, header);
  } finally {
    plain.fill(0);
  }
}
