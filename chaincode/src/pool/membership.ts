// Forming a pool: the lead proposes it, every invited seat joins, members may leave.
import { ContractError, quote } from '../errors.js';
import type { Tx } from '../ledger.js';
import type { Page } from '../types.js';
import {
  bookmark as bookmarkArg,
  identifier,
  jsonObject,
  onlyKeys,
  pageSize as pageSizeArg,
  positiveIntField,
  text,
} from '../validate.js';
import { MAX_POOL_JSON, POOL_EVENT } from './limits.js';
import { getPool, hasOpenTrade, POOL, poolKey } from './record.js';
import {
  parseAggregation,
  parseColumns,
  parseDuration,
  parseInvites,
  parseJoin,
  parsePolicy,
  parsePricing,
  parseRoundsField,
  parseSplitRule,
  parseStakes,
  PROPOSAL_FIELDS,
  schemaHashOf,
} from './terms.js';
import type { Pool, PoolEvent, PoolEventType, PoolSeat } from './types.js';

function emitPool(tx: Tx, type: PoolEventType, pool: Pool): void {
  const event: PoolEvent = {
    type,
    poolId: pool.id,
    lead: pool.lead,
    account: tx.caller,
    state: pool.state,
    version: pool.version,
    txId: tx.txId,
    timestamp: tx.now,
  };
  tx.emit(POOL_EVENT, event);
}

/** The lead proposes a pool; it holds seat 0 and joins like every other seat. */
export async function proposePool(tx: Tx, json: string): Promise<Pool> {
  const raw = jsonObject('pool proposal', json, MAX_POOL_JSON);
  onlyKeys('pool proposal', raw, PROPOSAL_FIELDS);
  const id = identifier('id', raw.id);
  const title = text('title', raw.title, { max: 200 });
  const description = text('description', raw.description ?? '', {
    min: 0,
    max: 4000,
    multiline: true,
  });
  const columns = parseColumns(raw.columns);
  const maxRounds = parseRoundsField(raw.maxRounds);
  const { price, deposit } = parsePricing(raw.price, raw.deposit, maxRounds);
  const splitRule = parseSplitRule(raw.splitRule);
  const invites = parseInvites(raw.invites, tx.caller, splitRule);
  const stakes = parseStakes(raw.stakes, splitRule, invites.length + 1);
  const seats: PoolSeat[] = [{ lead: tx.caller }, ...invites].map((invite, i) => ({
    invite,
    stake: stakes?.[i] ?? null,
    member: null,
  }));
  const pool: Pool = {
    docType: 'pool',
    id,
    lead: tx.caller,
    state: 'FORMING',
    title,
    description,
    schema: { columns },
    schemaHash: schemaHashOf(columns),
    price,
    deposit,
    maxRounds,
    deliverWithin: parseDuration('deliverWithin', raw.deliverWithin),
    partialsWithin: parseDuration('partialsWithin', raw.partialsWithin),
    sharesWithin: parseDuration('sharesWithin', raw.sharesWithin),
    leakageBound: positiveIntField('leakageBound', raw.leakageBound),
    ckksPreset: identifier('ckksPreset', raw.ckksPreset, 64),
    computationPolicy: parsePolicy(raw.computationPolicy),
    aggregation: parseAggregation(raw.aggregation),
    splitRule,
    disclosure: splitRule === 'shapley-f1' ? 'aggregate-and-coalition-aggregates' : 'aggregate',
    seats,
    version: 1,
    createdAt: tx.now,
    updatedAt: tx.now,
    lastTxId: tx.txId,
  };
  if (await tx.getBytes(poolKey(tx, id))) {
    throw new ContractError(
      'ALREADY_EXISTS',
      `a pool with id ${quote(id)} exists; ids are never reused`,
    );
  }
  await tx.putJson(poolKey(tx, id), pool);
  emitPool(tx, 'PoolProposed', pool);
  return pool;
}

/** The seat the caller may take: its own account's, else the first free seat of its org. */
function seatFor(tx: Tx, pool: Pool): number {
  const byAccount = pool.seats.findIndex(
    (s) =>
      ('lead' in s.invite && s.invite.lead === tx.caller) ||
      ('account' in s.invite && s.invite.account === tx.caller),
  );
  if (byAccount >= 0) return byAccount;
  const byOrg = pool.seats.findIndex(
    (s) => 'msp' in s.invite && s.invite.msp === tx.callerMsp && s.member === null,
  );
  if (byOrg >= 0) return byOrg;
  throw new ContractError(
    'FORBIDDEN',
    `pool ${quote(pool.id)}: the caller holds no invitation (no seat names its account, and no free seat is open to ${tx.callerMsp})`,
  );
}

function memberSeat(pool: Pool, account: string): number {
  return pool.seats.findIndex((s) => s.member?.account === account);
}

async function savePool(tx: Tx, type: PoolEventType, pool: Pool): Promise<Pool> {
  await tx.putJson(poolKey(tx, pool.id), pool);
  emitPool(tx, type, pool);
  return pool;
}

export async function joinPool(tx: Tx, poolId: string, json: string): Promise<Pool> {
  const raw = jsonObject('join', json, MAX_POOL_JSON);
  const current = await getPool(tx, poolId);
  if (current.state !== 'FORMING') {
    throw new ContractError(
      'WRONG_STATE',
      `pool ${quote(current.id)} is ${current.state}: JoinPool applies only while it is FORMING`,
    );
  }
  if (memberSeat(current, tx.caller) >= 0) {
    throw new ContractError(
      'ALREADY_EXISTS',
      `pool ${quote(current.id)}: the caller is already a member`,
    );
  }
  const seat = seatFor(tx, current);
  const seatRecord = current.seats[seat];
  if (!seatRecord) throw new Error('internal error: seat out of range');
  const input = parseJoin(raw, current.schemaHash, seatRecord.stake);
  const seats = current.seats.map((s, i) =>
    i === seat
      ? {
          ...s,
          member: {
            account: tx.caller,
            rowCount: input.rowCount,
            schemaHash: input.schemaHash,
            maskPublicKey: input.maskPublicKey,
            joinedAt: tx.now,
            txId: tx.txId,
          },
        }
      : s,
  );
  const full = seats.every((s) => s.member !== null);
  return savePool(tx, 'PoolJoined', {
    ...current,
    seats,
    state: full ? 'READY' : 'FORMING',
    version: current.version + 1,
    updatedAt: tx.now,
    lastTxId: tx.txId,
  });
}

/** A member leaves (its seat opens again); the lead leaving closes the pool for good. */
export async function leavePool(tx: Tx, poolId: string): Promise<Pool> {
  const current = await getPool(tx, poolId);
  if (current.state === 'CLOSED') {
    throw new ContractError(
      'WRONG_STATE',
      `pool ${quote(current.id)} is CLOSED: nobody can leave it`,
    );
  }
  const seat = memberSeat(current, tx.caller);
  const isLead = tx.caller === current.lead;
  if (seat < 0 && !isLead) {
    throw new ContractError('FORBIDDEN', `pool ${quote(current.id)}: the caller is not a member`);
  }
  if (await hasOpenTrade(tx, current.id)) {
    throw new ContractError(
      'WRONG_STATE',
      `pool ${quote(current.id)} has an open joint trade: members can leave only while no trade is open`,
    );
  }
  const seats = isLead
    ? current.seats
    : current.seats.map((s, i) => (i === seat ? { ...s, member: null } : s));
  return savePool(tx, isLead ? 'PoolClosed' : 'PoolLeft', {
    ...current,
    seats,
    state: isLead ? 'CLOSED' : 'FORMING',
    version: current.version + 1,
    updatedAt: tx.now,
    lastTxId: tx.txId,
  });
}

export async function listPools(tx: Tx, size: string, bookmark: string): Promise<Page<Pool>> {
  const page = await tx.page(POOL, [], pageSizeArg(size), bookmarkArg(bookmark, tx.key(POOL, [])));
  return {
    records: page.records.map((r) => JSON.parse(r.value) as Pool),
    fetchedRecordsCount: page.fetchedRecordsCount,
    bookmark: page.bookmark,
  };
}

export { getPool };
