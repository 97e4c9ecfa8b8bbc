/**
 * What the model expects of each operation: the call to make, whether it must succeed, and
 * how it changes the model when it does.
 */
import type { TxName } from '../../support/in-process-market.js';
import { accountOf, listingInput, RESULT_KEY, sha, type Identity } from '../market.js';
import { actorAt, ISSUER, MAX, Model, type ModelTrade } from './model.js';
import { NATURAL_STATES, RIGHT_PARTY, type Op, type TradeKind } from './ops.js';

export type TradeOp = Extract<Op, { kind: TradeKind }>;
export type CallOp = Exclude<Op, { kind: 'advance' | 'next' }>;

/** One call the sequence makes, what the model expects of it, and its effect on the model. */
export interface Plan {
  who: Identity;
  fn: TxName;
  args: string[];
  expectOk: boolean;
  apply: (txId: string) => void;
  /** The trade the call acts on, checked against the ledger afterwards. */
  touched?: ModelTrade | undefined;
}

/** The step's transaction time T and whether its skew from the peer clock is allowed. */
export interface StepTime {
  T: number;
  skewOk: boolean;
}

const unchanged = (): void => undefined;

/** 'next' becomes the natural next step of a recent open trade, by the right party. */
export function resolveNext(o: Extract<Op, { kind: 'next' }>, model: Model): TradeOp {
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

export function plan(o: CallOp, model: Model, time: StepTime, step: number): Plan {
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
