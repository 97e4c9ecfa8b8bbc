import '../support/quiet.js';
import { expect } from 'chai';
import type { Page, Pool, PoolEvent } from '../../src/api.js';
import { accountOf, auditor, buyer, Market, seller, seller2 } from './market.js';
import {
  formPool,
  joinInput,
  maskKeyOf,
  outsider,
  proposal,
  purchase,
  SCHEMA_HASH,
  seller3,
} from './pool-market.js';

describe('pools: propose, join, leave', () => {
  let m: Market;

  beforeEach(async () => {
    m = new Market();
    await m.fund([[buyer, 1000]]);
  });

  const propose = (overrides: Record<string, unknown> = {}) =>
    m.json<Pool>(seller, 'ProposePool', [JSON.stringify(proposal(overrides))]);

  it('ProposePool records the terms, seats (lead first) and the schema hash; FORMING; one PoolEvent', async () => {
    const call = await m.invoke(seller, 'ProposePool', [JSON.stringify(proposal())]);
    const pool = JSON.parse(call.result) as Pool;
    expect(pool).to.deep.include({
      id: 'penguins',
      lead: accountOf(seller),
      state: 'FORMING',
      schemaHash: SCHEMA_HASH,
      splitRule: 'rows',
      disclosure: 'aggregate',
      version: 1,
    });
    expect(pool.seats.map((s) => s.invite)).to.deep.equal([
      { lead: accountOf(seller) },
      { account: accountOf(seller2) },
      { msp: 'SellerMSP' },
    ]);
    expect(pool.seats.every((s) => s.member === null && s.stake === null)).to.equal(true);
    expect(call.event?.name).to.equal('PoolEvent');
    expect((call.event?.payload as unknown as PoolEvent).type).to.equal('PoolProposed');
  });

  it('refuses malformed proposals, each with its own message', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ splitRule: 'votes' }, 'splitRule must be one of stake, rows, shapley-f1'],
      [{ invites: [] }, 'at least one co-seller'],
      [{ invites: [{ account: accountOf(seller) }] }, 'names the lead'],
      [{ invites: [{ account: accountOf(seller2) }, { account: accountOf(seller2) }] }, 'twice'],
      [{ invites: [{ msp: 'SellerMSP', account: accountOf(seller2) }] }, 'invites[0] must be'],
      [{ invites: [{ account: 'not-an-account' }] }, 'is not an account id'],
      [{ splitRule: 'stake' }, 'stakes must be a JSON array'],
      [{ splitRule: 'stake', stakes: ['1', '2'] }, 'stakes has 2 weights; the pool has 3 seats'],
      [{ splitRule: 'stake', stakes: ['1', '0', '2'] }, 'stakes[1] is zero'],
      [{ stakes: ['1', '1', '1'] }, 'stakes are only for the stake rule'],
      [{ computationPolicy: undefined }, 'computationPolicy is missing'],
      [{ computationPolicy: 7 }, 'computationPolicy must be a JSON object or string'],
      [{ computationPolicy: { blob: 'x'.repeat(20_000) } }, 'computationPolicy is'],
      [{ aggregation: { valueBound: 0, fractionalBits: 10 } }, 'valueBound must be a positive'],
      [{ aggregation: { valueBound: 1e300, fractionalBits: 10 } }, 'valueBound must be a positive'],
      [{ aggregation: { valueBound: 1, fractionalBits: 1.5 } }, 'fractionalBits must be a whole'],
      [{ aggregation: { valueBound: 1, fractionalBits: 10, ring: 64 } }, 'unknown field "ring"'],
      [{ maxRounds: 0 }, 'maxRounds must be at least 1'],
      [{ price: '9007199254740991', maxRounds: 2 }, 'exceeds the maximum escrow'],
      [{ columns: ['a', 'a'] }, 'names a column twice'],
      [{ colour: 'red' }, 'unknown field "colour"'],
    ];
    for (const [overrides, fragment] of cases) {
      await m.refuse(
        seller,
        'ProposePool',
        [JSON.stringify(proposal(overrides))],
        'INVALID_ARGUMENT',
        [fragment],
      );
    }
    const six = Array.from({ length: 5 }, () => ({ msp: 'SellerMSP' }));
    await m.refuse(
      seller,
      'ProposePool',
      [JSON.stringify(proposal({ splitRule: 'shapley-f1', invites: six }))],
      'INVALID_ARGUMENT',
      ['a shapley-f1 pool has at most 5 seats'],
    );
    await m.refuse(seller, 'ProposePool', ['[1]'], 'INVALID_ARGUMENT', ['must be a JSON object']);
  });

  it('refuses a pool id that is taken', async () => {
    await propose();
    const other = proposal({ invites: [{ account: accountOf(seller) }] });
    await m.refuse(seller2, 'ProposePool', [JSON.stringify(other)], 'ALREADY_EXISTS', [
      'never reused',
    ]);
  });

  it('seats each invitee by account or by org, and is READY once every seat joined', async () => {
    await propose();
    let pool = await m.json<Pool>(seller3, 'JoinPool', ['penguins', joinInput(2)]);
    expect(pool.seats[2]?.member?.account).to.equal(accountOf(seller3)); // the org seat
    pool = await m.json<Pool>(seller2, 'JoinPool', ['penguins', joinInput(1)]);
    expect(pool.state).to.equal('FORMING');
    pool = await m.json<Pool>(seller, 'JoinPool', ['penguins', joinInput(0)]);
    expect(pool.state).to.equal('READY');
    expect(pool.version).to.equal(4);
    expect(pool.seats.map((s) => s.member?.rowCount)).to.deep.equal([168, 124, 52]);
    expect(pool.seats.map((s) => s.member?.maskPublicKey)).to.deep.equal([0, 1, 2].map(maskKeyOf));
  });

  it('refuses joins from the uninvited, twice, with the wrong schema, stake or key, and once READY', async () => {
    await propose({ invites: [{ account: accountOf(seller2) }] });
    await m.refuse(seller3, 'JoinPool', ['penguins', joinInput(2)], 'FORBIDDEN', [
      'holds no invitation',
    ]);
    await m.refuse(buyer, 'JoinPool', ['penguins', joinInput(2)], 'FORBIDDEN', [
      'no free seat is open to BuyerMSP',
    ]);
    await m.refuse(
      seller2,
      'JoinPool',
      ['penguins', joinInput(1, { schemaHash: 'a'.repeat(64) })],
      'INVALID_ARGUMENT',
      ['must be the pool'],
    );
    await m.refuse(
      seller2,
      'JoinPool',
      ['penguins', joinInput(1, { maskPublicKey: 'AAAA' })],
      'INVALID_ARGUMENT',
      ['X25519'],
    );
    await m.refuse(
      seller2,
      'JoinPool',
      ['penguins', joinInput(1, { stake: '3' })],
      'INVALID_ARGUMENT',
      ['does not split by stake'],
    );
    await m.refuse(
      seller2,
      'JoinPool',
      ['penguins', joinInput(1, { rowCount: 0 })],
      'INVALID_ARGUMENT',
      ['rowCount'],
    );
    await m.refuse(seller2, 'JoinPool', ['nope', joinInput(1)], 'NOT_FOUND', ['no pool']);
    await m.call(seller2, 'JoinPool', ['penguins', joinInput(1)]);
    await m.refuse(seller2, 'JoinPool', ['penguins', joinInput(1)], 'ALREADY_EXISTS', [
      'already a member',
    ]);
    await m.call(seller, 'JoinPool', ['penguins', joinInput(0)]);
    await m.refuse(seller3, 'JoinPool', ['penguins', joinInput(2)], 'WRONG_STATE', ['READY']);
  });

  it('stake rule: a member signs for the stake the proposal fixed for its seat', async () => {
    await propose({ splitRule: 'stake', stakes: ['5', '3', '2'] });
    await m.refuse(seller2, 'JoinPool', ['penguins', joinInput(1)], 'INVALID_ARGUMENT', [
      'stake must be a string',
    ]);
    await m.refuse(
      seller2,
      'JoinPool',
      ['penguins', joinInput(1, { stake: '4' })],
      'INVALID_ARGUMENT',
      ['not the 3 the proposal fixed'],
    );
    const pool = await m.json<Pool>(seller2, 'JoinPool', [
      'penguins',
      joinInput(1, { stake: '3' }),
    ]);
    expect(pool.seats.map((s) => s.stake)).to.deep.equal(['5', '3', '2']);
  });

  it('a member may leave while no joint trade is open (its seat opens again); the lead closes the pool', async () => {
    await formPool(m);
    let pool = await m.json<Pool>(seller3, 'LeavePool', ['penguins']);
    expect(pool.state).to.equal('FORMING');
    expect(pool.seats[2]?.member).to.equal(null);
    await m.refuse(outsider, 'LeavePool', ['penguins'], 'FORBIDDEN', ['not a member']);
    await m.refuse(
      buyer,
      'PurchasePool',
      ['penguins', 'x'.repeat(16), '1', '90', '10'],
      'WRONG_STATE',
      ['needs a READY pool'],
    );
    // The org seat is open to another user of the org.
    pool = await m.json<Pool>(outsider, 'JoinPool', ['penguins', joinInput(2)]);
    expect(pool.state).to.equal('READY');
    pool = await m.json<Pool>(seller, 'LeavePool', ['penguins']);
    expect(pool.state).to.equal('CLOSED');
    await m.refuse(seller2, 'LeavePool', ['penguins'], 'WRONG_STATE', ['CLOSED']);
  });

  it('refuses to let anyone leave while a joint trade is open, and allows it again once it closed', async () => {
    await formPool(m);
    const t = await purchase(m);
    await m.refuse(seller2, 'LeavePool', ['penguins'], 'WRONG_STATE', ['has an open joint trade']);
    await m.refuse(seller, 'LeavePool', ['penguins'], 'WRONG_STATE', ['has an open joint trade']);
    await m.call(buyer, 'RefundPool', [t.tradeId]);
    const pool = await m.json<Pool>(seller2, 'LeavePool', ['penguins']);
    expect(pool.state).to.equal('FORMING');
  });

  it('auditors list pools with their members and stakes', async () => {
    await formPool(m, { id: 'p1' });
    await m.call(seller, 'ProposePool', [JSON.stringify(proposal({ id: 'p2' }))]);
    const page = await m.json<Page<Pool>>(auditor, 'ListPools', ['', '']);
    expect(page.records.map((p) => [p.id, p.state])).to.deep.equal([
      ['p1', 'READY'],
      ['p2', 'FORMING'],
    ]);
    expect(page.records[0]?.seats.map((s) => s.member?.account)).to.deep.equal(
      [seller, seller2, seller3].map(accountOf),
    );
  });
});
