/**
 * The binary envelope shared by bundles and results, and the checks applied to untrusted bytes
 * before any of them reach SEAL.
 *
 *   offset  size  field
 *   0       4     magic "DMCK"
 *   4       1     kind: 'B' (bundle) or 'R' (result)
 *   5       1     format version (1)
 *   6       2     flags (must be 0)
 *   8       4     compressed payload length (big-endian)
 *   12      4     uncompressed payload length (big-endian)
 *   16      32    SHA-256 of bytes 0..16 followed by the compressed payload
 *   48      n     payload, zlib (deflate) compressed
 *
 * Payload: 4-byte big-endian header length, UTF-8 JSON header, then the binary sections the
 * header lists (SEAL objects, uncompressed SEAL serialization).
 */
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { CkksError } from './errors.js';

export const MAGIC = Buffer.from('DMCK', 'ascii');
export const FORMAT_VERSION = 1;
const ENVELOPE_BYTES = 48;
const MAX_HEADER_BYTES = 4 * 1024 * 1024;

export type ContainerKind = 'B' | 'R';

/** A section of the payload. */
export interface Section {
  kind: string;
  bytes: Uint8Array;
}

/** Size caps for untrusted input. */
export interface SizeLimits {
  /** Max bytes of the serialized container. */
  maxBytes: number;
  /** Max bytes after decompression (zip-bomb guard). */
  maxUncompressedBytes: number;
}

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** SHA-256 (hex) of bytes: the identifier a bundle or result is registered under. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Packs a header and sections into a compressed, digested container. */
export function writeContainer(
  kind: ContainerKind,
  header: Record<string, unknown>,
  sections: readonly Section[],
  compressionLevel = 6,
): { bytes: Uint8Array; uncompressedBytes: number } {
  const fullHeader = {
    ...header,
    sections: sections.map((s) => ({ kind: s.kind, length: s.bytes.length })),
  };
  const json = Buffer.from(JSON.stringify(fullHeader), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  const payload = Buffer.concat([len, json, ...sections.map((s) => s.bytes)]);
  const compressed = deflateSync(payload, { level: compressionLevel });
  const head = Buffer.alloc(16);
  MAGIC.copy(head, 0);
  head.write(kind, 4, 'ascii');
  head.writeUInt8(FORMAT_VERSION, 5);
  head.writeUInt16BE(0, 6);
  head.writeUInt32BE(compressed.length, 8);
  head.writeUInt32BE(payload.length, 12);
  const digest = sha256(head, compressed);
  return {
    bytes: new Uint8Array(Buffer.concat([head, digest, compressed])),
    uncompressedBytes: payload.length,
  };
}

/** What {@link readContainer} returns: the parsed JSON header and the raw sections. */
export interface ParsedContainer {
  header: Record<string, unknown>;
  sections: Section[];
  compressedBytes: number;
  uncompressedBytes: number;
}

/** Size caps, the caller's expected digest, and a first look at the magic of short inputs. */
function checkInput(input: Uint8Array, limits: SizeLimits, expectedSha256?: string): void {
  if (!((input as unknown) instanceof Uint8Array)) {
    throw new CkksError('INVALID_ARGUMENT', 'input must be bytes');
  }
  if (input.length > limits.maxBytes) {
    throw new CkksError(
      'TOO_LARGE',
      `input has ${input.length} bytes, above the cap of ${limits.maxBytes}`,
    );
  }
  if (expectedSha256 !== undefined && sha256Hex(input) !== expectedSha256.toLowerCase()) {
    throw new CkksError('DIGEST_MISMATCH', 'input does not match the expected SHA-256');
  }
  if (input.length < ENVELOPE_BYTES) {
    if (input.length >= 4 && !Buffer.from(input.subarray(0, 4)).equals(MAGIC)) {
      throw new CkksError('BAD_MAGIC', 'not a datamarket CKKS container');
    }
    throw new CkksError('TRUNCATED', `input has ${input.length} bytes, shorter than the envelope`);
  }
}

/** Magic, kind, version and flags of the envelope. */
function checkEnvelopeHead(buf: Buffer, kind: ContainerKind): void {
  if (!buf.subarray(0, 4).equals(MAGIC)) {
    throw new CkksError('BAD_MAGIC', 'not a datamarket CKKS container');
  }
  const gotKind = buf.toString('ascii', 4, 5);
  if (gotKind !== kind) {
    const name = (k: string) => (k === 'B' ? 'bundle' : k === 'R' ? 'result' : `'${k}'`);
    throw new CkksError('CORRUPT', `expected a ${name(kind)}, got a ${name(gotKind)}`);
  }
  const version = buf.readUInt8(5);
  if (version !== FORMAT_VERSION) {
    throw new CkksError(
      'BAD_VERSION',
      `format version ${version} is not supported (expected ${FORMAT_VERSION})`,
    );
  }
  if (buf.readUInt16BE(6) !== 0) throw new CkksError('CORRUPT', 'unknown flags set');
}

/** Declared payload lengths, checked against the input and the caps. */
function payloadLengths(buf: Buffer, limits: SizeLimits): [number, number] {
  const compressedLen = buf.readUInt32BE(8);
  const uncompressedLen = buf.readUInt32BE(12);
  if (ENVELOPE_BYTES + compressedLen > buf.length) {
    throw new CkksError(
      'TRUNCATED',
      `payload needs ${compressedLen} bytes, only ${buf.length - ENVELOPE_BYTES} present`,
    );
  }
  if (ENVELOPE_BYTES + compressedLen < buf.length) {
    throw new CkksError('CORRUPT', 'trailing bytes after the payload');
  }
  if (uncompressedLen > limits.maxUncompressedBytes) {
    throw new CkksError(
      'TOO_LARGE',
      `payload declares ${uncompressedLen} bytes, above the cap of ${limits.maxUncompressedBytes}`,
    );
  }
  return [compressedLen, uncompressedLen];
}

/** Checks the content digest, then inflates the payload to exactly its declared size. */
function inflatePayload(buf: Buffer, uncompressedLen: number): Buffer {
  const compressed = buf.subarray(ENVELOPE_BYTES);
  const digest = sha256(buf.subarray(0, 16), compressed);
  if (!digest.equals(buf.subarray(16, 48))) {
    throw new CkksError(
      'DIGEST_MISMATCH',
      'content digest does not match: the data is corrupted or was altered',
    );
  }
  let payload: Buffer;
  try {
    payload = inflateSync(compressed, { maxOutputLength: Math.max(1, uncompressedLen) });
  } catch (e) {
    throw new CkksError('CORRUPT', 'payload does not decompress to its declared size', {
      cause: e,
    });
  }
  if (payload.length !== uncompressedLen) {
    throw new CkksError('CORRUPT', 'payload does not decompress to its declared size');
  }
  return payload;
}

/** The JSON header at the start of the payload, and its length. */
function parseHeader(payload: Buffer): [Record<string, unknown>, number] {
  if (payload.length < 4) throw new CkksError('TRUNCATED', 'payload has no header');
  const headerLen = payload.readUInt32BE(0);
  if (headerLen > MAX_HEADER_BYTES || 4 + headerLen > payload.length) {
    throw new CkksError('CORRUPT', 'header length is out of range');
  }
  let header: unknown;
  try {
    header = JSON.parse(payload.toString('utf8', 4, 4 + headerLen));
  } catch (e) {
    throw new CkksError('CORRUPT', 'header is not valid JSON', { cause: e });
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) {
    throw new CkksError('CORRUPT', 'header is not an object');
  }
  return [header as Record<string, unknown>, headerLen];
}

/** The sections the header lists, which must exactly fill the payload after `offset`. */
function splitSections(h: Record<string, unknown>, payload: Buffer, start: number): Section[] {
  const { sections: listed } = h;
  if (!Array.isArray(listed)) throw new CkksError('CORRUPT', 'header lists no sections');
  const sections: Section[] = [];
  let offset = start;
  for (const s of listed as unknown[]) {
    const sec = s as { kind?: unknown; length?: unknown } | null;
    if (!sec || typeof sec.kind !== 'string' || typeof sec.length !== 'number') {
      throw new CkksError('CORRUPT', 'malformed section entry');
    }
    if (!Number.isInteger(sec.length) || sec.length < 0 || offset + sec.length > payload.length) {
      throw new CkksError('CORRUPT', `section '${sec.kind}' overruns the payload`);
    }
    sections.push({
      kind: sec.kind,
      bytes: new Uint8Array(payload.buffer, payload.byteOffset + offset, sec.length),
    });
    offset += sec.length;
  }
  if (offset !== payload.length) {
    throw new CkksError('CORRUPT', 'bytes left over after the last section');
  }
  return sections;
}

/**
 * Parses and checks an untrusted container: size caps, magic, kind, version, flags, exact length,
 * digest (and the caller's expected SHA-256 of the whole input, if given), bounded decompression,
 * header JSON, section table. Throws CkksError with a specific code on the first problem.
 */
export function readContainer(
  input: Uint8Array,
  kind: ContainerKind,
  limits: SizeLimits,
  expectedSha256?: string,
): ParsedContainer {
  checkInput(input, limits, expectedSha256);
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  checkEnvelopeHead(buf, kind);
  const [compressedLen, uncompressedLen] = payloadLengths(buf, limits);
  const payload = inflatePayload(buf, uncompressedLen);
  const [header, headerLen] = parseHeader(payload);
  return {
    header,
    sections: splitSections(header, payload, 4 + headerLen),
    compressedBytes: compressedLen,
    uncompressedBytes: uncompressedLen,
  };
}

/**
 * Checks a SEAL serialization header before the bytes reach SEAL: magic 0xA15E, 16-byte header,
 * SEAL major version 4, no SEAL-level compression, declared size equal to the section length and
 * within `maxBytes`.
 */
export function checkSealObject(bytes: Uint8Array, what: string, maxBytes: number): void {
  if (bytes.length < 16)
    throw new CkksError('TRUNCATED', `${what} is too short to be a SEAL object`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.readUInt16LE(0) !== 0xa15e || b.readUInt8(2) !== 16) {
    throw new CkksError('CORRUPT', `${what} is not a SEAL object`);
  }
  if (b.readUInt8(3) !== 4)
    throw new CkksError('BAD_VERSION', `${what} has SEAL version ${b.readUInt8(3)}`);
  if (b.readUInt8(5) !== 0)
    throw new CkksError('CORRUPT', `${what} uses SEAL compression, which is not accepted`);
  const size = b.readBigUInt64LE(8);
  if (size !== BigInt(bytes.length))
    throw new CkksError('CORRUPT', `${what} length does not match its SEAL header`);
  if (bytes.length > maxBytes) {
    throw new CkksError(
      'TOO_LARGE',
      `${what} has ${bytes.length} bytes, more than its parameters allow (${maxBytes})`,
    );
  }
}
