/**
 * Test harness: a contract instance on a fake ledger, a peer clock the tests move, and
 * call() that runs one transaction as a given identity, committing only if it succeeds.
 */
import '../support/quiet.js';
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { DataMarketContract } from '../../src/contract.js';
import type { ListingInput } from '../../src/types.js';
import { accountOf, FakeLedger, identity, type Identity } from '../support/fake-fabric.js';
import { messageOf } from '../support/message-of.js';
import {
  InProcessMarket,
  type CallOptions,
  type CallRecord,
  type TxName,
} from '../support/in-process-market.js';

export type { CallOptions, CallRecord, TxName };

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export const auditor = identity('AuditorMSP', 'User1', 'auditor');
export const seller = identity('SellerMSP', 'User1', 'seller');
export const seller2 = identity('SellerMSP', 'User2', 'seller');
export const buyer = identity('BuyerMSP', 'User1', 'buyer');
export const buyer2 = identity('BuyerMSP', 'User2', 'buyer');

/** A trade deadline that the trade's state says is set (null would be a contract bug). */
export function due(deadline: number | null): number {
  if (deadline === null) throw new Error('the trade has no such deadline in this state');
  return deadline;
}

export const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

export const RESULT_KEY = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VuAyEAmQ3mWz3lY8xwYl9nW2b1yq4y0m9bQy3V6bq0wW9cK0Q=
-----END PUBLIC KEY-----
`;

/** The app URL of every listing in these tests (registered for both trading orgs). */
export const LISTING_URL = 'https://seller.example.com:8443/gateway';

export class Market {
  /** The endorsing peer's clock, ms. */
  now = T0;
  private readonly market: InProcessMarket;
  readonly ledger: FakeLedger;
  readonly contract: DataMarketContract;

  constructor(maxClockSkewSeconds = 300) {
    this.market = new InProcessMarket(() => this.now, maxClockSkewSeconds);
    this.ledger = this.market.ledger;
    this.contract = this.market.contract;
    // Both trading orgs have registered the app URL listingInput() names (org-apps.test.ts
    // tests the registry itself).
    for (const mspId of ['SellerMSP', 'BuyerMSP', 'AuditorMSP'])
      this.seedOrgApp(mspId, LISTING_URL);
  }

  /** Writes an org app registration straight into the ledger, as RegisterOrgApp would. */
  seedOrgApp(mspId: string, url: string): void {
    const href = new URL(url).href;
    const key = `\u0000org-app\u0000${mspId}\u0000${href}\u0000`;
    const app = {
      docType: 'org-app',
      mspId,
      url: href,
      registeredBy: 'seed',
      registeredAt: T0,
      txId: 'seed',
    };
    const writes = new Map([[key, new TextEncoder().encode(JSON.stringify(app))]]);
    this.ledger.apply('seed', T0, writes, undefined);
  }

  advance(seconds: number): void {
    this.now += seconds * 1000;
  }

  /** Runs one transaction; on success commits its writes and event, on error leaves no trace. */
  invoke(
    who: Identity,
    fn: TxName,
    args: string[],
    options: CallOptions = {},
  ): Promise<CallRecord> {
    return this.market.invoke(who, fn, args, options);
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
      message = messageOf(error);
    }
    if (message === undefined) {
      expect.fail(`${fn}(${args.map((a) => a.slice(0, 30)).join(', ')}) should be refused`);
    }
    expect(message).to.match(new RegExp(`^${code}: `));
    for (const fragment of fragments) {
      if (typeof fragment === 'string') expect(message).to.include(fragment);
      else expect(message).to.match(fragment);
    }
    expect(this.ledger.snapshot()).to.deep.equal(before);
    expect(this.ledger.events.length).to.equal(events);
    return message;
  }

  /** Initialize + mint `amount` to each identity given. */
  async fund(amounts: [Identity, number][]): Promise<void> {
    await this.call(auditor, 'Initialize', ['']);
    for (const [who, amount] of amounts) {
      await this.call(auditor, 'MintTo', [accountOf(who), String(amount)]);
    }
  }
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
    sellerGatewayUrl: LISTING_URL,
    freeSample: true,
    ...overrides,
  };
}

export { accountOf, identity, type Identity };
