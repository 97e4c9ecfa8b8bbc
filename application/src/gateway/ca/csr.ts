import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  lowSDerSignature,
  objectIdentifier,
  OID,
  sequence,
  set,
  tlv,
  utf8String,
} from './der.js';

/** A fresh P-256 key (the curve Fabric identities use). */
export function newEnrolmentKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

/** ECDSA-SHA256 over `data`, DER with a low S (what Fabric and Fabric CA accept). */
export function signLowS(key: KeyObject, data: Uint8Array): Buffer {
  return lowSDerSignature(sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
}

const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END ${label}-----\n`;

/**
 * A PKCS#10 certificate request (PEM) for `commonName`, signed by the private `key`. Fabric CA
 * takes its public key and checks its signature; it writes the subject itself (CN = the
 * enrolment id).
 */
export function certificateRequest(key: KeyObject, commonName: string): string {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const subject = sequence(set(sequence(objectIdentifier(OID.commonName), utf8String(commonName))));
  const info = sequence(tlv(0x02, Buffer.from([0])), subject, spki, tlv(0xa0));
  const signature = signLowS(key, info);
  return pem(
    'CERTIFICATE REQUEST',
    sequence(info, sequence(objectIdentifier(OID.ecdsaWithSha256)), bitString(signature)),
  );
}

/** The private key as PKCS#8 PEM (how the CLI keeps it on the user's machine). */
export const privateKeyPem = (key: KeyObject) =>
  key.export({ type: 'pkcs8', format: 'pem' }).toString();
