/**
 * A masked share on the wire: a small header naming the ring and the count, then the values
 * as fixed-width big-endian integers. Decoding refuses a share in any other ring than the one
 * the pool's bounds call for, and any value outside the ring.
 */
import { AggregationError } from './errors.js';
import { ring, type Ring } from './ring.js';

const MAGIC = 'DMS1';

export function encodeShare(values: readonly bigint[], r: Ring): Uint8Array {
  const width = r.bits / 8;
  const header = Buffer.alloc(10);
  header.write(MAGIC, 0, 'ascii');
  header.writeUInt16BE(r.bits, 4);
  header.writeUInt32BE(values.length, 6);
  const body = Buffer.alloc(width * values.length);
  values.forEach((v, i) => {
    if (v < 0n || v >= r.modulus) throw new AggregationError('a share value is outside the ring');
    const hex = v.toString(16).padStart(width * 2, '0');
    Buffer.from(hex, 'hex').copy(body, i * width);
  });
  return new Uint8Array(Buffer.concat([header, body]));
}

export function decodeShare(bytes: Uint8Array, expected: Ring, maxValues: number): bigint[] {
  const buf = Buffer.from(bytes);
  if (buf.length < 10 || buf.toString('ascii', 0, 4) !== MAGIC) {
    throw new AggregationError('not a masked share (bad header)');
  }
  const bits = buf.readUInt16BE(4);
  if (bits !== expected.bits) {
    throw new AggregationError(
      `the share is in a ${bits}-bit ring; this pool's bounds call for ${expected.bits} bits`,
    );
  }
  const r = ring(bits);
  const count = buf.readUInt32BE(6);
  if (count > maxValues)
    throw new AggregationError(`the share holds ${count} values; at most ${maxValues} allowed`);
  const width = r.bits / 8;
  if (buf.length !== 10 + count * width)
    throw new AggregationError('the share length does not match its header');
  const values: bigint[] = [];
  for (let i = 0; i < count; i += 1) {
    values.push(BigInt(`0x${buf.toString('hex', 10 + i * width, 10 + (i + 1) * width)}`));
  }
  return values;
}
