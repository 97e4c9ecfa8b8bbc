import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_RESULT_KEY } from './constants.js';
import { ContractError, quote } from './errors.js';

/** True if the text holds a control character (tab, LF and CR allowed when multiline). */
function hasControl(value: string, multiline: boolean): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c === 0x7f || (c < 0x20 && !(multiline && (c === 0x09 || c === 0x0a || c === 0x0d)))) {
      return true;
    }
  }
  return false;
}

export function invalid(message: string): ContractError {
  return new ContractError('INVALID_ARGUMENT', message);
}

/** A string of bounded length without control characters (newlines allowed when multiline). */
export function text(
  name: string,
  value: unknown,
  limits: { min?: number; max: number; multiline?: boolean },
): string {
  const min = limits.min ?? 1;
  if (typeof value !== 'string') {
    throw invalid(`${name} must be a string, got ${value === null ? 'null' : typeof value}`);
  }
  if (value.length < min) {
    throw invalid(min === 1 ? `${name} is empty` : `${name} is shorter than ${min} characters`);
  }
  if (value.length > limits.max) {
    throw invalid(`${name} is ${value.length} characters long; the limit is ${limits.max}`);
  }
  if (hasControl(value, limits.multiline ?? false)) {
    throw invalid(`${name} contains control characters`);
  }
  if (min > 0 && value.trim().length === 0) {
    throw invalid(`${name} is blank`);
  }
  return value;
}

/** An identifier: letters, digits, '.', '_' and '-', starting with a letter or digit. */
export function identifier(name: string, value: unknown, max = 128): string {
  const s = text(name, value, { max });
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)) {
    throw invalid(
      `${name} ${quote(s)} may hold only letters, digits, '.', '_' and '-', and must start with a letter or digit`,
    );
  }
  return s;
}

/** A SHA-256 digest: exactly 64 lowercase hex characters. */
export function sha256Hex(name: string, value: unknown): string {
  const s = text(name, value, { max: 64 });
  if (!/^[0-9a-f]{64}$/.test(s)) {
    throw invalid(
      `${name} ${quote(s)} must be a SHA-256 digest: exactly 64 lowercase hex characters`,
    );
  }
  return s;
}

/** A positive integer passed as a decimal-string transaction argument. */
export function positiveIntArg(name: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^[1-9][0-9]*$/.test(value)) {
    throw invalid(
      `${name} ${quote(value)} must be a positive whole number written as decimal digits`,
    );
  }
  const n = Number(value);
  if (value.length > 16 || n > max) {
    throw invalid(`${name} ${quote(value)} is too large: the maximum is ${max}`);
  }
  return n;
}

/** A positive integer inside a JSON document (a JSON number, not a string). */
export function positiveIntField(
  name: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number') {
    throw invalid(
      `${name} must be a JSON number (a whole number ≥ 1), got ${value === null ? 'null' : typeof value}`,
    );
  }
  if (!Number.isInteger(value)) {
    throw invalid(`${name} must be a whole number, got ${value}`);
  }
  if (value < 1) {
    throw invalid(`${name} must be at least 1, got ${value}`);
  }
  if (value > max) {
    throw invalid(`${name} is ${value}; the maximum is ${max}`);
  }
  return value;
}

/** Base64 text (standard alphabet, padded). */
export function base64(name: string, value: unknown, max: number): string {
  const s = text(name, value, { max });
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) {
    throw invalid(
      `${name} must be standard padded base64 (A-Z a-z 0-9 + /, length a multiple of 4)`,
    );
  }
  return s;
}

/**
 * The public key a buyer wants the plaintext result encrypted to: a PEM block, or bare base64
 * (e.g. DER or a raw key), at most MAX_RESULT_KEY characters.
 */

export function resultKey(name: string, value: unknown): string {
  const s = text(name, value, { max: MAX_RESULT_KEY, multiline: true });
  if (s.startsWith('-----BEGIN ')) {
    const pem =
      /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n((?:[A-Za-z0-9+/=]+\r?\n)+)-----END ([A-Z0-9 ]+)-----\r?\n?$/.exec(
        s,
      );
    if (!pem || pem[1] !== pem[3]) {
      throw invalid(
        `${name} looks like PEM but is not one well-formed '-----BEGIN …-----' … '-----END …-----' block`,
      );
    }
    if ((pem[1] ?? '').includes('PRIVATE')) {
      throw invalid(`${name} is a PRIVATE key: send the public key only`);
    }
    return s;
  }
  if (s.length < 16 || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) {
    throw invalid(
      `${name} must be a PEM public key or standard padded base64 of at least 16 characters`,
    );
  }
  return s;
}

/** Parses a JSON object argument, refusing arrays, primitives and malformed text. */
export function jsonObject(name: string, raw: string, maxLength: number): Record<string, unknown> {
  if (raw.length > maxLength) {
    throw invalid(`${name} is ${raw.length} characters long; the limit is ${maxLength}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw invalid(
      `${name} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(`${name} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Refuses keys of a JSON object that are not in the allowed list (catches typos). */
export function onlyKeys(
  name: string,
  object: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw invalid(
        `${name} has an unknown field ${quote(key)}; allowed fields: ${allowed.join(', ')}`,
      );
    }
  }
}

/** Page size for paginated queries: empty means the default. */

export function pageSize(value: string): number {
  if (value === '') return DEFAULT_PAGE_SIZE;
  return positiveIntArg('pageSize', value, MAX_PAGE_SIZE);
}

/**
 * A bookmark is the key a previous page of the same query returned (empty for the first
 * page); it must lie inside the range the query scans.
 */
export function bookmark(value: string, prefix: string): string {
  if (value.length > 4096) {
    throw invalid(`bookmark is ${value.length} characters long; the limit is 4096`);
  }
  if (value !== '' && !value.startsWith(prefix)) {
    throw invalid(
      'bookmark does not belong to this query: pass the bookmark the previous page returned',
    );
  }
  return value;
}
