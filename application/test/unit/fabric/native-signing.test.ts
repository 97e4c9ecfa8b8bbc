import { expect } from 'chai';
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { hash } from '@hyperledger/fabric-gateway';
import { nativeSigning } from '../../../src/fabric/native-signing.js';

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P384_N =
  0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;

/** r and s of a DER ECDSA-Sig-Value, refusing anything but the strict minimal encoding. */
function parseDer(sig: Uint8Array): { r: bigint; s: bigint } {
  const b = Buffer.from(sig);
  expect(b[0], 'SEQUENCE').to.equal(0x30);
  expect(b[1], 'sequence length').to.equal(b.length - 2);
  let at = 2;
  const integer = (): bigint => {
    expect(b[at], 'INTEGER').to.equal(0x02);
    const len = b[at + 1] ?? 0;
    const body = b.subarray(at + 2, at + 2 + len);
    expect(body[0] ?? 0, 'positive').to.be.below(0x80);
    if (body.length > 1 && body[0] === 0) expect(body[1] ?? 0, 'minimal').to.be.at.least(0x80);
    at += 2 + len;
    return BigInt(`0x${body.toString('hex')}`);
  };
  const r = integer();
  const s = integer();
  expect(at, 'nothing after s').to.equal(b.length);
  return { r, s };
}

function ecKey(namedCurve: string): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve });
}

describe('native ECDSA signing for fabric-gateway', () => {
  for (const [curve, order] of [
    ['P-256', P256_N],
    ['P-384', P384_N],
  ] as const) {
    it(`${curve}: DER signatures over SHA-256 of the message, always low-S`, async () => {
      const { privateKey, publicKey } = ecKey(curve);
      const { signer, hash: digestOf } = nativeSigning(privateKey);
      // Half of raw ECDSA signatures are high-S: 64 in a row pass only if each is normalised.
      for (let i = 0; i < 64; i++) {
        const message = randomBytes(1 + i * 37);
        const sig = await signer(digestOf(message));
        const { r, s } = parseDer(sig);
        expect(r > 0n && r < order).to.equal(true);
        expect(s > 0n && s <= order >> 1n, `s of signature ${i} in the lower half`).to.equal(true);
        expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, sig)).to.equal(
          true,
        );
      }
    });
  }

  it('hands fabric-gateway the message unhashed (the signer hashes)', () => {
    const { privateKey } = ecKey('P-256');
    expect(nativeSigning(privateKey).hash).to.equal(hash.none);
  });

  it('refuses keys Fabric identities do not use', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const ed = generateKeyPairSync('ed25519').privateKey;
    const k1 = ecKey('secp256k1').privateKey;
    const { publicKey } = ecKey('P-256');
    for (const key of [rsa, ed, k1, publicKey]) {
      expect(() => nativeSigning(key)).to.throw(/EC private key on P-256 or P-384/);
    }
  });
});
