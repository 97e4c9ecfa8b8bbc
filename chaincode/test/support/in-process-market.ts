/**
 * The real contract on the fake ledger, in process: each call runs one transaction function
 * as a given identity at a given time and commits its writes and event only if it succeeds,
 * as an endorse-and-commit on a real network would. Chaincode tests and the application's
 * in-process ledger both drive the contract through this.
 */
import './quiet.js';
import type { Contract } from 'fabric-contract-api';
import { DataMarketContract } from '../../src/contract.js';
import { contextFor, FakeLedger, FakeStub, type Identity } from './fake-fabric.js';

export type TxName = Exclude<keyof DataMarketContract, keyof Contract>;

export interface CallOptions {
  /** Transaction timestamp in ms (default: the peer clock). */
  at?: number;
  txId?: string;
}

export interface CallRecord {
  txId: string;
  result: string;
  event: { name: string; payload: Record<string, unknown> } | undefined;
}

/** What a peer answers a proposal whose txId is already on the ledger. */
export class DuplicateTransactionError extends Error {
  constructor(readonly txId: string) {
    super(`duplicate transaction found [${txId}]`);
    this.name = 'DuplicateTransactionError';
  }
}

export class InProcessMarket {
  readonly ledger = new FakeLedger();
  readonly contract: DataMarketContract;
  /** Fabric refuses a second transaction with a committed txId before any chaincode runs. */
  private readonly committedTxIds = new Set<string>();

  /** `clock` is the endorsing peer's clock in ms (the contract's skew check reads it). */
  constructor(
    private readonly clock: () => number,
    maxClockSkewSeconds = 300,
  ) {
    this.contract = new DataMarketContract({ clock, maxClockSkewSeconds });
  }

  /** Runs one transaction; on success commits its writes and event, on error leaves no trace. */
  async invoke(
    who: Identity,
    fn: TxName,
    args: string[],
    options: CallOptions = {},
  ): Promise<CallRecord> {
    const method: unknown = Reflect.get(this.contract, fn);
    if (typeof method !== 'function') throw new Error(`no such function ${fn}`);
    if (method.length !== args.length + 1) {
      // fabric-shim refuses a wrong argument count before calling the function.
      throw new Error(
        `Expected ${method.length - 1} parameters, but ${args.length} have been supplied`,
      );
    }
    const txId = options.txId ?? this.ledger.nextTxId();
    if (this.committedTxIds.has(txId)) throw new DuplicateTransactionError(txId);
    const stub = new FakeStub(this.ledger, {
      txId,
      timestampMs: options.at ?? this.clock(),
      creator: who,
    });
    const result: unknown = await Reflect.apply(method, this.contract, [
      contextFor(stub, who),
      ...args,
    ]);
    if (typeof result !== 'string')
      throw new Error(`${fn} returned ${typeof result}, not a string`);
    if (stub.setEventCalls > 1)
      throw new Error(`${fn} set ${stub.setEventCalls} events; Fabric keeps one`);
    stub.commit();
    this.committedTxIds.add(txId);
    return {
      txId,
      result,
      event: stub.event && {
        name: stub.event.name,
        payload: JSON.parse(new TextDecoder().decode(stub.event.payload)) as Record<
          string,
          unknown
        >,
      },
    };
  }
}
