/** Pool test helpers: a proposal, three sellers who join it, and a buyer who purchases. */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { Pool, PoolProposal, PoolTrade, SupplyAudit } from '../../src/api.js';
import {
  accountOf,
  auditor,
  buyer,
  buyer2,
  identity,
  Market,
  RESULT_KEY,
  seller,
  seller2,
  type Identity,
} from './market.js';

export const POOL_SUBMIT_FUNCTIONS = [
  'ProposePool',
  'JoinPool',
  'LeavePool',
  'PurchasePool',
  'DeliverBundle',
  'SubmitPartials',
  'SubmitShare',
  'SubmitScores',
  'RejectPool',
  'RefundPool',
  'ClaimPool',
];
export const POOL_EVALUATE_FUNCTIONS = [
  'GetPool',
  'ListPools',
  'GetPoolTrade',
  'ListPoolTrades',
  'ListPoolTradesByParty',
  'GetPoolShares',
];

export const seller3 = identity('SellerMSP', 'User3', 'seller');
export const outsider = identity('SellerMSP', 'User9', 'seller');
export const SELLERS: Identity[] = [seller, seller2, seller3];

export const COLUMNS = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];
export const SCHEMA_HASH = createHash('sha256').update(JSON.stringify(COLUMNS)).digest('hex');
export const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A well-formed X25519 public key per seat (the contract checks form only). */
export function maskKeyOf(seat: number): string {
  return Buffer.alloc(32, seat + 1).toString('base64');
}

export const ROWS = [168, 124, 52];
export const DELIVER = 600;
export const PARTIALS = 900;
export const SHARES = 300;

export function proposal(
  overrides: Partial<PoolProposal> & Record<string, unknown> = {},
): PoolProposal {
  return {
    id: 'penguins',
    title: 'Palmer penguins, one island per seller',
    columns: COLUMNS,
    price: '90',
    deposit: '10',
    maxRounds: 5,
    deliverWithin: DELIVER,
    partialsWithin: PARTIALS,
    sharesWithin: SHARES,
    leakageBound: 200,
    ckksPreset: 'default-8192',
    computationPolicy: { kind: 'approved', computations: ['mean', 'lr-epoch'] },
    aggregation: { valueBound: 10000, fractionalBits: 20 },
    splitRule: 'rows',
    invites: [{ account: accountOf(seller2) }, { msp: 'SellerMSP' }],
    ...overrides,
  };
}

export function joinInput(seat: number, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    rowCount: ROWS[seat] ?? 10,
    schemaHash: SCHEMA_HASH,
    maskPublicKey: maskKeyOf(seat),
    ...overrides,
  });
}

/** Proposes the pool (as `seller`) and has every seller join; returns the READY pool. */
export async function formPool(
  m: Market,
  overrides: Partial<PoolProposal> & Record<string, unknown> = {},
  joins: Record<string, unknown>[] = [],
): Promise<Pool> {
  const p = proposal(overrides);
  await m.call(seller, 'ProposePool', [JSON.stringify(p)]);
  let pool: Pool | undefined;
  for (const [seat, who] of SELLERS.slice(0, p.invites.length + 1).entries()) {
    pool = await m.json<Pool>(who, 'JoinPool', [p.id, joinInput(seat, joins[seat] ?? {})]);
  }
  if (!pool) throw new Error('no seat');
  return pool;
}

export async function purchase(
  m: Market,
  rounds = 1,
  who: Identity = buyer,
  poolId = 'penguins',
): Promise<PoolTrade> {
  const pool = await m.json<Pool>(who, 'GetPool', [poolId]);
  return m.json<PoolTrade>(who, 'PurchasePool', [
    poolId,
    RESULT_KEY,
    String(rounds),
    pool.price,
    pool.deposit,
  ]);
}

export async function deliverAll(
  m: Market,
  tradeId: string,
  members = SELLERS,
): Promise<PoolTrade> {
  let t: PoolTrade | undefined;
  for (const who of members) {
    t = await m.json<PoolTrade>(who, 'DeliverBundle', [
      tradeId,
      sha(`bundle ${accountOf(who)}`),
      '4096',
    ]);
  }
  if (!t) throw new Error('no member');
  return t;
}

export function partials(round: number, valueCount = 4, members = 3): string {
  return JSON.stringify({
    round,
    valueCount,
    partialHashes: Array.from({ length: members }, (_, i) => sha(`partial ${round} ${i}`)),
  });
}

export const ENCRYPTED_SHARE = Buffer.from('masked share encrypted to the buyer').toString(
  'base64',
);

export async function shareAll(
  m: Market,
  tradeId: string,
  round: number,
  members = SELLERS,
): Promise<PoolTrade> {
  let t: PoolTrade | undefined;
  for (const who of members) {
    t = await m.json<PoolTrade>(who, 'SubmitShare', [
      tradeId,
      String(round),
      ENCRYPTED_SHARE,
      sha(`share ${round}`),
    ]);
  }
  if (!t) throw new Error('no member');
  return t;
}

/** One complete round: partials by the buyer, then every member's share. */
export async function runRound(
  m: Market,
  tradeId: string,
  round: number,
  members = SELLERS,
): Promise<PoolTrade> {
  await m.call(buyer, 'SubmitPartials', [tradeId, partials(round, 4, members.length)]);
  return shareAll(m, tradeId, round, members);
}

/** A fresh market with the two buyers funded (1005 tokens in all), as every joint-trade test starts. */
export async function fundedMarket(): Promise<Market> {
  const m = new Market();
  await m.fund([
    [buyer, 1000],
    [buyer2, 5],
  ]);
  return m;
}

/** After each joint-trade test: the books balance and no token was made or lost. */
export async function expectBooksBalanced(m: Market): Promise<void> {
  const audit = await m.json<SupplyAudit>(auditor, 'AuditSupply');
  expect(audit.problems).to.deep.equal([]);
  expect(audit.balanced).to.equal(true);
  expect(audit.totalSupply).to.equal('1005');
}
