/**
 * The one table from ledger failures to HTTP answers. Both records are complete by type, so a
 * new contract error code or ledger error kind does not compile until it has a status here.
 */
import type { ErrorCode } from '@datamarket/chaincode/api';
import type { AnyLedgerError, LedgerErrorKind } from '../ledger/errors.js';

/** The contract's refusal codes (docs/chaincode.md) and the HTTP status each becomes. */
export const REFUSAL_STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FORBIDDEN: 403,
  WRONG_STATE: 409,
  DEADLINE: 409,
  INSUFFICIENT_FUNDS: 409,
  LIMIT: 409,
  NOT_INITIALIZED: 409,
  TERMS_CHANGED: 409,
  CLOCK_SKEW: 409,
  APP_NOT_REGISTERED: 403,
};

/** Every other ledger failure: its status and the `code` of the JSON answer. */
export const LEDGER_ERROR_HTTP: Record<
  Exclude<LedgerErrorKind, 'ContractRefusal'>,
  { status: number; code: string }
> = {
  AccessDenied: { status: 403, code: 'LEDGER_ACCESS_DENIED' },
  ChannelNotAccessible: { status: 403, code: 'CHANNEL_NOT_ACCESSIBLE' },
  ChannelNotFound: { status: 404, code: 'CHANNEL_NOT_FOUND' },
  NotFound: { status: 404, code: 'NOT_FOUND' },
  TransactionConflict: { status: 409, code: 'TRANSACTION_CONFLICT' },
  LedgerUnavailable: { status: 503, code: 'LEDGER_UNAVAILABLE' },
  LedgerTimeout: { status: 504, code: 'LEDGER_TIMEOUT' },
  CommitOutcomeUnknown: { status: 504, code: 'COMMIT_OUTCOME_UNKNOWN' },
  CommitFailed: { status: 502, code: 'COMMIT_FAILED' },
  LedgerFailure: { status: 502, code: 'LEDGER_ERROR' },
};

/** The JSON answer to a ledger failure: `{error, code}`, plus `txId` when the outcome is unknown. */
export interface LedgerErrorAnswer {
  status: number;
  body: { error: string; code: string; txId?: string };
}

export function ledgerErrorAnswer(error: AnyLedgerError): LedgerErrorAnswer {
  if (error.kind === 'ContractRefusal') {
    return { status: REFUSAL_STATUS[error.code], body: { error: error.message, code: error.code } };
  }
  const { status, code } = LEDGER_ERROR_HTTP[error.kind];
  if (error.kind === 'CommitOutcomeUnknown') {
    return { status, body: { error: error.message, code, txId: error.txId } };
  }
  return { status, body: { error: error.message, code } };
}
