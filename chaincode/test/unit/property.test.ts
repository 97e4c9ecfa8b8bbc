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

type TradeKind = 'deliver' | 'submit' | 'settle' | 'reject' | 'refund' | 'claim';

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
const RIGHT_PARTY: Record<TradeKind, 'buyer' | 'seller'> = {
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

const NATURAL_STATES: Record<TradeKind, State[]> = {
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

/** An actor by index (indexes come from the generators, always in range). */
function actorAt(i: number): Identity {
  const who = ACTORS[i];
  if (who === undefined) throw new Error(`no actor ${i}`);
  return who;
}

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

const tally = new Map<string, { ok: number; refused: number }>();
let operations = 0;

function note(kind: string, ok: boolean): void {
  const entry = tally.get(kind) ?? { ok: 0, refused: 0 };
  if (ok) entry.ok += 1;
  else entry.refused += 1;
  tally.set(kind, entry);
}

type TradeOp = Extract<Op, { kind: TradeKind }>;
type CallOp = Exclude<Op, { kind: 'advance' | 'next' }>;

/** One call the sequence makes, what the model expects of it, and its effect on the model. */
interface Plan {
  who: Identity;
  fn: TxName;
  args: string[];
  expectOk: boolean;
  apply: (txId: string) => void;
  /** The trade the call acts on, checked against the ledger afterwards. */
  touched?: ModelTrade | undefined;
}

/** The step's transaction time T and whether its skew from the peer clock is allowed. */
interface StepTime {
  T: number;
  skewOk: boolean;
}

const unchanged = (): void => undefined;

async function setUp(m: Market, model: Model): Promise<void> {
  await m.call(auditor, 'Initialize', ['']);
  for (const [i, amountGiven] of [
    [1, 300n],
    [2, 300n],
    [3, 1500n],
    [4, 1500n],
  ] as const) {
    await m.call(auditor, 'MintTo', [accountOf(actorAt(i)), String(amountGiven)]);
    model.balances[i] = amountGiven;
    model.supply += amountGiven;
  }
  for (const l of LISTINGS) {
    await m.call(actorAt(l.seller), 'CreateListing', [
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
}

/** 'next' becomes the natural next step of a recent open trade, by the right party. */
function resolveNext(o: Extract<Op, { kind: 'next' }>, model: Model): TradeOp {
  const open = model.trades.filter(
    (t) => t.state === 'PAID' || t.state === 'DELIVERED' || t.state === 'RESULT_SUBMITTED',
  );
  const t = open[open.length - 1 - (o.trade % Math.max(1, Math.min(open.length, 3)))];
  let kind: TradeKind = 'deliver';
  if (t?.state === 'DELIVERED') kind = 'submit';
  else if (t?.state === 'RESULT_SUBMITTED') kind = o.settle ? 'settle' : 'reject';
  return {
    kind,
    caller: 'right',
    trade: o.trade,
    targeted: true,
    valueCount: o.valueCount,
    skew: o.skew,
  };
}

function planMint(o: Extract<Op, { kind: 'mint' }>, model: Model, { skewOk }: StepTime): Plan {
  const v = Model.validAmount(o.amount);
  return {
    who: actorAt(o.caller),
    fn: 'MintTo',
    args: [accountOf(actorAt(o.to)), o.amount],
    expectOk: skewOk && v !== null && o.caller === ISSUER && model.supply + v <= MAX,
    apply: () => {
      if (v === null) return;
      model.move(o.to, v);
      model.supply += v;
    },
  };
}

function planTransfer(
  o: Extract<Op, { kind: 'transfer' }>,
  model: Model,
  { skewOk }: StepTime,
): Plan {
  const v = Model.validAmount(o.amount);
  return {
    who: actorAt(o.caller),
    fn: 'Transfer',
    args: [accountOf(actorAt(o.to)), o.amount],
    expectOk: skewOk && v !== null && o.to !== o.caller && model.balanceOf(o.caller) >= v,
    apply: () => {
      if (v === null) return;
      model.move(o.caller, -v);
      model.move(o.to, v);
    },
  };
}

function planBurn(o: Extract<Op, { kind: 'burn' }>, model: Model, { skewOk }: StepTime): Plan {
  const v = Model.validAmount(o.amount);
  return {
    who: actorAt(o.caller),
    fn: 'Burn',
    args: [o.amount],
    expectOk: skewOk && v !== null && o.caller === ISSUER && model.balanceOf(o.caller) >= v,
    apply: () => {
      if (v === null) return;
      model.move(o.caller, -v);
      model.supply -= v;
    },
  };
}

function planDelist(o: Extract<Op, { kind: 'delist' }>, model: Model, time: StepTime): Plan {
  const l = model.listings[o.listing % model.listings.length];
  if (l === undefined) throw new Error('the model always has listings');
  return {
    who: actorAt(o.caller),
    fn: 'Delist',
    args: [l.id],
    expectOk: time.skewOk && l.active && l.seller === o.caller,
    apply: () => {
      l.active = false;
    },
  };
}

function planList(o: Extract<Op, { kind: 'list' }>, model: Model, { skewOk }: StepTime): Plan {
  const id = `ds-${model.listings.length}`;
  const { price, deposit, deliverWithin, resultWithin, decryptWithin, leakageBound } = o;
  const terms = { deliverWithin, resultWithin, decryptWithin, leakageBound };
  return {
    who: actorAt(o.caller),
    fn: 'CreateListing',
    args: [
      JSON.stringify(
        listingInput({ id, price: String(price), deposit: String(deposit), ...terms }),
      ),
    ],
    expectOk: skewOk,
    apply: () => {
      model.listings.push({
        id,
        seller: o.caller,
        price: BigInt(price),
        deposit: BigInt(deposit),
        active: true,
        ...terms,
      });
    },
  };
}

function planPurchase(
  o: Extract<Op, { kind: 'purchase' }>,
  model: Model,
  { T, skewOk }: StepTime,
): Plan {
  const l = o.listing < 0 ? undefined : model.listings[o.listing % model.listings.length];
  const cost = l ? l.price + l.deposit : 0n;
  return {
    who: actorAt(o.caller),
    fn: 'Purchase',
    args: [l ? l.id : 'no-such-dataset', RESULT_KEY],
    expectOk:
      skewOk && !!l && l.active && l.seller !== o.caller && model.balanceOf(o.caller) >= cost,
    apply: (txId) => {
      if (!l) return;
      model.move(o.caller, -cost);
      model.trades.push({
        id: txId,
        buyer: o.caller,
        seller: l.seller,
        price: l.price,
        deposit: l.deposit,
        escrow: cost,
        state: 'PAID',
        deliverBy: T + l.deliverWithin * 1000,
        resultBy: 0,
        decryptBy: 0,
        terms: { ...l },
      });
    },
  };
}

/** One trade transition's rule: the call, when the model allows it, and what it does. */
interface TradeRule {
  fn: TxName;
  args: (id: string, o: TradeOp, step: number) => string[];
  /** Whether caller `c` may make the call on trade t at time T. */
  allowed: (t: ModelTrade, c: number, T: number, o: TradeOp) => boolean;
  effect: (model: Model, t: ModelTrade, T: number) => void;
}

const TRADE_RULES: Record<TradeKind, TradeRule> = {
  deliver: {
    fn: 'ConfirmDelivery',
    args: (id, _o, step) => [id, sha(`bundle-${step}`), '1000'],
    allowed: (t, c, T) => c === t.seller && t.state === 'PAID' && T < t.deliverBy,
    effect: (_model, t, T) => {
      t.state = 'DELIVERED';
      t.resultBy = T + t.terms.resultWithin * 1000;
    },
  },
  submit: {
    fn: 'SubmitResult',
    args: (id, o, step) => [id, sha(`result-${step}`), String(o.valueCount)],
    allowed: (t, c, T, o) =>
      c === t.buyer &&
      t.state === 'DELIVERED' &&
      T < t.resultBy &&
      o.valueCount <= t.terms.leakageBound,
    effect: (_model, t, T) => {
      t.state = 'RESULT_SUBMITTED';
      t.decryptBy = T + t.terms.decryptWithin * 1000;
    },
  },
  settle: {
    fn: 'DeliverResult',
    args: (id, _o, step) => [
      id,
      Buffer.from(`plaintext-${step}`).toString('base64'),
      sha(`plain-${step}`),
    ],
    allowed: (t, c, T) => c === t.seller && t.state === 'RESULT_SUBMITTED' && T < t.decryptBy,
    effect: (model, t) => {
      model.close(t, 'SETTLED', t.price, t.deposit);
    },
  },
  reject: {
    fn: 'RejectResult',
    args: (id) => [id, 'policy'],
    allowed: (t, c) => c === t.seller && t.state === 'RESULT_SUBMITTED',
    effect: (model, t) => {
      model.close(t, 'REJECTED', 0n, t.escrow);
    },
  },
  refund: {
    fn: 'Refund',
    args: (id) => [id],
    allowed: (t, c, T) =>
      c === t.buyer &&
      (t.state === 'PAID' ||
        (t.state === 'DELIVERED' && T < t.resultBy) ||
        (t.state === 'RESULT_SUBMITTED' && T >= t.decryptBy)),
    effect: (model, t) => {
      model.close(t, 'REFUNDED', 0n, t.escrow);
    },
  },
  claim: {
    fn: 'Claim',
    args: (id) => [id],
    allowed: (t, c, T) => c === t.seller && t.state === 'DELIVERED' && T >= t.resultBy,
    effect: (model, t) => {
      model.close(t, 'CLAIMED', t.escrow, 0n);
    },
  },
};

/** The trade an op acts on: targeted picks favour recent trades in the state it applies to. */
function pickTrade(o: TradeOp, model: Model): ModelTrade | undefined {
  const natural = model.trades.filter((tr) => NATURAL_STATES[o.kind].includes(tr.state));
  const pool = o.targeted && natural.length > 0 ? natural : model.trades;
  // Targeted picks favour the most recent such trades, whose deadlines are still running.
  const span = o.targeted ? Math.min(pool.length, 3) : pool.length;
  return pool.length === 0 ? undefined : pool[pool.length - 1 - (o.trade % span)];
}

/** The calling actor: the named party of the trade (a default one if there is no trade). */
function callerIndex(o: TradeOp, t: ModelTrade | undefined): number {
  const party = o.caller === 'right' ? RIGHT_PARTY[o.kind] : o.caller;
  if (party === 'buyer') return t?.buyer ?? 3;
  if (party === 'seller') return t?.seller ?? 1;
  return party;
}

function planTradeOp(o: TradeOp, model: Model, { T, skewOk }: StepTime, step: number): Plan {
  const t = pickTrade(o, model);
  const c = callerIndex(o, t);
  const rule = TRADE_RULES[o.kind];
  return {
    who: actorAt(c),
    fn: rule.fn,
    args: rule.args(t ? t.id : 'no-such-trade', o, step),
    expectOk: skewOk && t !== undefined && rule.allowed(t, c, T, o),
    apply: t
      ? () => {
          rule.effect(model, t, T);
        }
      : unchanged,
    touched: t,
  };
}

function plan(o: CallOp, model: Model, time: StepTime, step: number): Plan {
  switch (o.kind) {
    case 'mint':
      return planMint(o, model, time);
    case 'transfer':
      return planTransfer(o, model, time);
    case 'burn':
      return planBurn(o, model, time);
    case 'delist':
      return planDelist(o, model, time);
    case 'list':
      return planList(o, model, time);
    case 'purchase':
      return planPurchase(o, model, time);
    default:
      return planTradeOp(o, model, time, step);
  }
}

/** Makes the call; a success must emit an event, a refusal must be a ContractError. */
async function perform(
  m: Market,
  p: Plan,
  T: number,
): Promise<{ txId: string | undefined; error: string | undefined }> {
  try {
    const call = await m.invoke(p.who, p.fn, p.args, { at: T });
    expect(call.event, `${p.fn} emitted no event`).to.not.equal(undefined);
    return { txId: call.txId, error: undefined };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    expect(error, 'refusals are ContractErrors').to.match(/^[A-Z_]+: /);
    return { txId: undefined, error };
  }
}

/** Ledger and model agree on every balance, the touched trade and the supply audit. */
async function checkBooks(
  m: Market,
  model: Model,
  touched: ModelTrade | undefined,
  context: string,
): Promise<void> {
  // None is negative.
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

async function runStep(m: Market, model: Model, generated: Op, step: number): Promise<void> {
  const o = generated.kind === 'next' ? resolveNext(generated, model) : generated;
  if (o.kind === 'advance') {
    m.advance(o.seconds);
    note('advance', true);
    return;
  }
  const T = m.now + o.skew * 1000; // the transaction's timestamp
  const p = plan(o, model, { T, skewOk: Math.abs(o.skew) <= SKEW_LIMIT_S }, step);
  const before = m.ledger.events.length;
  const { txId, error } = await perform(m, p, T);
  const context = `step ${step}: ${JSON.stringify(o)} → ${error ?? 'ok'}`;
  expect(error === undefined, context).to.equal(p.expectOk);
  note(o.kind, p.expectOk);
  if (error && process.env.PROPERTY_DEBUG) note(`${o.kind}:${error.split(':')[0] ?? ''}`, false);
  if (txId !== undefined) p.apply(txId);
  expect(m.ledger.events.length, context).to.equal(before + (txId ? 1 : 0));
  await checkBooks(m, model, p.touched, context);
}

async function runSequence(ops: Op[]): Promise<void> {
  const m = new Market(SKEW_LIMIT_S);
  const model = new Model();
  await setUp(m, model);
  for (const [step, generated] of ops.entries()) {
    operations += 1;
    await runStep(m, model, generated, step);
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
