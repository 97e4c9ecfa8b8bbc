/**
 * The few DER (ASN.1) encodings a PKCS#10 request and an ECDSA signature need. node:crypto
 * signs and exports keys but does not build certificate requests.
 */

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV: tag, length, value. */
export const tlv = (tag: number, ...content: Uint8Array[]): Buffer => {
  const value = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(value.length), value]);
};

export const sequence = (...items: Uint8Array[]) => tlv(0x30, ...items);
export const set = (...items: Uint8Array[]) => tlv(0x31, ...items);
export const utf8String = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
export const bitString = (bytes: Uint8Array) => tlv(0x03, Buffer.from([0]), bytes);

/** A non-negative INTEGER from big-endian bytes (leading zeros dropped, sign byte added). */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const trimmed = Buffer.from(bytes.subarray(start));
  const first = trimmed[0] ?? 0;
  return tlv(0x02, first & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function objectIdentifier(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      chunk.unshift(0x80 | (value & 0x7f));
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

export const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

/** The order of P-256, for low-S signatures (Fabric refuses an ECDSA S above half of it). */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

const toBig = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const toBytes = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex');

/**
 * A P-256 signature in IEEE P1363 form (r || s) as DER, with S made low (s ≤ n/2), which Fabric
 * and Fabric CA require.
 */
export function lowSDerSignature(p1363: Uint8Array): Buffer {
  const r = p1363.subarray(0, p1363.length / 2);
  let s = toBig(p1363.subarray(p1363.length / 2));
  if (s > P256_ORDER / 2n) s = P256_ORDER - s;
  return sequence(unsignedInteger(r), unsignedInteger(toBytes(s)));
}
