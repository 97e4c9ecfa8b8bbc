import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/**
 * Secrets at rest (CKKS secret keys of trades, buyers' result keys) are sealed with
 * AES-256-GCM under a key derived with scrypt from the store secret. Sealed layout:
 * `"DMS1" | salt (16) | iv (12) | tag (16) | ciphertext`. The associated data names what
 * the secret is for (e.g. `trade-key:market:<tradeId>`), so a sealed value copied to
 * another row does not open.
 */
const MAGIC = Buffer.from('DMS1');

export class Sealer {
  private readonly cache = new Map<string, Buffer>();
  /**
   * One salt for everything this instance seals: scrypt (tens of ms, synchronous) then runs
   * once per process, not on every purchase. Each seal still has its own random IV.
   */
  private readonly sealSalt = randomBytes(16);

  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error('the store secret must be at least 16 characters');
  }

  private key(salt: Buffer): Buffer {
    const id = salt.toString('hex');
    let key = this.cache.get(id);
    if (!key) {
      key = scryptSync(this.secret, salt, 32, { N: 1 << 14, r: 8, p: 1 });
      this.cache.set(id, key);
    }
    return key;
  }

  seal(plaintext: Uint8Array, label: string): Buffer {
    const salt = this.sealSalt;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(salt), iv);
    cipher.setAAD(Buffer.from(label));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([MAGIC, salt, iv, cipher.getAuthTag(), ct]);
  }

  open(sealed: Uint8Array, label: string): Buffer {
    const data = Buffer.from(sealed);
    if (data.length < 48 || !data.subarray(0, 4).equals(MAGIC)) {
      throw new Error('not a sealed secret');
    }
    const salt = data.subarray(4, 20);
    const iv = data.subarray(20, 32);
    const tag = data.subarray(32, 48);
    const decipher = createDecipheriv('aes-256-gcm', this.key(salt), iv);
    decipher.setAAD(Buffer.from(label));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(data.subarray(48)), decipher.final()]);
    } catch {
      throw new Error(`sealed secret '${label}' does not open: wrong store secret or altered data`);
    }
  }
}
