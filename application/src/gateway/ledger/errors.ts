/**
 * Typed ledger failures. Every MarketLedger method throws one of these for anything the
 * ledger (or the contract on it) did; callers branch on the class, never on message text.
 * `toLedgerError` turns the errors of @hyperledger/fabric-gateway into them, in one place.
 *
 * What a failure says about a submit's outcome:
 * - ContractRefusal, AccessDenied, ChannelNotAccessible, ChannelNotFound, NotFound,
 *   TransactionConflict, LedgerUnavailable, LedgerTimeout: nothing was committed;
 * - CommitOutcomeUnknown: the transaction reached the orderer but its commit status could not
 *   be read: it may or may not be on the ledger (follow up by txId);
 * - CommitFailed: it is on the ledger, marked invalid (nothing it wrote took effect).
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { isErrorCode, type ErrorCode } from '@datamarket/chaincode/api';
import {
  CommitError,
  CommitStatusError,
  EndorseError,
  GatewayError,
  StatusCode,
} from '@hyperledger/fabric-gateway';
// fabric-gateway's index exports SubmitError as a type only; the class lives here.
import { SubmitError } from '@hyperledger/fabric-gateway/dist/submiterror.js';

export type LedgerErrorKind =
  | 'ContractRefusal'
  | 'AccessDenied'
  | 'ChannelNotAccessible'
  | 'ChannelNotFound'
  | 'NotFound'
  | 'TransactionConflict'
  | 'LedgerUnavailable'
  | 'LedgerTimeout'
  | 'CommitOutcomeUnknown'
  | 'CommitFailed'
  | 'LedgerFailure';

/** Where a ledger call went: for messages, and for the follow-up of an unknown outcome. */
export interface LedgerCallContext {
  channel?: string;
  /** The contract function, or `qscc:<function>` for the query system chaincode. */
  fn?: string;
  txId?: string;
}

export abstract class LedgerError extends Error {
  abstract readonly kind: LedgerErrorKind;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The contract refused the call ("CODE: message"); nothing was committed. */
export class ContractRefusal extends LedgerError {
  readonly kind = 'ContractRefusal';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The peer refused the caller (not a contract rule: channel ACLs, identity). */
export class AccessDenied extends LedgerError {
  readonly kind = 'AccessDenied';
}

/** This org's peer cannot serve the contract on the channel (the org is not a member). */
export class ChannelNotAccessible extends LedgerError {
  readonly kind = 'ChannelNotAccessible';
}

/** This org's peer is not in the channel. */
export class ChannelNotFound extends LedgerError {
  readonly kind = 'ChannelNotFound';
}

/** A block or transaction the channel does not have (qscc). */
export class NotFound extends LedgerError {
  readonly kind = 'NotFound';
}

/**
 * Another transaction changed what this one read (MVCC read conflict, phantom read) or the
 * endorsers disagreed: nothing took effect, and the call is safe to retry.
 */
export class TransactionConflict extends LedgerError {
  readonly kind = 'TransactionConflict';
  constructor(
    message: string,
    readonly txId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No peer or orderer could be reached before the transaction was sent: nothing committed. */
export class LedgerUnavailable extends LedgerError {
  readonly kind = 'LedgerUnavailable';
}

/** The ledger did not answer in time before the transaction was sent: nothing committed. */
export class LedgerTimeout extends LedgerError {
  readonly kind = 'LedgerTimeout';
}

/** Sent to the orderer, but whether it committed is not known: look it up by txId. */
export class CommitOutcomeUnknown extends LedgerError {
  readonly kind = 'CommitOutcomeUnknown';
  constructor(
    message: string,
    readonly txId: string,
    readonly channel: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Committed, but marked invalid with this validation code (e.g. ENDORSEMENT_POLICY_FAILURE). */
export class CommitFailed extends LedgerError {
  readonly kind = 'CommitFailed';
  constructor(
    message: string,
    readonly txId: string,
    readonly validationCode: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Any other failure of the ledger (an unexpected gRPC status). */
export class LedgerFailure extends LedgerError {
  readonly kind = 'LedgerFailure';
}

/** Every concrete ledger error, discriminated by `kind`. */
export type AnyLedgerError =
  | ContractRefusal
  | AccessDenied
  | ChannelNotAccessible
  | ChannelNotFound
  | NotFound
  | TransactionConflict
  | LedgerUnavailable
  | LedgerTimeout
  | CommitOutcomeUnknown
  | CommitFailed
  | LedgerFailure;

export function isLedgerError(error: unknown): error is AnyLedgerError {
  return error instanceof LedgerError;
}

// ------------------------------------------------------------------------- classification

const validationNames = new Map<number, string>(
  Object.entries(StatusCode).map(([name, code]) => [code, name]),
);

/** The "CODE: message" text of a contract refusal; other chaincode errors are bad arguments. */
export function refusalFromText(text: string, cause?: unknown): ContractRefusal {
  const code = /^([A-Z_]+): /.exec(text)?.[1];
  // fabric-contract-api's own refusals (argument count, unknown function) carry no code.
  return new ContractRefusal(code && isErrorCode(code) ? code : 'INVALID_ARGUMENT', text, {
    cause,
  });
}

/** The error for a transaction that committed with a validation code other than VALID. */
export function commitFailure(code: number, txId: string, cause?: unknown): LedgerError {
  const name = validationNames.get(code) ?? String(code);
  if (code === StatusCode.MVCC_READ_CONFLICT || code === StatusCode.PHANTOM_READ_CONFLICT) {
    return new TransactionConflict(
      `transaction ${txId} conflicted with another (${name}); nothing changed, retry`,
      txId,
      { cause },
    );
  }
  return new CommitFailed(`transaction ${txId} committed as invalid: ${name}`, txId, name, {
    cause,
  });
}

/** The chaincode's own error text inside a gateway error ("chaincode response 500, ..."). */
function chaincodeMessage(texts: readonly string[]): string | undefined {
  for (const text of texts) {
    const match = /chaincode response \d+, (.*)$/s.exec(text);
    if (match?.[1]) return match[1].trim();
  }
  return undefined;
}

const ACCESS_DENIED = /access denied|permission denied|not authorized|creator .* not allowed/i;
const NOT_A_MEMBER = /no metadata was found for chaincode|no combination of peers can be derived/i;
const NO_CHANNEL =
  /channel .*not found|cannot find channel|no such channel|failed to get config for channel|could not get last config for channel/i;
const ENDORSERS_DISAGREE = /ProposalResponsePayloads do not match/i;
const QSCC_NOT_FOUND = /not found|no such transaction/i;

interface Options {
  cause: unknown;
}

/** Gateway errors recognised by their gRPC status alone (checked after the texts above). */
const BY_GRPC_STATUS = new Map<number, (text: string, options: Options) => LedgerError>([
  [
    grpcStatus.PERMISSION_DENIED,
    (text, options) => new AccessDenied(`the ledger refused the caller: ${text}`, options),
  ],
  [grpcStatus.NOT_FOUND, (text, options) => new NotFound(`ledger error: ${text}`, options)],
  [
    grpcStatus.UNAVAILABLE,
    (text, options) => new LedgerUnavailable(`ledger unavailable: ${text}`, options),
  ],
  [
    grpcStatus.DEADLINE_EXCEEDED,
    (text, options) => new LedgerTimeout(`ledger timed out: ${text}`, options),
  ],
]);

function where(context: LedgerCallContext): string {
  const fn = context.fn ? `${context.fn} ` : '';
  return context.channel ? `${fn}on channel ${context.channel}` : fn.trim();
}

/** A gateway error raised before anything reached the orderer (evaluate or endorse). */
function fromGatewayError(error: GatewayError, context: LedgerCallContext): LedgerError {
  const texts = [...error.details.map((d) => d.message), error.message];
  const refusal = chaincodeMessage(texts);
  if (refusal !== undefined) {
    if (context.fn?.startsWith('qscc:') && QSCC_NOT_FOUND.test(refusal)) {
      return new NotFound(`${where(context)}: ${refusal}`, { cause: error });
    }
    return refusalFromText(refusal, error);
  }
  const details = error.details.map((d) => d.message).join('; ');
  const text = `${error.message}${details ? ` (${details})` : ''}`;
  const options = { cause: error };
  if (ACCESS_DENIED.test(text)) {
    return new AccessDenied(`the ledger refused the caller: ${text}`, options);
  }
  if (error instanceof EndorseError && ENDORSERS_DISAGREE.test(text)) {
    return new TransactionConflict(
      `the endorsing peers disagreed (${where(context)}); nothing changed, retry: ${text}`,
      error.transactionId,
      options,
    );
  }
  if (NOT_A_MEMBER.test(text)) {
    return new ChannelNotAccessible(
      `this org's peer cannot serve the contract on that channel (is the org a member?): ${text}`,
      options,
    );
  }
  if (NO_CHANNEL.test(text)) {
    return new ChannelNotFound(`this org's peer is not in that channel: ${text}`, options);
  }
  const make = BY_GRPC_STATUS.get(error.code);
  return make ? make(text, options) : new LedgerFailure(`ledger error: ${text}`, options);
}

/**
 * Classifies a failure of a ledger call. fabric-gateway errors become LedgerErrors; a
 * LedgerError is returned as is; anything else (a bug, not the ledger) is returned unchanged.
 */
export function toLedgerError(error: unknown, context: LedgerCallContext = {}): Error {
  if (error instanceof LedgerError) return error;
  if (error instanceof CommitError) return commitFailure(error.code, error.transactionId, error);
  if (error instanceof CommitStatusError || error instanceof SubmitError) {
    const stage =
      error instanceof SubmitError ? 'handing it to the orderer' : 'reading its commit status';
    return new CommitOutcomeUnknown(
      `transaction ${error.transactionId} (${where(context)}) was endorsed, but ${stage} failed: ${error.message}; whether it committed is unknown`,
      error.transactionId,
      context.channel ?? '',
      { cause: error },
    );
  }
  if (error instanceof GatewayError) return fromGatewayError(error, context);
  if (error instanceof Error) return error;
  return new Error(String(error));
}
