/** Passphrase-protected secret keys (scrypt + AES-256-GCM). */
import { expect } from 'chai';
import {
  decryptTable,
  encryptTable,
  openSecretKey,
  sealSecretKey,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { at, expectClose, expectCode, keysFor } from './helpers.js';

const FAST = { scrypt: { N: 2 ** 12, r: 8, p: 1 } };

describe('ckks secret key store', function () {
  let keys: TradeKeys;
  before(async () => {
    keys = await keysFor('n4096-d1');
  });

  it('restores the key set from the passphrase-protected form (default scrypt cost)', async () => {
    const data = [
      [1.5, -2],
      [0.25, 4],
    ];
    const t = encryptTable(keys, data);
    const sealed = await sealSecretKey(keys, 'correct horse battery staple');
    const restored = await openSecretKey(sealed, 'correct horse battery staple');
    try {
      expect(restored.keyId).to.equal(keys.keyId);
      expect(restored.preset.name).to.equal('n4096-d1');
      expectClose(decryptTable(t, restored), data, 1e-4, 'decrypt with restored key');
      // Evaluation keys are regenerated on demand and work with the original ciphertexts.
      const u = encryptTable(restored, data);
      const s = u.sum(0);
      expectClose(decryptTable(s, keys), [[1.75, 2]], 1e-3, 'sum under regenerated keys');
      s.dispose();
      u.dispose();
      // The raw secret key does not appear in the sealed bytes.
      const raw = Buffer.from(keys.secretKeyBytes());
      const window = raw.subarray(raw.length - 64);
      expect(Buffer.from(sealed).indexOf(window)).to.equal(-1);
    } finally {
      t.dispose();
      restored.dispose();
    }
  });

  it('rejects a wrong passphrase and any tampering', async () => {
    const sealed = await sealSecretKey(keys, 'a long passphrase', FAST);
    await expectCode(() => openSecretKey(sealed, 'a long passphrasE'), 'BAD_PASSPHRASE');
    const tamper = (i: number) => {
      const c = sealed.slice();
      c[i] = at(c, i) ^ 1;
      return c;
    };
    await expectCode(
      () => openSecretKey(tamper(sealed.length - 1), 'a long passphrase'),
      'BAD_PASSPHRASE',
    );
    await expectCode(
      () => openSecretKey(tamper(sealed.length - 5000), 'a long passphrase'),
      'BAD_PASSPHRASE',
    );
    const headerEnd = 12 + Buffer.from(sealed).readUInt32BE(8);
    const header = Buffer.from(sealed).toString('utf8', 12, headerEnd);
    const keyIdAt = 12 + header.indexOf('"keyId":"') + 10;
    await expectCode(() => openSecretKey(tamper(keyIdAt), 'a long passphrase'), 'BAD_PASSPHRASE');
    await expectCode(() => openSecretKey(tamper(0), 'a long passphrase'), 'BAD_MAGIC');
    await expectCode(() => openSecretKey(tamper(13), 'a long passphrase'), 'CORRUPT');
    await expectCode(() => openSecretKey(sealed.slice(0, 40), 'a long passphrase'), 'TRUNCATED');
    await expectCode(() => sealSecretKey(keys, 'short'), 'INVALID_ARGUMENT');
  });
});
