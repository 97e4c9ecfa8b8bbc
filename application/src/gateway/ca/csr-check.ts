import { createPublicKey, verify } from 'node:crypto';

/**
 * Checks a non-custodial user's PKCS#10 request before anything is registered at the CA (a
 * request the CA then refused would leave the name registered with a secret nobody knows):
 * well-formed DER, a P-256 key, and a self-signature that verifies. Answers a reason, or
 * undefined when the request is fine.
 */

interface Tlv {
  tag: number;
  /** The whole TLV, header included. */
  whole: Buffer;
  value: Buffer;
}

function readTlv(bytes: Buffer, at: number): Tlv {
  const tag = bytes[at];
  let length = bytes[at + 1];
  if (tag === undefined || length === undefined) throw new Error('truncated');
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count < 1 || count > 3) throw new Error('bad length');
    length = 0;
    for (let i = 0; i < count; i += 1) length = length * 256 + (bytes[at + 2 + i] ?? 0);
    header += count;
  }
  if (at + header + length > bytes.length) throw new Error('truncated');
  return {
    tag,
    whole: bytes.subarray(at, at + header + length),
    value: bytes.subarray(at + header, at + header + length),
  };
}

/** The TLVs inside a constructed value. */
function children(value: Buffer): Tlv[] {
  const items: Tlv[] = [];
  for (let at = 0; at < value.length;) {
    const item = readTlv(value, at);
    items.push(item);
    at += item.whole.length;
  }
  return items;
}

/** The request's DER parts: the signed info, its public key, and the signature. */
function parts(der: Buffer): { info: Tlv; spki: Tlv; signature: Buffer } | string {
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.whole.length !== der.length) {
    return 'the csr is not one DER SEQUENCE';
  }
  const [info, , signature] = children(outer.value);
  if (info?.tag !== 0x30 || signature?.tag !== 0x03) return 'the csr is not a PKCS#10 request';
  const [, , spki] = children(info.value);
  if (spki?.tag !== 0x30) return 'the csr has no public key';
  // The BIT STRING's first byte counts unused bits; the DER signature follows.
  return { info, spki, signature: signature.value.subarray(1) };
}

export function certificateRequestProblem(pem: string): string | undefined {
  const body =
    /-----BEGIN CERTIFICATE REQUEST-----([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE REQUEST-----/.exec(
      pem,
    )?.[1];
  if (!body) return 'the csr is not a PEM certificate request';
  try {
    const found = parts(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
    if (typeof found === 'string') return found;
    const key = createPublicKey({ key: found.spki.whole, format: 'der', type: 'spki' });
    if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      return 'the csr key must be an EC P-256 key (the curve Fabric identities use)';
    }
    if (!verify('sha256', found.info.whole, key, found.signature)) {
      return 'the csr signature does not verify';
    }
    return undefined;
  } catch (error) {
    return `the csr is malformed (${error instanceof Error ? error.message : String(error)})`;
  }
}
