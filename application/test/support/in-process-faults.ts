/** Fault injection and error mapping of the in-process ledger (see in-process-market-ledger.ts). */
import { ContractError } from '@datamarket/chaincode';
import type { TxName } from '@datamarket/chaincode/testing';
import {
  CommitFailed,
  CommitOutcomeUnknown,
  LedgerTimeout,
  LedgerUnavailable,
  refusalFromText,
  TransactionConflict,
  type LedgerError,
} from '../../src/gateway/ledger/errors.js';

/** The LedgerErrors failNext can inject. */
export type FaultKind =
  | 'TransactionConflict'
  | 'CommitOutcomeUnknown'
  | 'CommitFailed'
  | 'LedgerUnavailable'
  | 'LedgerTimeout';

export interface FaultOptions {
  /** Commit the transaction, then throw (default false: nothing is committed). */
  committed?: boolean;
  /** Only submits of this contract function (default: any submit). */
  fn?: TxName;
  /** How many matching submits fail (default 1). */
  times?: number;
}

export interface Fault {
  kind: FaultKind;
  committed: boolean;
  fn?: TxName;
  remaining: number;
}

export function faultError(
  kind: FaultKind,
  fn: string,
  channel: string,
  txId: string,
): LedgerError {
  const what = `${fn} (injected fault)`;
  switch (kind) {
    case 'TransactionConflict':
      return new TransactionConflict(`${what}: MVCC_READ_CONFLICT`, txId);
    case 'CommitOutcomeUnknown':
      return new CommitOutcomeUnknown(`${what}: commit status unknown`, txId, channel);
    case 'CommitFailed':
      return new CommitFailed(
        `${what}: ENDORSEMENT_POLICY_FAILURE`,
        txId,
        'ENDORSEMENT_POLICY_FAILURE',
      );
    case 'LedgerUnavailable':
      return new LedgerUnavailable(`${what}: no peers available`);
    case 'LedgerTimeout':
      return new LedgerTimeout(`${what}: deadline exceeded`);
  }
}

/** A contract refusal as Fabric reports it; anything else from the contract is a bug. */
export function asLedgerError(error: unknown): unknown {
  if (error instanceof ContractError) return refusalFromText(error.message, error);
  // fabric-shim refuses a wrong argument count before the contract runs (no code).
  if (error instanceof Error && /^Expected \d+ parameters/.test(error.message)) {
    return refusalFromText(error.message, error);
  }
  return error;
}
