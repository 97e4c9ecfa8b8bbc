/** The property test's model: actors, listings and trades as the rules describe them. */
import { auditor, buyer, buyer2, seller, seller2, type Identity } from '../market.js';

export const SKEW_LIMIT_S = 300;
export const MAX = 9007199254740991n;

export const ACTORS: Identity[] = [auditor, seller, seller2, buyer, buyer2];
export const ISSUER = 0;

export interface ModelListing {
  id: string;
  seller: number;
  price: bigint;
  deposit: bigint;
  active: boolean;
  deliverWithin: number;
  resultWithin: number;
  decryptWithin: number;
  leakageBound: number;
}

export type State =
  'PAID' | 'DELIVERED' | 'RESULT_SUBMITTED' | 'SETTLED' | 'REJECTED' | 'REFUNDED' | 'CLAIMED';

export interface ModelTrade {
  id: string;
  buyer: number;
  seller: number;
  price: bigint;
  deposit: bigint;
  escrow: bigint;
  state: State;
  deliverBy: number;
  resultBy: number;
  decryptBy: number;
  terms: ModelListing;
}

export const LISTINGS: Omit<ModelListing, 'active'>[] = [
  {
    id: 'ds-0',
    seller: 1,
    price: 100n,
    deposit: 20n,
    deliverWithin: 600,
    resultWithin: 900,
    decryptWithin: 300,
    leakageBound: 5,
  },
  {
    id: 'ds-1',
    seller: 2,
    price: 30n,
    deposit: 0n,
    deliverWithin: 300,
    resultWithin: 600,
    decryptWithin: 600,
    leakageBound: 3,
  },
  {
    id: 'ds-2',
    seller: 3,
    price: 10n,
    deposit: 5n,
    deliverWithin: 1200,
    resultWithin: 300,
    decryptWithin: 900,
    leakageBound: 8,
  },
];

/** An actor by index (indexes come from the generators, always in range). */
export function actorAt(i: number): Identity {
  const who = ACTORS[i];
  if (who === undefined) throw new Error(`no actor ${i}`);
  return who;
}

/** The rules, written again from the specification, independently of the contract's code. */
export class Model {
  balances = ACTORS.map(() => 0n);
  supply = 0n;
  listings: ModelListing[] = LISTINGS.map((l) => ({ ...l, active: true }));
  trades: ModelTrade[] = [];

  static validAmount(s: string): bigint | null {
    if (!/^[1-9][0-9]*$/.test(s)) return null;
    const v = BigInt(s);
    return v <= MAX ? v : null;
  }

  escrow(): bigint {
    return this.trades.reduce((sum, t) => sum + t.escrow, 0n);
  }

  balanceOf(i: number): bigint {
    const balance = this.balances[i];
    if (balance === undefined) throw new Error(`no actor ${i}`);
    return balance;
  }

  /** Adds `delta` (negative to take) to actor i's balance. */
  move(i: number, delta: bigint): void {
    this.balances[i] = this.balanceOf(i) + delta;
  }

  /** Pays out of a trade's escrow and moves it to `next`. */
  close(t: ModelTrade, next: State, toSeller: bigint, toBuyer: bigint): void {
    this.move(t.seller, toSeller);
    this.move(t.buyer, toBuyer);
    t.escrow -= toSeller + toBuyer;
    t.state = next;
  }
}
