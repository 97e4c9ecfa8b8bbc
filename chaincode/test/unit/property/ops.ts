/** The random operations of the property test and their generators. */
import fc from 'fast-check';
import { ACTORS, ISSUER, SKEW_LIMIT_S, type State } from './model.js';

/**
 * Who calls: the party the rule names ('right'), the trade's buyer or seller (resolved per
 * trade), or a fixed actor.
 */
export type Caller = 'right' | 'buyer' | 'seller' | number;

export type TradeKind = 'deliver' | 'submit' | 'settle' | 'reject' | 'refund' | 'claim';

export type Op =
  | { kind: 'advance'; seconds: number }
  /** The natural next step of a recent open trade, by the right party (becomes a trade op). */
  | { kind: 'next'; trade: number; settle: boolean; valueCount: number; skew: number }
  | { kind: 'mint'; caller: number; to: number; amount: string; skew: number }
  | { kind: 'transfer'; caller: number; to: number; amount: string; skew: number }
  | { kind: 'burn'; caller: number; amount: string; skew: number }
  | { kind: 'delist'; caller: number; listing: number; skew: number }
  | {
      kind: 'list';
      caller: number;
      price: number;
      deposit: number;
      deliverWithin: number;
      resultWithin: number;
      decryptWithin: number;
      leakageBound: number;
      skew: number;
    }
  | { kind: 'purchase'; caller: number; listing: number; skew: number }
  | {
      kind: TradeKind;
      caller: Caller;
      trade: number;
      /** Pick among trades in the state this call applies to (else among all trades). */
      targeted: boolean;
      valueCount: number;
      skew: number;
    };

const actor = fc.integer({ min: 0, max: ACTORS.length - 1 });
const amount = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 150 }).map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('0', '-5', '1.5', '1e2', '+3', 'abc', '', '007', '9007199254740992'),
  },
);
/** Transaction timestamp offset from the peer clock, seconds: mostly fine, sometimes too far. */
const skew = fc.oneof(
  { weight: 15, arbitrary: fc.integer({ min: -SKEW_LIMIT_S + 10, max: SKEW_LIMIT_S - 10 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: SKEW_LIMIT_S + 1, max: 3 * SKEW_LIMIT_S })
      .chain((s) => fc.constantFrom(s, -s)),
  },
);
const caller: fc.Arbitrary<Caller> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Caller>('right') },
  { weight: 2, arbitrary: fc.constantFrom<Caller>('buyer', 'seller') },
  { weight: 1, arbitrary: actor },
);
export const RIGHT_PARTY: Record<TradeKind, 'buyer' | 'seller'> = {
  deliver: 'seller',
  submit: 'buyer',
  settle: 'seller',
  reject: 'seller',
  refund: 'buyer',
  claim: 'seller',
};
const tradeOp = (kind: TradeKind) =>
  fc.record({
    kind: fc.constant(kind),
    caller,
    trade: fc.nat(),
    targeted: fc.oneof(
      { weight: 3, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
    valueCount: fc.integer({ min: 1, max: 9 }),
    skew,
  });

export const NATURAL_STATES: Record<TradeKind, State[]> = {
  deliver: ['PAID'],
  submit: ['DELIVERED'],
  settle: ['RESULT_SUBMITTED'],
  reject: ['RESULT_SUBMITTED'],
  refund: ['PAID', 'DELIVERED', 'RESULT_SUBMITTED'],
  claim: ['DELIVERED'],
};

export const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      seconds: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 120 }) },
        { weight: 1, arbitrary: fc.integer({ min: 120, max: 1500 }) },
      ),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('next' as const),
      trade: fc.nat(),
      settle: fc.oneof(
        { weight: 3, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      valueCount: fc.integer({ min: 1, max: 9 }),
      skew,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('mint' as const),
      caller: fc.oneof(fc.constant(ISSUER), actor),
      to: actor,
      amount,
      skew,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('transfer' as const),
      caller: actor,
      to: actor,
      amount,
      skew,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('burn' as const),
      caller: fc.oneof(fc.constant(ISSUER), actor),
      amount,
      skew,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('delist' as const),
      caller: actor,
      listing: fc.nat(),
      skew,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('list' as const),
      caller: actor,
      price: fc.integer({ min: 1, max: 200 }),
      deposit: fc.integer({ min: 0, max: 50 }),
      deliverWithin: fc.integer({ min: 1, max: 1500 }),
      resultWithin: fc.integer({ min: 1, max: 1500 }),
      decryptWithin: fc.integer({ min: 1, max: 1500 }),
      leakageBound: fc.integer({ min: 1, max: 8 }),
      skew,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('purchase' as const),
      caller: actor,
      listing: fc.oneof(
        { weight: 7, arbitrary: fc.nat() },
        { weight: 1, arbitrary: fc.constant(-1) },
      ),
      skew,
    }),
  },
  { weight: 5, arbitrary: tradeOp('deliver') },
  { weight: 5, arbitrary: tradeOp('submit') },
  { weight: 5, arbitrary: tradeOp('settle') },
  { weight: 2, arbitrary: tradeOp('reject') },
  { weight: 3, arbitrary: tradeOp('refund') },
  { weight: 3, arbitrary: tradeOp('claim') },
);
