import { ContractError, quote } from './errors.js';

/**
 * Token amounts are non-negative integers, passed and stored as decimal strings, handled as
 * BigInt, and never above MAX_AMOUNT (= Number.MAX_SAFE_INTEGER, so any client can also hold
 * them in a double without loss). The total supply has the same cap, so no balance or escrow
 * can exceed it either.
 */
export const MAX_AMOUNT = BigInt(Number.MAX_SAFE_INTEGER);

const MAX_DIGITS = String(MAX_AMOUNT).length;

/** What is wrong with the spelling of an amount, in the order a reader would notice it. */
function spellingProblem(name: string, raw: string, expected: string): string | undefined {
  if (raw.length === 0) return `${name} is empty: expected ${expected}`;
  if (raw.trim() !== raw) {
    return `${name} ${quote(raw)} has surrounding whitespace: expected ${expected}`;
  }
  if (raw.startsWith('+')) return `${name} ${quote(raw)} has a leading '+': write the digits only`;
  if (/^-[0-9.]/.test(raw)) return `${name} ${quote(raw)} is negative: expected ${expected}`;
  if (/^([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$/.test(raw)) {
    return `${name} ${quote(raw)} uses exponent notation: expected ${expected}`;
  }
  if (/^([0-9]+\.[0-9]*|\.[0-9]+)$/.test(raw)) {
    return `${name} ${quote(raw)} is fractional: expected ${expected}`;
  }
  if (!/^[0-9]+$/.test(raw)) {
    return `${name} ${quote(raw)} is not a decimal number: expected ${expected}`;
  }
  if (raw.length > 1 && raw.startsWith('0')) {
    return `${name} ${quote(raw)} has leading zeros: write it without them`;
  }
  if (raw.length > MAX_DIGITS || BigInt(raw) > MAX_AMOUNT) {
    return `${name} ${quote(raw)} overflows: the maximum amount is ${MAX_AMOUNT}`;
  }
  return undefined;
}

/**
 * Parses a decimal string into a positive (or, with allowZero, non-negative) amount, refusing
 * everything else with an error that names the problem.
 */
export function parseAmount(name: string, raw: unknown, allowZero = false): bigint {
  const least = allowZero ? 0 : 1;
  const expected = `a whole number of tokens from ${least} to ${MAX_AMOUNT} written as decimal digits`;
  if (typeof raw !== 'string') {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${name} must be a string of decimal digits, got ${typeof raw}`,
    );
  }
  const problem = spellingProblem(name, raw, expected);
  if (problem !== undefined) throw new ContractError('INVALID_ARGUMENT', problem);
  const value = BigInt(raw);
  if (value < BigInt(least)) {
    throw new ContractError('INVALID_ARGUMENT', `${name} is zero: expected ${expected}`);
  }
  return value;
}

/** Reads an amount this contract stored itself; a corrupt value stops the transaction. */
export function storedAmount(what: string, raw: string): bigint {
  if (!/^(0|[1-9][0-9]*)$/.test(raw)) {
    throw new Error(`corrupt ledger: ${what} holds ${quote(raw)}, not an amount`);
  }
  return BigInt(raw);
}
