/**
 * Test harness: a contract instance on a fake ledger, a peer clock the tests move, and
 * call() that runs one transaction as a given identity, committing only if it succeeds.
 */
import './quiet.js';
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { Contract } from 'fabric-contract-api';
import { DataMarketContract } from '../../src/contract.js';
import {
  accountOf,
  contextFor,
  FakeLedger,
  FakeStub,
  identity,
  type Identity,
} from './fake-fabric.js';

export type TxName = Exclude<keyof DataMarketContract, keyof Contract>;

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export const auditor = identity('AuditorMSP', 'User1', 'auditor');
export const seller = identity('SellerMSP', 'User1', 'seller');
export const seller2 = identity('SellerMSP', 'User2', 'seller');
export const buyer = identity('BuyerMSP', 'User1', 'buyer');
export const buyer2 = identity('BuyerMSP', 'User2', 'buyer');

export const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

export const RESULT_KEY = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VuAyEAmQ3mWz3lY8xwYl9nW2b1yq4y0m9bQy3V6bq0wW9cK0Q=
-----END PUBLIC KEY-----
`;

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

export class Market {
  readonly ledger = new FakeLedger();
  /** The endorsing peer's clock, ms. */
  now = T0;
  readonly contract: DataMarketContract;

  constructor(maxClockSkewSeconds = 300) {
    this.contract = new DataMarketContract({ clock: () => this.now, maxClockSkewSeconds });
  }

  advance(seconds: number): void {
    this.now += seconds * 1000;
  }

  /** Runs one transaction; on success commits its writes and event, on error leaves no trace. */
  async invoke(
    who: Identity,
    fn: TxName,
    args: string[],
    options: CallOptions = {},
  ): Promise<CallRecord> {
    const method = this.contract[fn] as unknown as (...a: unknown[]) => Promise<string>;
    if (typeof method !== 'function') throw new Error(`no such function ${fn}`);
    if (method.length !== args.length + 1) {
      // fabric-shim refuses a wrong argument count before calling the function.
      throw new Error(
        `Expected ${method.length - 1} parameters, but ${args.length} have been supplied`,
      );
    }
    const txId = options.txId ?? this.ledger.nextTxId();
    const stub = new FakeStub(this.ledger, {
      txId,
      timestampMs: options.at ?? this.now,
      creator: who,
    });
    const result = await method.call(this.contract, contextFor(stub, who), ...args);
    if (typeof result !== 'string')
      throw new Error(`${fn} returned ${typeof result}, not a string`);
    if (stub.setEventCalls > 1)
      throw new Error(`${fn} set ${stub.setEventCalls} events; Fabric keeps one`);
    stub.commit();
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

  async call(
    who: Identity,
    fn: TxName,
    args: string[] = [],
    options: CallOptions = {},
  ): Promise<string> {
    return (await this.invoke(who, fn, args, options)).result;
  }

  async json<T = Record<string, unknown>>(
    who: Identity,
    fn: TxName,
    args: string[] = [],
    options: CallOptions = {},
  ): Promise<T> {
    return JSON.parse(await this.call(who, fn, args, options)) as T;
  }

  async balance(who: Identity | string): Promise<bigint> {
    const account = typeof who === 'string' ? who : accountOf(who);
    return BigInt(await this.call(auditor, 'BalanceOf', [account]));
  }

  /**
   * Expects the call to be refused with `code` and every fragment in the message, and the
   * ledger (state and events) to be exactly as before. Returns the message.
   */
  async refuse(
    who: Identity,
    fn: TxName,
    args: string[],
    code: string,
    fragments: (string | RegExp)[] = [],
    options: CallOptions = {},
  ): Promise<string> {
    const before = this.ledger.snapshot();
    const events = this.ledger.events.length;
    let message: string | undefined;
    try {
      await this.invoke(who, fn, args, options);
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(
      message,
      `${fn}(${args.map((a) => a.slice(0, 30)).join(', ')}) should be refused`,
    ).to.be.a('string');
    expect(message).to.match(new RegExp(`^${code}: `));
    for (const fragment of fragments) {
      if (typeof fragment === 'string') expect(message).to.include(fragment);
      else expect(message).to.match(fragment);
    }
    expect(this.ledger.snapshot()).to.deep.equal(before);
    expect(this.ledger.events.length).to.equal(events);
    return message as string;
  }

  /** Initialize + mint `amount` to each identity given. */
  async fund(amounts: [Identity, number][]): Promise<void> {
    await this.call(auditor, 'Initialize', ['']);
    for (const [who, amount] of amounts) {
      await this.call(auditor, 'MintTo', [accountOf(who), String(amount)]);
    }
  }
}

export interface ListingInput {
  id: string;
  title: string;
  description?: string;
  schema: { columns: string[]; rowCount: number };
  price: string;
  deposit?: string;
  deliverWithin: number;
  resultWithin: number;
  decryptWithin: number;
  leakageBound: number;
  ckksPreset: string;
  sellerGatewayUrl: string;
  freeSample?: boolean;
}

export function listingInput(
  overrides: Partial<ListingInput> & Record<string, unknown> = {},
): ListingInput {
  return {
    id: 'heart-2024',
    title: 'Framingham heart study extract',
    description: 'Ten clinical columns, one row per participant.',
    schema: { columns: ['age', 'sex', 'sysBP', 'diaBP', 'BMI'], rowCount: 4240 },
    price: '100',
    deposit: '20',
    deliverWithin: 3600,
    resultWithin: 7200,
    decryptWithin: 1800,
    leakageBound: 10,
    ckksPreset: 'default-8192',
    sellerGatewayUrl: 'https://seller.example.com:8443/gateway',
    freeSample: true,
    ...overrides,
  };
}

export { accountOf, identity, type Identity };
