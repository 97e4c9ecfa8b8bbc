/**
 * Property test: long random sequences of token moves and trade transitions, by right and
 * wrong callers, with random clocks. After every step the contract must agree with an
 * independent model of the rules (same calls succeed, same balances and escrow), AuditSupply
 * must find supply = balances + escrow, and no balance may be negative.
 */
import '../support/quiet.js';
import { expect } from 'chai';
import fc from 'fast-check';
import type { SupplyAudit, Trade } from '../../src/types.js';
import {
  accountOf,
  auditor,
  buyer,
  buyer2,
  listingInput,
  Market,
  RESULT_KEY,
  seller,
  seller2,
  sha,
  type Identity,
  type TxName,
} from './market.js';

const RUNS = 50;
const OPS_PER_RUN = 260;
const SKEW_LIMIT_S = 300;
const MAX = 9007199254740991n;

const ACTORS: Identity[] = [auditor, seller, seller2, buyer, buyer2];
const ISSUER = 0;

interface ModelListing {
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

type State =
  'PAID' | 'DELIVERED' | 'RESULT_SUBMITTED' | 'SETTLED' | 'REJECTED' | 'REFUNDED' | 'CLAIMED';

interface ModelTrade {
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

const LISTINGS: Omit<ModelListing, 'active'>[] = [
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

/**
 * Who calls: the party the rule names ('right'), the trade's buyer or seller (resolved per
 * trade), or a fixed actor.
 */
type Caller = 'right' | 'buyer' | 'seller' | number;

type Op =
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
      kind: 'deliver' | 'submit' | 'settle' | 'reject' | 'refund' | 'claim';
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
const RIGHT_PARTY: Record<string, 'buyer' | 'seller'> = {
  deliver: 'seller',
  submit: 'buyer',
  settle: 'seller',
  reject: 'seller',
  refund: 'buyer',
  claim: 'seller',
};
const tradeOp = (kind: 'deliver' | 'submit' | 'settle' | 'reject' | 'refund' | 'claim') =>
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

const NATURAL_STATES: Record<string, State[]> = {
  deliver: ['PAID'],
  submit: ['DELIVERED'],
  settle: ['RESULT_SUBMITTED'],
  reject: ['RESULT_SUBMITTED'],
  refund: ['PAID', 'DELIVERED', 'RESULT_SUBMITTED'],
  claim: ['DELIVERED'],
};

const op: fc.Arbitrary<Op> = fc.oneof(
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

/** The rules, written again from the specification, independently of the contract's code. */
class Model {
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
}

const tally = new Map<string, { ok: number; refused: number }>();
let operations = 0;

function note(kind: string, ok: boolean): void {
  const entry = tally.get(kind) ?? { ok: 0, refused: 0 };
  if (ok) entry.ok += 1;
  else entry.refused += 1;
  tally.set(kind, entry);
}

async function runSequence(ops: Op[]): Promise<void> {
  const m = new Market(SKEW_LIMIT_S);
  const model = new Model();
  await m.call(auditor, 'Initialize', ['']);
  for (const [i, amountGiven] of [
    [1, 300n],
    [2, 300n],
    [3, 1500n],
    [4, 1500n],
  ] as const) {
    await m.call(auditor, 'MintTo', [accountOf(ACTORS[i] as Identity), String(amountGiven)]);
    model.balances[i] = amountGiven;
    model.supply += amountGiven;
  }
  for (const l of LISTINGS) {
    await m.call(ACTORS[l.seller] as Identity, 'CreateListing', [
      JSON.stringify(
        listingInput({
          id: l.id,
          price: String(l.price),
          deposit: String(l.deposit),
          deliverWithin: l.deliverWithin,
          resultWithin: l.resultWithin,
          decryptWithin: l.decryptWithin,
          leakageBound: l.leakageBound,
        }),
      ),
    ]);
  }

  for (const [step, generated] of ops.entries()) {
    operations += 1;
    let o = generated;
    if (o.kind === 'next') {
      const open = model.trades.filter(
        (t) => t.state === 'PAID' || t.state === 'DELIVERED' || t.state === 'RESULT_SUBMITTED',
      );
      const t = open[open.length - 1 - (o.trade % Math.max(1, Math.min(open.length, 3)))];
      const kind =
        t?.state === 'DELIVERED'
          ? 'submit'
          : t?.state === 'RESULT_SUBMITTED'
            ? o.settle
              ? 'settle'
              : 'reject'
            : 'deliver';
      o = {
        kind,
        caller: 'right',
        trade: o.trade,
        targeted: true,
        valueCount: o.valueCount,
        skew: o.skew,
      };
    }
    if (o.kind === 'advance') {
      m.advance(o.seconds);
      note('advance', true);
      continue;
    }
    const T = m.now + o.skew * 1000; // the transaction's timestamp
    const skewOk = Math.abs(o.skew) <= SKEW_LIMIT_S;
    let who: Identity;
    let fn: TxName;
    let args: string[];
    let expectOk: boolean;
    let apply: (txId: string) => void = () => {};
    let touched: ModelTrade | undefined;

    switch (o.kind) {
      case 'mint': {
        const v = Model.validAmount(o.amount);
        who = ACTORS[o.caller] as Identity;
        fn = 'MintTo';
        args = [accountOf(ACTORS[o.to] as Identity), o.amount];
        expectOk = skewOk && v !== null && o.caller === ISSUER && model.supply + v <= MAX;
        apply = () => {
          model.balances[o.to] = (model.balances[o.to] as bigint) + (v as bigint);
          model.supply += v as bigint;
        };
        break;
      }
      case 'transfer': {
        const v = Model.validAmount(o.amount);
        who = ACTORS[o.caller] as Identity;
        fn = 'Transfer';
        args = [accountOf(ACTORS[o.to] as Identity), o.amount];
        expectOk =
          skewOk && v !== null && o.to !== o.caller && (model.balances[o.caller] as bigint) >= v;
        apply = () => {
          model.balances[o.caller] = (model.balances[o.caller] as bigint) - (v as bigint);
          model.balances[o.to] = (model.balances[o.to] as bigint) + (v as bigint);
        };
        break;
      }
      case 'burn': {
        const v = Model.validAmount(o.amount);
        who = ACTORS[o.caller] as Identity;
        fn = 'Burn';
        args = [o.amount];
        expectOk =
          skewOk && v !== null && o.caller === ISSUER && (model.balances[o.caller] as bigint) >= v;
        apply = () => {
          model.balances[o.caller] = (model.balances[o.caller] as bigint) - (v as bigint);
          model.supply -= v as bigint;
        };
        break;
      }
      case 'delist': {
        const l = model.listings[o.listing % model.listings.length] as ModelListing;
        who = ACTORS[o.caller] as Identity;
        fn = 'Delist';
        args = [l.id];
        expectOk = skewOk && l.active && l.seller === o.caller;
        apply = () => {
          l.active = false;
        };
        break;
      }
      case 'list': {
        const id = `ds-${model.listings.length}`;
        who = ACTORS[o.caller] as Identity;
        fn = 'CreateListing';
        const { price, deposit, deliverWithin, resultWithin, decryptWithin, leakageBound } = o;
        args = [
          JSON.stringify(
            listingInput({
              id,
              price: String(price),
              deposit: String(deposit),
              deliverWithin,
              resultWithin,
              decryptWithin,
              leakageBound,
            }),
          ),
        ];
        expectOk = skewOk;
        apply = () => {
          model.listings.push({
            id,
            seller: o.caller,
            price: BigInt(price),
            deposit: BigInt(deposit),
            active: true,
            deliverWithin,
            resultWithin,
            decryptWithin,
            leakageBound,
          });
        };
        break;
      }
      case 'purchase': {
        const l = o.listing < 0 ? undefined : model.listings[o.listing % model.listings.length];
        who = ACTORS[o.caller] as Identity;
        fn = 'Purchase';
        args = [l ? l.id : 'no-such-dataset', RESULT_KEY];
        const cost = l ? l.price + l.deposit : 0n;
        expectOk =
          skewOk &&
          !!l &&
          l.active &&
          l.seller !== o.caller &&
          (model.balances[o.caller] as bigint) >= cost;
        apply = (txId) => {
          const listing = l as ModelListing;
          model.balances[o.caller] = (model.balances[o.caller] as bigint) - cost;
          model.trades.push({
            id: txId,
            buyer: o.caller,
            seller: listing.seller,
            price: listing.price,
            deposit: listing.deposit,
            escrow: cost,
            state: 'PAID',
            deliverBy: T + listing.deliverWithin * 1000,
            resultBy: 0,
            decryptBy: 0,
            terms: { ...listing },
          });
        };
        break;
      }
      default: {
        const natural = model.trades.filter((tr) => NATURAL_STATES[o.kind]?.includes(tr.state));
        const pool = o.targeted && natural.length > 0 ? natural : model.trades;
        // Targeted picks favour the most recent such trades, whose deadlines are still running.
        const span = o.targeted ? Math.min(pool.length, 3) : pool.length;
        const t = pool.length === 0 ? undefined : pool[pool.length - 1 - (o.trade % span)];
        touched = t;
        const party = o.caller === 'right' ? RIGHT_PARTY[o.kind] : o.caller;
        const c =
          party === 'buyer'
            ? (t?.buyer ?? 3)
            : party === 'seller'
              ? (t?.seller ?? 1)
              : (party as number);
        who = ACTORS[c] as Identity;
        const id = t ? t.id : 'no-such-trade';
        const isBuyer = !!t && c === t.buyer;
        const isSeller = !!t && c === t.seller;
        const state = t?.state;
        const close = (next: State, toSeller: bigint, toBuyer: bigint) => () => {
          const tr = t as ModelTrade;
          model.balances[tr.seller] = (model.balances[tr.seller] as bigint) + toSeller;
          model.balances[tr.buyer] = (model.balances[tr.buyer] as bigint) + toBuyer;
          tr.escrow -= toSeller + toBuyer;
          tr.state = next;
        };
        switch (o.kind) {
          case 'deliver':
            fn = 'ConfirmDelivery';
            args = [id, sha(`bundle-${step}`), '1000'];
            expectOk = skewOk && isSeller && state === 'PAID' && T < (t as ModelTrade).deliverBy;
            apply = () => {
              const tr = t as ModelTrade;
              tr.state = 'DELIVERED';
              tr.resultBy = T + tr.terms.resultWithin * 1000;
            };
            break;
          case 'submit':
            fn = 'SubmitResult';
            args = [id, sha(`result-${step}`), String(o.valueCount)];
            expectOk =
              skewOk &&
              isBuyer &&
              state === 'DELIVERED' &&
              T < (t as ModelTrade).resultBy &&
              o.valueCount <= (t as ModelTrade).terms.leakageBound;
            apply = () => {
              const tr = t as ModelTrade;
              tr.state = 'RESULT_SUBMITTED';
              tr.decryptBy = T + tr.terms.decryptWithin * 1000;
            };
            break;
          case 'settle':
            fn = 'DeliverResult';
            args = [id, Buffer.from(`plaintext-${step}`).toString('base64'), sha(`plain-${step}`)];
            expectOk =
              skewOk && isSeller && state === 'RESULT_SUBMITTED' && T < (t as ModelTrade).decryptBy;
            apply = t ? close('SETTLED', t.price, t.deposit) : apply;
            break;
          case 'reject':
            fn = 'RejectResult';
            args = [id, 'policy'];
            expectOk = skewOk && isSeller && state === 'RESULT_SUBMITTED';
            apply = t ? close('REJECTED', 0n, t.escrow) : apply;
            break;
          case 'refund': {
            fn = 'Refund';
            args = [id];
            const tr = t as ModelTrade;
            const allowed =
              state === 'PAID' ||
              (state === 'DELIVERED' && T < tr.resultBy) ||
              (state === 'RESULT_SUBMITTED' && T >= tr.decryptBy);
            expectOk = skewOk && isBuyer && allowed;
            apply = t ? close('REFUNDED', 0n, t.escrow) : apply;
            break;
          }
          case 'claim':
            fn = 'Claim';
            args = [id];
            expectOk =
              skewOk && isSeller && state === 'DELIVERED' && T >= (t as ModelTrade).resultBy;
            apply = t ? close('CLAIMED', t.escrow, 0n) : apply;
            break;
        }
      }
    }

    const before = m.ledger.events.length;
    let txId: string | undefined;
    let error: string | undefined;
    try {
      const call = await m.invoke(who, fn, args, { at: T });
      txId = call.txId;
      expect(call.event, `${fn} emitted no event`).to.not.equal(undefined);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      expect(error, 'refusals are ContractErrors').to.match(/^[A-Z_]+: /);
    }
    const context = `step ${step}: ${JSON.stringify(o)} → ${error ?? 'ok'}`;
    expect(error === undefined, context).to.equal(expectOk);
    note(o.kind, expectOk);
    if (error && process.env.PROPERTY_DEBUG) note(`${o.kind}:${error.split(':')[0]}`, false);
    if (txId !== undefined) apply(txId);
    expect(m.ledger.events.length, context).to.equal(before + (txId ? 1 : 0));

    // Ledger and model agree on every balance; none is negative.
    for (const [i, who2] of ACTORS.entries()) {
      const balance = await m.balance(who2);
      expect(balance >= 0n, context).to.equal(true);
      expect(balance, `${context}: balance of actor ${i}`).to.equal(model.balances[i]);
    }
    if (touched) {
      const t = await m.json<Trade>(auditor, 'GetTrade', [touched.id]);
      expect([t.state, t.escrow], context).to.deep.equal([touched.state, String(touched.escrow)]);
    }
    const audit = await m.json<SupplyAudit>(auditor, 'AuditSupply');
    expect(audit.problems, context).to.deep.equal([]);
    expect(audit.balanced, context).to.equal(true);
    expect(audit.totalSupply, context).to.equal(String(model.supply));
    expect(audit.sumOfEscrow, context).to.equal(String(model.escrow()));
    expect(model.supply, context).to.equal(
      model.balances.reduce((a, b) => a + b, 0n) + model.escrow(),
    );
  }

  // Finally every trade, not just the ones touched last.
  for (const t of model.trades) {
    const onLedger = await m.json<Trade>(auditor, 'GetTrade', [t.id]);
    expect([onLedger.state, onLedger.escrow]).to.deep.equal([t.state, String(t.escrow)]);
  }
}

describe('property: conservation and access rules under random operations', () => {
  it(`${RUNS} runs × ${OPS_PER_RUN} random operations agree with an independent model`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: OPS_PER_RUN, maxLength: OPS_PER_RUN }),
        runSequence,
      ),
      // A failure reports the failing step at once; PROPERTY_SHRINK=1 also shrinks the sequence
      // (slow: a minute or more).
      { numRuns: RUNS, endOnFailure: !process.env.PROPERTY_SHRINK },
    );
    const lines = [...tally].map(
      ([kind, { ok, refused }]) => `${kind} ${ok} ok/${refused} refused`,
    );
    console.log(`      property test: ${operations} random operations (${lines.join(', ')})`);
    expect(operations).to.be.at.least(10_000);
  });
});
