/**
 * A pool market on the real network, driven through the apps' routes, for the pool specs:
 * seller apps that hold the members' seats, one buyer app, an auditor app for the supply
 * audit. Forming a pool, buying it, one round of partials (one per seat, each fetched from and
 * uploaded to the seat's own app) and the reads every pool spec needs.
 */
import { expect } from 'chai';
import type { Pool, PoolProposal, PoolTrade } from '@datamarket/chaincode/api';
import { ContractRefusal } from '../../src/gateway/ledger/errors.js';
import type { AppHandle } from './e2e-support.js';
import { call } from './retrying-call.js';

export const CHANNEL = 'market';
export const ch = { channel: CHANNEL };
export const POOLS = '/api/channels/{channel}/pools';
export const TRADE = '/api/channels/{channel}/pool-trades/{tradeId}';
export const BUNDLE = `${TRADE}/seats/{seat}/bundle`;
export const PARTIAL = `${TRADE}/rounds/{round}/seats/{seat}/partial`;
export const AGGREGATE = `${TRADE}/rounds/{round}/aggregate`;

export { call };

export async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 240_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits until the wall clock is past a ledger deadline (ms), with a margin for clock skew. */
export async function pastDeadline(deadlineMs: number | null, marginMs = 1500): Promise<void> {
  const wait = (deadlineMs ?? 0) + marginMs - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** One seat of a pool: the seller user, the app that holds its seat, its rows. */
export interface SeatPlan {
  user: string;
  app: AppHandle;
  rows: number[][];
  stake?: string;
}

/** A proposal with deadlines of an hour and a pass-through-sized leakage bound; `terms` override. */
export function poolProposal(
  id: string,
  columns: string[],
  seats: number,
  terms: Partial<PoolProposal> = {},
): PoolProposal {
  return {
    id,
    title: `${String(seats)} sellers, one pool`,
    description: '',
    columns,
    price: '30',
    deposit: '10',
    maxRounds: 1,
    deliverWithin: 3600,
    partialsWithin: 3600,
    sharesWithin: 3600,
    leakageBound: 20,
    ckksPreset: 'n8192-d2',
    computationPolicy: { kind: 'any' },
    aggregation: { valueBound: 10_000, fractionalBits: 20 },
    splitRule: 'rows',
    invites: Array.from({ length: seats - 1 }, () => ({ msp: 'SellerMSP' })),
    ...terms,
  };
}

/** Stores each seat's rows in its app and proposes the pool (the first seat leads). */
export async function proposePool(proposal: PoolProposal, seats: SeatPlan[]): Promise<void> {
  for (const [i, seat] of seats.entries()) {
    await seat.app.gateway.store.putDataset({
      channel: CHANNEL,
      datasetId: `${proposal.id}-${String(i)}`,
      columns: proposal.columns,
      rows: seat.rows,
      owner: seat.user,
    });
  }
  const [lead] = seats;
  if (!lead) throw new Error('a pool needs seats');
  const proposed = await call<Pool>(lead.app, 'POST', POOLS, ch, {
    user: lead.user,
    json: proposal,
  });
  expect(proposed.status, JSON.stringify(proposed.body)).to.equal(201);
}

/**
 * Proposes and joins in seat order, each seat through the app that holds it (which makes and
 * seals its mask key); resolves with the READY pool.
 */
export async function formPool(proposal: PoolProposal, seats: SeatPlan[]): Promise<Pool> {
  await proposePool(proposal, seats);
  let pool: Pool | undefined;
  for (const [i, seat] of seats.entries()) {
    const joined = await joinPool(seat, proposal.id, i);
    expect(joined.status, JSON.stringify(joined.body)).to.equal(200);
    pool = joined.body.pool;
  }
  expect(pool?.state).to.equal('READY');
  if (!pool) throw new Error('no seat joined');
  return pool;
}

/** One seat's join through its app (its stake, if any, signed for by that member). */
export function joinPool(seat: SeatPlan, poolId: string, index: number, stake = seat.stake) {
  return call<{ pool: Pool }>(
    seat.app,
    'POST',
    `${POOLS}/{poolId}/join`,
    { ...ch, poolId },
    {
      user: seat.user,
      json: { datasetId: `${poolId}-${String(index)}`, ...(stake === undefined ? {} : { stake }) },
    },
  );
}

/** The buyer's side of joint trades, through its app's routes. */
export class PoolBuyer {
  constructor(readonly app: AppHandle) {}

  async trade(tradeId: string): Promise<PoolTrade> {
    return (await call<PoolTrade>(this.app, 'GET', TRADE, { ...ch, tradeId })).body;
  }

  async untilTrade(
    tradeId: string,
    accept: (t: PoolTrade) => boolean,
    what: string,
  ): Promise<PoolTrade> {
    await until(async () => accept(await this.trade(tradeId)), what);
    return this.trade(tradeId);
  }

  /** Buys at the pool's terms; resolves with the trade id once PAID (not waiting for bundles). */
  async buy(pool: Pool, rounds = 1): Promise<string> {
    const bought = await call<PoolTrade>(
      this.app,
      'POST',
      `${POOLS}/{poolId}/trades`,
      { ...ch, poolId: pool.id },
      { json: { rounds, expectedPrice: pool.price, expectedDeposit: pool.deposit } },
    );
    expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
    return bought.body.tradeId;
  }

  /** One seat's bundle, fetched from `appUrl` through the buyer's app (checked against the chain). */
  async bundle(tradeId: string, seat: number, appUrl: string): Promise<Buffer> {
    const fetched = await call(
      this.app,
      'GET',
      BUNDLE,
      { ...ch, tradeId, seat: String(seat) },
      { query: { appUrl } },
    );
    expect(fetched.status, JSON.stringify(fetched.body)).to.equal(200);
    return fetched.bytes ?? Buffer.alloc(0);
  }

  /**
   * One round's partials: per seat, its bundle from its app, `compute` on it, the partial
   * uploaded to that app. Resolves with what SubmitPartials records.
   */
  async uploadPartials(
    tradeId: string,
    round: number,
    apps: AppHandle[],
    compute: (bundle: Buffer, seat: number) => Promise<{ bytes: Uint8Array; valueCount: number }>,
  ): Promise<{ valueCount: number; partialHashes: string[] }> {
    const partialHashes: string[] = [];
    let valueCount = 0;
    for (const [seat, app] of apps.entries()) {
      const partial = await compute(await this.bundle(tradeId, seat, app.url), seat);
      const uploaded = await call<{ sha256: string }>(
        this.app,
        'PUT',
        PARTIAL,
        { ...ch, tradeId, round: String(round), seat: String(seat) },
        { query: { appUrl: app.url }, raw: partial.bytes },
      );
      expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(201);
      partialHashes.push(uploaded.body.sha256);
      valueCount = partial.valueCount;
    }
    return { valueCount, partialHashes };
  }

  async submitPartials(
    tradeId: string,
    round: number,
    partials: { valueCount: number; partialHashes: string[] },
  ): Promise<PoolTrade> {
    const submitted = await call<PoolTrade>(
      this.app,
      'POST',
      `${TRADE}/rounds/{round}/partials`,
      { ...ch, tradeId, round: String(round) },
      { json: partials },
    );
    expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
    return submitted.body;
  }

  /** One whole round: the partials uploaded, then recorded on chain. */
  async round(
    tradeId: string,
    round: number,
    apps: AppHandle[],
    compute: (bundle: Buffer, seat: number) => Promise<{ bytes: Uint8Array; valueCount: number }>,
  ): Promise<PoolTrade> {
    const partials = await this.uploadPartials(tradeId, round, apps, compute);
    return this.submitPartials(tradeId, round, partials);
  }

  async aggregate(tradeId: string, round: number) {
    const reply = await call<{
      values: number[];
      coalitions: { coalition: number; values: number[] }[];
    }>(this.app, 'GET', AGGREGATE, { ...ch, tradeId, round: String(round) });
    expect(reply.status, JSON.stringify(reply.body)).to.equal(200);
    return reply.body;
  }
}

/** A pass-through partial (e2e-support's plainTestCrypto): the values it "decrypts" to. */
export function plainPartial(values: number[]): { bytes: Uint8Array; valueCount: number } {
  return { bytes: Buffer.from(JSON.stringify({ values })), valueCount: values.length };
}

/** A pass-through partial of one seat: [seat, its row count] (read from its plain bundle). */
export function passThrough(bundle: Buffer, seat: number) {
  const { rows } = JSON.parse(bundle.toString()) as { rows: number };
  return Promise.resolve(plainPartial([seat, rows]));
}

/** The contract's refusal of a direct call (a test failure if it was not refused). */
export async function refusal(promise: Promise<unknown>): Promise<ContractRefusal> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ContractRefusal) return error;
    throw error;
  }
  throw new Error('expected the contract to refuse');
}

/** A user's balance on the channel, read through an app that holds the user. */
export async function balanceOf(app: AppHandle, user: string): Promise<bigint> {
  const reply = await call<{ balance: string }>(app, 'GET', '/api/channels/{channel}/account', ch, {
    user,
  });
  expect(reply.status, JSON.stringify(reply.body)).to.equal(200);
  return BigInt(reply.body.balance);
}

/** The auditor's supply audit through its app: balances + escrow = supply, no problem found. */
export async function expectSupplyBalanced(auditor: AppHandle): Promise<void> {
  const audit = await call<{ balanced: boolean; problems: string[] }>(
    auditor,
    'GET',
    '/api/channels/{channel}/audit/supply',
    ch,
  );
  expect(audit.status).to.equal(200);
  expect(audit.body.balanced, JSON.stringify(audit.body)).to.equal(true);
  expect(audit.body.problems).to.deep.equal([]);
}
