/**
 * Messages between the seller app (client.ts) and its crypto workers (worker.ts), and how an
 * error crosses the thread boundary: its class (ResultRefused, CkksError with its code, or a
 * plain Error) and message are kept, so callers see the same typed errors as in one thread.
 */
import { CkksError, type CkksErrorCode } from '../../ckks/errors.js';
import { ResultRefused, type TradeMaterial } from '../seller-crypto.js';
import type { ComputedResult } from '../../computations/index.js';
import type { BundleInput, DecryptInput, ReexecuteInput } from './engine-work.js';

export type CryptoRequest =
  | { id: number; op: 'createBundle'; input: BundleInput }
  | { id: number; op: 'decryptResult'; input: DecryptInput }
  | { id: number; op: 'reexecute'; input: ReexecuteInput };

export type CryptoReply =
  | {
      id: number;
      ok: true;
      material?: TradeMaterial;
      values?: number[];
      computed?: ComputedResult;
    }
  | { id: number; ok: false; error: WireError };

/** An error as it crosses postMessage (structured clone drops custom classes and fields). */
export interface WireError {
  kind: 'ResultRefused' | 'CkksError' | 'Error';
  message: string;
  code?: CkksErrorCode;
}

export function toWire(error: unknown): WireError {
  if (error instanceof ResultRefused) return { kind: 'ResultRefused', message: error.message };
  if (error instanceof CkksError) {
    return { kind: 'CkksError', message: error.message, code: error.code };
  }
  return { kind: 'Error', message: error instanceof Error ? error.message : String(error) };
}

export function fromWire(wire: WireError): Error {
  switch (wire.kind) {
    case 'ResultRefused':
      return new ResultRefused(wire.message);
    case 'CkksError':
      return new CkksError(wire.code ?? 'SEAL_ERROR', wire.message);
    default:
      return new Error(wire.message);
  }
}
