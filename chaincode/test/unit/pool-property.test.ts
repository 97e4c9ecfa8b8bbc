/**
 * Property test for pools: random sequences of pool operations (purchases, bundles, partials,
 * shares, scores, rejections, refunds, claims, leaves and joins, clock jumps) by right and wrong
 * callers. After every step AuditSupply must find supply = balances + escrow with no problem,
 * the supply must not move, no balance may go negative, a success emits exactly one event and a
 * refusal is a ContractError that leaves no trace. At the end every closed joint trade must have
 * paid out exactly what its outcome says.
 */
import '../support/quiet.js';
import { expect } from 'chai';
import fc from 'fast-check';
import type { Pool, PoolProposal, PoolTrade, SupplyAudit } from '../../src/api.js';
import {
  accountOf,
  auditor,
  buyer,
  buyer2,
  Market,
  RESULT_KEY,
  seller,
  seller2,
  type Identity,
} from './market.js';
import { ENCRYPTED_SHARE, joinInput, outsider, proposal, seller3, sha } from './pool-market.js';

const RUNS = 30;
const OPS = 200;
const ACTORS: Identity[] = [auditor, seller, seller2, seller3, buyer, buyer2, outsider];
const POOLS = ['p-rows', 'p-stake', 'p-shapley'];
const SUPPLY = 2050n;

type Op =
  | { kind: 'advance'; seconds: number }
  | { kind: 'next'; trade: number }
  | { kind: 'purchase'; caller: number; pool: number; rounds: number }
  | { kind: 'membership'; leave: boolean; caller: number; pool: number }
  | {
      kind: 'deliver' | 'partials' | 'share' | 'scores' | 'reject' | 'refund' | 'claim';
      caller: number;
      trade: number;
      roundOffset: number;
      valueCount: number;
    };

const actor = fc.integer({ min: 0, max: ACTORS.length - 1 });
const tradeOp = fc.record({
  kind: fc.constantFrom(
    'deliver',
    'partials',
    'share',
    'scores',
    'reject',
    'refund',
    'claim' as const,
  ),
  caller: actor,
  trade: fc.nat(),
  roundOffset: fc.constantFrom(0, 0, 0, -1, 1),
  valueCount: fc.integer({ min: 1, max: 12 }),
});
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      seconds: fc.integer({ min: 1, max: 400 }),
    }),
  },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('next' as const), trade: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('purchase' as const),
      caller: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(4, 5) },
        { weight: 1, arbitrary: actor },
      ),
      pool: fc.integer({ min: 0, max: POOLS.length - 1 }),
      rounds: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) },
        { weight: 1, arbitrary: fc.constantFrom(0, 4) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('membership' as const),
      leave: fc.boolean(),
      caller: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) },
        { weight: 1, arbitrary: actor },
      ),
      pool: fc.integer({ min: 0, max: POOLS.length - 1 }),
    }),
  },
  { weight: 5, arbitrary: tradeOp },
);

function who(i: number): Identity {
  const a = ACTORS[i % ACTORS.length];
  if (!a) throw new Error('no actor');
  return a;
}

async function setUp(m: Market): Promise<void> {
  await m.fund([
    [buyer, 1000],
    [buyer2, 1000],
    [outsider, 50],
  ]);
  const common = {
    deliverWithin: 300,
    partialsWithin: 300,
    sharesWithin: 300,
    maxRounds: 3,
    leakageBound: 60,
  };
  const specs: (Partial<PoolProposal> & { id: string; stakes?: string[] })[] = [
    { id: 'p-rows', splitRule: 'rows' },
    { id: 'p-stake', splitRule: 'stake', stakes: ['4', '1', '1'] },
    { id: 'p-shapley', splitRule: 'shapley-f1', price: '37', deposit: '3' },
  ];
  for (const spec of specs) {
    await m.call(seller, 'ProposePool', [JSON.stringify(proposal({ ...common, ...spec }))]);
    for (const [seat, s] of [seller, seller2, seller3].entries()) {
      const stake = spec.stakes?.[seat];
      await m.call(s, 'JoinPool', [spec.id, joinInput(seat, stake ? { stake } : {})]);
    }
  }
}

/** The natural next step of a joint trade, by the party whose turn it is. */
function nextStep(t: PoolTrade): { caller: Identity; fn: string; args: string[] } | undefined {
  const memberId = (account: string) => ACTORS.find((a) => accountOf(a) === account) ?? outsider;
  switch (t.state) {
    case 'PAID': {
      const m = t.members.find((x) => x.bundleHash === null);
      return (
        m && { caller: memberId(m.account), fn: 'DeliverBundle', args: [t.tradeId, sha('b'), '64'] }
      );
    }
    case 'COMPUTING':
      return {
        caller: memberId(t.buyer),
        fn: 'SubmitPartials',
        args: [t.tradeId, partialsJson(t, 0, 2)],
      };
    case 'SHARING': {
      const m = t.members.find((x) => x.sharedRound < t.round);
      return (
        m && {
          caller: memberId(m.account),
          fn: 'SubmitShare',
          args: [t.tradeId, String(t.round), ENCRYPTED_SHARE, sha('s')],
        }
      );
    }
    case 'SCORING':
      return {
        caller: memberId(t.buyer),
        fn: 'SubmitScores',
        args: [t.tradeId, scoresJson(t.tradeId)],
      };
    default:
      return undefined;
  }
}

function partialsJson(t: PoolTrade, offset: number, valueCount: number): string {
  return JSON.stringify({
    round: t.round + offset,
    valueCount,
    partialHashes: t.members.map((_, i) => sha(`p${i}`)),
  });
}

/** Deterministic but uneven scores, so Shapley splits leave remainders. */
function scoresJson(seed: string): string {
  let h = 7;
  for (let i = 0; i < seed.length; i += 1) h = (h * 31 + seed.charCodeAt(i)) % 1_000_003;
  const scores = Array.from({ length: 7 }, () => {
    h = (h * 48271) % 2147483647;
    return (h % 1000) / 1000;
  });
  return JSON.stringify({ scores: scores.map(String) });
}

function callFor(
  o: Op,
  trades: PoolTrade[],
): { caller: Identity; fn: string; args: string[] } | undefined {
  if (o.kind === 'advance') return undefined;
  if (o.kind === 'purchase') {
    return {
      caller: who(o.caller),
      fn: 'PurchasePool',
      args: [
        POOLS[o.pool] ?? '',
        RESULT_KEY,
        String(o.rounds),
        o.pool === 2 ? '37' : '90',
        o.pool === 2 ? '3' : '10',
      ],
    };
  }
  if (o.kind === 'membership') {
    if (o.leave) return { caller: who(o.caller), fn: 'LeavePool', args: [POOLS[o.pool] ?? ''] };
    const stake = o.pool === 1 ? { stake: o.caller === 1 ? '4' : '1' } : {};
    return {
      caller: who(o.caller),
      fn: 'JoinPool',
      args: [POOLS[o.pool] ?? '', joinInput(Math.max(0, o.caller - 1), stake)],
    };
  }
  const open = trades.filter((t) => ['PAID', 'COMPUTING', 'SHARING', 'SCORING'].includes(t.state));
  const pick = o.kind === 'next' ? open : trades;
  const t = pick[o.trade % Math.max(1, pick.length)];
  if (!t) return undefined;
  if (o.kind === 'next') return nextStep(t);
  const args: Record<typeof o.kind, string[]> = {
    deliver: [t.tradeId, sha('b'), '64'],
    partials: [t.tradeId, partialsJson(t, o.roundOffset, o.valueCount)],
    share: [t.tradeId, String(t.round + o.roundOffset), ENCRYPTED_SHARE, sha('s')],
    scores: [t.tradeId, scoresJson(t.tradeId)],
    reject: [t.tradeId, 'refused'],
    refund: [t.tradeId],
    claim: [t.tradeId],
  };
  const fns = {
    deliver: 'DeliverBundle',
    partials: 'SubmitPartials',
    share: 'SubmitShare',
    scores: 'SubmitScores',
    reject: 'RejectPool',
    refund: 'RefundPool',
    claim: 'ClaimPool',
  };
  return { caller: who(o.caller), fn: fns[o.kind], args: args[o.kind] };
}

const tally = new Map<string, { ok: number; refused: number }>();
const outcomes = new Map<string, number>();

async function checkBooks(m: Market, context: string): Promise<void> {
  const audit = await m.json<SupplyAudit>(auditor, 'AuditSupply');
  expect(audit.problems, context).to.deep.equal([]);
  expect(audit.balanced, context).to.equal(true);
  expect(audit.totalSupply, context).to.equal(String(SUPPLY));
  for (const a of ACTORS) expect((await m.balance(a)) >= 0n, context).to.equal(true);
}

function checkOutcome(t: PoolTrade): void {
  const total = BigInt(t.price) * BigInt(t.rounds) + BigInt(t.deposit);
  const paid = { members: BigInt(t.paidToMembers), buyer: BigInt(t.paidToBuyer) };
  const expected: Record<string, [bigint, bigint] | undefined> = {
    SETTLED: [total - BigInt(t.deposit), BigInt(t.deposit)],
    REFUNDED: [0n, total],
    REJECTED: [0n, total],
    CLAIMED: [total, 0n],
  };
  const e = expected[t.state];
  if (e) expect([paid.members, paid.buyer], `${t.tradeId} ${t.state}`).to.deep.equal(e);
  else expect(paid.members + paid.buyer).to.equal(0n);
}

async function runSequence(ops: Op[]): Promise<void> {
  const m = new Market();
  await setUp(m);
  let trades: PoolTrade[] = [];
  for (const [step, o] of ops.entries()) {
    if (o.kind === 'advance') {
      m.advance(o.seconds);
      continue;
    }
    const call = callFor(o, trades);
    if (!call) continue;
    const events = m.ledger.events.length;
    const context = `step ${step}: ${call.fn}(${call.args.map((a) => a.slice(0, 20)).join(', ')})`;
    let ok = true;
    try {
      const r = await m.invoke(call.caller, call.fn as 'GetPool', call.args);
      expect(r.event, context).to.not.equal(undefined);
    } catch (error) {
      ok = false;
      expect(error instanceof Error ? error.message : String(error), context).to.match(
        /^[A-Z_]+: /,
      );
    }
    const entry = tally.get(call.fn) ?? { ok: 0, refused: 0 };
    entry[ok ? 'ok' : 'refused'] += 1;
    tally.set(call.fn, entry);
    expect(m.ledger.events.length, context).to.equal(events + (ok ? 1 : 0));
    await checkBooks(m, context);
    const lists = await Promise.all(
      POOLS.map((p) => m.json<{ records: PoolTrade[] }>(auditor, 'ListPoolTrades', [p, '100', ''])),
    );
    trades = lists.flatMap((l) => l.records);
  }
  for (const t of trades) {
    checkOutcome(t);
    outcomes.set(t.state, (outcomes.get(t.state) ?? 0) + 1);
  }
  for (const p of POOLS)
    expect((await m.json<Pool>(auditor, 'GetPool', [p])).docType).to.equal('pool');
}

describe('property: pools keep the books balanced under random operations', function () {
  this.timeout(300_000);
  it(`${RUNS} runs × ${OPS} random pool operations: supply = balances + escrow after every step`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: OPS, maxLength: OPS }), runSequence),
      { numRuns: RUNS, endOnFailure: !process.env.PROPERTY_SHRINK },
    );
    const lines = [...tally].map(([fn, { ok, refused }]) => `${fn} ${ok}/${refused}`);
    console.log(`      pool property test (ok/refused): ${lines.join(', ')}`);
    console.log(
      `      joint trades by final state: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`,
    );
    // The sequences reach every outcome, so each payout path was checked.
    for (const state of ['SETTLED', 'REFUNDED', 'REJECTED', 'CLAIMED']) {
      expect(outcomes.get(state) ?? 0, state).to.be.greaterThan(0);
    }
  });
});
