import '../support/quiet.js';
import { expect } from 'chai';
import { builtinHash } from '../../src/privacy.js';
import type { ComputationPolicy, Listing, SupplyAudit, Trade } from '../../src/types.js';
import { auditor, buyer, listingInput, Market, RESULT_KEY, seller, sha } from './market.js';

const BUNDLE = sha('bundle');
const RESULT_HASH = sha('encrypted result');
const PARAMS = sha('{"columns":["age"]}');
const APPROVED: ComputationPolicy = {
  mode: 'approved',
  computations: [
    { id: 'column-means', kind: 'builtin' },
    { id: 'my-score', kind: 'script', sha256: sha('export default …') },
  ],
};

describe('privacy terms of a listing', () => {
  let m: Market;
  beforeEach(async () => {
    m = new Market();
    await m.fund([[buyer, 1000]]);
  });

  const create = (overrides: Record<string, unknown>) =>
    m.json<Listing>(seller, 'CreateListing', [JSON.stringify(listingInput(overrides))]);

  it('defaults: schema-uniform sample, open policy, 64 values per key, disclosure stated', async () => {
    const listing = await create({});
    expect(listing.sampleKind).to.equal('schema-uniform');
    expect(listing.computationPolicy).to.deep.equal({ mode: 'open' });
    expect(listing.maxValuesPerKey).to.equal(64);
    expect(listing.columnRanges).to.equal(null);
    expect(listing.sampleDiscloses).to.include('declared column ranges');
  });

  it('a marginals sample says the means and standard deviations are disclosed', async () => {
    const listing = await create({ sampleKind: 'marginals' });
    expect(listing.sampleDiscloses).to.include('each column mean');
    expect(listing.sampleDiscloses).to.include('each column standard deviation');
  });

  it('refuses a leakage bound above the per-key budget, and a budget above the cap', async () => {
    const input = (o: Record<string, unknown>) => [JSON.stringify(listingInput(o))];
    await m.refuse(seller, 'CreateListing', input({ leakageBound: 65 }), 'INVALID_ARGUMENT', [
      'exceeds maxValuesPerKey 64',
    ]);
    await m.refuse(
      seller,
      'CreateListing',
      input({ leakageBound: 8, maxValuesPerKey: 4 }),
      'INVALID_ARGUMENT',
      ['exceeds maxValuesPerKey 4'],
    );
    await m.refuse(seller, 'CreateListing', input({ maxValuesPerKey: 5000 }), 'INVALID_ARGUMENT', [
      'maximum is 256',
    ]);
  });

  it('refuses unknown built-ins, a script without hash, bad sample kinds and ranges', async () => {
    const input = (o: Record<string, unknown>) => [JSON.stringify(listingInput(o))];
    const policy = (computations: unknown[]) => ({
      computationPolicy: { mode: 'approved', computations },
    });
    await m.refuse(
      seller,
      'CreateListing',
      input(policy([{ id: 'raw-rows', kind: 'builtin' }])),
      'INVALID_ARGUMENT',
      ['not a built-in'],
    );
    await m.refuse(
      seller,
      'CreateListing',
      input(policy([{ id: 'x', kind: 'script' }])),
      'INVALID_ARGUMENT',
      ['sha256'],
    );
    await m.refuse(seller, 'CreateListing', input(policy([])), 'INVALID_ARGUMENT');
    await m.refuse(seller, 'CreateListing', input({ sampleKind: 'real-rows' }), 'INVALID_ARGUMENT');
    await m.refuse(
      seller,
      'CreateListing',
      input({ columnRanges: [{ min: 0, max: 1, decimals: 0 }] }),
      'INVALID_ARGUMENT',
      ['one per schema column'],
    );
  });
});

describe('approved computations on a trade', () => {
  let m: Market;
  beforeEach(async () => {
    m = new Market();
    await m.fund([[buyer, 1000]]);
    await m.call(seller, 'CreateListing', [
      JSON.stringify(listingInput({ computationPolicy: APPROVED })),
    ]);
  });
  afterEach(async () => {
    const audit = await m.json<SupplyAudit>(auditor, 'AuditSupply');
    expect(audit.balanced).to.equal(true);
  });

  async function delivered(): Promise<string> {
    const id = (await m.invoke(buyer, 'Purchase', ['heart-2024', RESULT_KEY])).txId;
    m.advance(10);
    await m.call(seller, 'ConfirmDelivery', [id, BUNDLE, '4096']);
    m.advance(10);
    return id;
  }
  const trade = (id: string) => m.json<Trade>(buyer, 'GetTrade', [id]);

  it('freezes the policy in the trade terms and refuses an unnamed result', async () => {
    const id = await delivered();
    expect((await trade(id)).terms.computationPolicy).to.deep.equal(APPROVED);
    await m.refuse(buyer, 'SubmitResult', [id, RESULT_HASH, '3'], 'INVALID_ARGUMENT', [
      'SubmitComputedResult',
    ]);
    await m.refuse(
      buyer,
      'SubmitComputedResult',
      [id, RESULT_HASH, '3', 'xtx', PARAMS],
      'INVALID_ARGUMENT',
      ['not approved'],
    );
  });

  it('records computation and params hashes; delivery marks the computation verified', async () => {
    const id = await delivered();
    await m.call(buyer, 'SubmitComputedResult', [id, RESULT_HASH, '3', 'column-means', PARAMS]);
    expect((await trade(id)).computation).to.deep.equal({
      computationId: 'column-means',
      computationHash: builtinHash('column-means'),
      paramsHash: PARAMS,
      verification: 'pending',
      reexecutedHash: null,
    });
    const encrypted = Buffer.from('sealed').toString('base64');
    await m.call(seller, 'DeliverResult', [id, encrypted, sha('plain')]);
    const settled = await trade(id);
    expect(settled.state).to.equal('SETTLED');
    expect(settled.computation?.verification).to.equal('verified');
  });

  it('a script is identified by the hash of its code', async () => {
    const id = await delivered();
    await m.call(buyer, 'SubmitComputedResult', [id, RESULT_HASH, '3', 'my-score', PARAMS]);
    expect((await trade(id)).computation?.computationHash).to.equal(sha('export default …'));
  });

  it('a mismatch rejects on chain with the reason, refunds price and deposit, pays nothing', async () => {
    const id = await delivered();
    await m.call(buyer, 'SubmitComputedResult', [id, RESULT_HASH, '3', 'column-means', PARAMS]);
    await m.refuse(
      buyer,
      'RejectUnverifiedResult',
      [id, 'not reproduced', sha('other')],
      'FORBIDDEN',
    );
    const before = await m.balance(buyer);
    await m.call(seller, 'RejectUnverifiedResult', [id, 'not reproduced', sha('other')]);
    const rejected = await trade(id);
    expect(rejected.state).to.equal('REJECTED');
    expect(rejected.rejectReason).to.equal('COMPUTATION_MISMATCH: not reproduced');
    expect(rejected.computation?.verification).to.equal('mismatch');
    expect(rejected.computation?.reexecutedHash).to.equal(sha('other'));
    expect(rejected.paidToSeller).to.equal('0');
    expect(await m.balance(buyer)).to.equal(before + 120n);
  });

  it('an open listing verifies only built-ins', async () => {
    await m.call(seller, 'CreateListing', [JSON.stringify(listingInput({ id: 'open-1' }))]);
    const id = (await m.invoke(buyer, 'Purchase', ['open-1', RESULT_KEY])).txId;
    await m.call(seller, 'ConfirmDelivery', [id, BUNDLE, '4096']);
    await m.refuse(
      buyer,
      'SubmitComputedResult',
      [id, RESULT_HASH, '3', 'my-score', PARAMS],
      'INVALID_ARGUMENT',
      ['only built-in'],
    );
    await m.call(buyer, 'SubmitComputedResult', [id, RESULT_HASH, '3', 'xtx', PARAMS]);
    expect((await trade(id)).computation?.computationId).to.equal('xtx');
  });
});
