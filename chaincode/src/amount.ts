import { ContractError, quote } from './errors.js';

/**
 * Token amounts are non-negative integers, passed and stored as decimal strings, handled as
 * BigInt, and never above MAX_AMOUNT (= Number.MAX_SAFE_INTEGER, so any client can also hold
 * them in a double without loss). The total supply has the same cap, so no balance or escrow
 * can exceed it either.
 */
export const MAX_AMOUNT = BigInt(Number.MAX_SAFE_INTEGER);

const MAX_DIGITS = String(MAX_AMOUNT).length;

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
  if (raw.length === 0) {
    throw new ContractError('INVALID_ARGUMENT', `${name} is empty: expected ${expected}`);
  }
  if (raw.trim() !== raw) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${name} ${quote(raw)} has surrounding whitespace: expected ${expected}`,
    );
  }
  if (raw.startsWith('+')) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${name} ${quote(raw)} has a leading '+': write the digits only`,
    );
  }
  if (/^-[0-9.]/.test(raw)) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${name} ${quote(raw)} is negative: expected ${expected}`,
    );
  }
  if (/^([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$/.test(raw)) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${name} ${quote(raw)} uses exponent notation: expected ${expected}`,
    );
  }
  if (/^([0-9]+\.[0-9]*|\.[0-9]+)$/.test(raw)) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${name} ${quote(raw)} is fractional: expected ${expected}`,
    );
  }
  if (!/^[0-9]+$/.test(raw)) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${name} ${quote(raw)} is not a decimal number: expected ${expected}`,
    );
  }
  if (raw.length > 1 && raw.startsWith('0')) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${name} ${quote(raw)} has leading zeros: write it without them`,
    );
  }
  if (raw.length > MAX_DIGITS || BigInt(raw) > MAX_AMOUNT) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${name} ${quote(raw)} overflows: the maximum amount is ${MAX_AMOUNT}`,
    );
  }
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
