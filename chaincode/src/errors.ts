/**
 * Every refusal is a ContractError whose message starts with a stable code, so clients in any
 * language can branch on the code and show the rest to a person:
 *
 *   "<CODE>: <what was refused and why>"
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT', // an argument is malformed or out of range
  'NOT_FOUND', // the listing, trade or result does not exist
  'ALREADY_EXISTS', // an id is taken, or Initialize ran before
  'FORBIDDEN', // the caller is not the party the rule names
  'WRONG_STATE', // the trade or listing is in a state the call does not apply to
  'DEADLINE', // a deadline has passed, or has not passed yet
  'INSUFFICIENT_FUNDS', // a balance is lower than the amount to move
  'LIMIT', // a supply or balance cap would be exceeded
  'NOT_INITIALIZED', // Initialize has not been called
  'TERMS_CHANGED', // PurchaseAtPrice: the listing's price or deposit differs from what the buyer saw
  'CLOCK_SKEW', // the transaction timestamp is too far from the endorsing peer's clock
  'APP_NOT_REGISTERED', // a listing names an app URL its seller's org has not registered
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: string): value is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(value);
}

export class ContractError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'ContractError';
    this.code = code;
  }
}

/** Shortens user-supplied text quoted in an error message. */
export function quote(value: string, max = 40): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown);
}
