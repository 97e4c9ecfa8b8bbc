/**
 * Property test: long random sequences of token moves and trade transitions, by right and
 * wrong callers, with random clocks. After every step the contract must agree with an
 * independent model of the rules (same calls succeed, same balances and escrow), AuditSupply
 * must find supply = balances + escrow, and no balance may be negative.
 */
import '../support/quiet.js';
import { expect } from 'chai';
import fc from 'fast-check';
import { TRADE_STATES, type Page, type SupplyAudit, type Trade } from '../../src/types.js';
import { accountOf, auditor, listingInput, Market } from './market.js';
import {
  actorAt,
  ACTORS,
  LISTINGS,
  Model,
  SKEW_LIMIT_S,
  type ModelTrade,
} from './property/model.js';
import { op, type Op } from './property/ops.js';
import { plan, resolveNext, type Plan } from './property/plan.js';

const RUNS = 50;
const OPS_PER_RUN = 260;
const tally = new Map<string, { ok: number; refused: number }>();
let operations = 0;

function note(kind: string, ok: boolean): void {
  const entry = tally.get(kind) ?? { ok: 0, refused: 0 };
  if (ok) entry.ok += 1;
  else entry.refused += 1;
  tally.set(kind, entry);
}

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
  await checkIndexes(m, model);
}

/** Every page of a trade query, in pages of 2 (so pages cross the state boundaries). */
async function tradeIds(
  m: Market,
  fn: 'ListTradesByBuyer' | 'ListTradesBySeller' | 'ListTradesByState',
  key: string,
): Promise<string[]> {
  const ids: string[] = [];
  let bookmark = '';
  do {
    const page = await m.json<Page<Trade>>(auditor, fn, [key, '2', bookmark]);
    ids.push(...page.records.map((t) => t.tradeId));
    bookmark = page.bookmark;
  } while (bookmark !== '');
  return ids.sort();
}

/** The indexes list exactly the model's trades by buyer, by seller and by state, each once. */
async function checkIndexes(m: Market, model: Model): Promise<void> {
  const idsOf = (keep: (t: ModelTrade) => boolean) =>
    model.trades
      .filter(keep)
      .map((t) => t.id)
      .sort();
  for (const [i, who] of ACTORS.entries()) {
    const account = accountOf(who);
    expect(await tradeIds(m, 'ListTradesByBuyer', account), `buyer ${i}`).to.deep.equal(
      idsOf((t) => t.buyer === i),
    );
    expect(await tradeIds(m, 'ListTradesBySeller', account), `seller ${i}`).to.deep.equal(
      idsOf((t) => t.seller === i),
    );
  }
  for (const state of TRADE_STATES) {
    expect(await tradeIds(m, 'ListTradesByState', state), state).to.deep.equal(
      idsOf((t) => t.state === state),
    );
  }
}

describe('property: conservation and access rules under random operations', function () {
  // 13 000 operations take a few seconds, more on a busy machine than mocha's default 2 s.
  this.timeout(120_000);
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
