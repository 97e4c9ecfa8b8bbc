import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import {
  decryptWithResultKey,
  encryptToResultKey,
  generateResultKeyPair,
  sha256Hex,
} from '../../../src/gateway/crypto/result-envelope.js';
import { Sealer } from '../../../src/gateway/crypto/sealing.js';

describe('gateway: result encryption (X25519 + HKDF-SHA256 + AES-256-GCM)', () => {
  const plain = Buffer.from(JSON.stringify({ tradeId: 't', values: [1.25, -3] }));

  it('round-trips to the buyer key, with a fresh ephemeral key each time', () => {
    const keys = generateResultKeyPair();
    expect(keys.publicKeyPem).to.match(/^-----BEGIN PUBLIC KEY-----/);
    const a = encryptToResultKey(keys.publicKeyPem, plain);
    const b = encryptToResultKey(keys.publicKeyPem, plain);
    expect(a).to.not.equal(b);
    expect(Buffer.from(a, 'base64').toString()).to.not.contain('1.25');
    expect(decryptWithResultKey(keys.privateKeyPem, a).equals(plain)).to.equal(true);
    expect(decryptWithResultKey(keys.privateKeyPem, b).equals(plain)).to.equal(true);
  });

  it('fails for another key and for altered ciphertext', () => {
    const keys = generateResultKeyPair();
    const other = generateResultKeyPair();
    const sealed = encryptToResultKey(keys.publicKeyPem, plain);
    expect(() => decryptWithResultKey(other.privateKeyPem, sealed)).to.throw();
    const envelope = JSON.parse(Buffer.from(sealed, 'base64').toString()) as { ct: string };
    const ct = Buffer.from(envelope.ct, 'base64');
    ct[0] = (ct[0] ?? 0) ^ 1;
    const altered = Buffer.from(
      JSON.stringify({ ...envelope, ct: ct.toString('base64') }),
    ).toString('base64');
    expect(() => decryptWithResultKey(keys.privateKeyPem, altered)).to.throw();
    expect(() => decryptWithResultKey(keys.privateKeyPem, 'bm90IGpzb24=')).to.throw(
      /not a result envelope/,
    );
  });

  it('refuses keys that are not X25519 public keys', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => encryptToResultKey(ec.toString(), plain)).to.throw(/X25519/);
    expect(() => encryptToResultKey('not a key', plain)).to.throw(/PEM public key/);
  });

  it('hashes like sha256sum', () => {
    expect(sha256Hex('abc')).to.equal(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('gateway: secrets sealed at rest', () => {
  const sealer = new Sealer('a store secret of some length');

  it('opens what it sealed, under the same label only', () => {
    const secret = Buffer.from('ckks secret key bytes');
    const sealed = sealer.seal(secret, 'trade-key:market:t1');
    expect(sealed.includes(secret)).to.equal(false);
    expect(sealer.open(sealed, 'trade-key:market:t1').equals(secret)).to.equal(true);
    expect(() => sealer.open(sealed, 'trade-key:market:t2')).to.throw(/does not open/);
  });

  it('refuses a wrong secret, altered data and short secrets', () => {
    const sealed = sealer.seal(Buffer.from('x'), 'l');
    expect(() => new Sealer('another secret, long enough').open(sealed, 'l')).to.throw(
      /does not open/,
    );
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    expect(() => sealer.open(altered, 'l')).to.throw(/does not open/);
    expect(() => sealer.open(Buffer.from('short'), 'l')).to.throw(/not a sealed secret/);
    expect(() => new Sealer('short')).to.throw(/16 characters/);
  });
});
