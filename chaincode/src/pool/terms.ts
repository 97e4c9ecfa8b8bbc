// Checking a pool proposal and a member's join request.
import { createHash } from 'node:crypto';
import { MAX_AMOUNT, parseAmount } from '../amount.js';
import { MAX_COLUMNS, MAX_DURATION_SECONDS } from '../constants.js';
import { quote } from '../errors.js';
import { accountIdArg } from '../ledger.js';
import { identifier, invalid, onlyKeys, positiveIntField, sha256Hex, text } from '../validate.js';
import {
  MAX_COMPUTATION_POLICY,
  MAX_FRACTIONAL_BITS,
  MAX_POOL_MEMBERS,
  MAX_POOL_ROUNDS,
  MAX_SHAPLEY_MEMBERS,
} from './limits.js';
import {
  SPLIT_RULES,
  type AggregationBounds,
  type PoolInvite,
  type PoolJoinInput,
  type SplitRule,
} from './types.js';

export const PROPOSAL_FIELDS = [
  'id',
  'title',
  'description',
  'columns',
  'price',
  'deposit',
  'maxRounds',
  'deliverWithin',
  'partialsWithin',
  'sharesWithin',
  'leakageBound',
  'ckksPreset',
  'computationPolicy',
  'aggregation',
  'splitRule',
  'invites',
  'stakes',
] as const;

function object(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${name} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function array(name: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw invalid(`${name} must be a JSON array`);
  return value;
}

export function parseColumns(value: unknown): string[] {
  const raw = array('columns', value);
  if (raw.length === 0) throw invalid('columns is empty: list at least one column');
  if (raw.length > MAX_COLUMNS) {
    throw invalid(`columns has ${raw.length} names; the limit is ${MAX_COLUMNS}`);
  }
  const columns = raw.map((c, i) => text(`columns[${i}]`, c, { max: 128 }));
  if (new Set(columns).size !== columns.length) throw invalid('columns names a column twice');
  return columns;
}

/** The hash every member's schemaHash must match: SHA-256 of JSON.stringify(columns). */
export function schemaHashOf(columns: string[]): string {
  return createHash('sha256').update(JSON.stringify(columns), 'utf8').digest('hex');
}

export function parseSplitRule(value: unknown): SplitRule {
  if (typeof value !== 'string' || !(SPLIT_RULES as readonly string[]).includes(value)) {
    throw invalid(`splitRule must be one of ${SPLIT_RULES.join(', ')}`);
  }
  return value as SplitRule;
}

/** Any JSON object or string: the contract keeps it for the apps, which enforce it. */
export function parsePolicy(value: unknown): unknown {
  if (value === undefined || value === null) {
    throw invalid('computationPolicy is missing: give the policy object the members enforce');
  }
  if (typeof value !== 'object' && typeof value !== 'string') {
    throw invalid('computationPolicy must be a JSON object or string');
  }
  const size = JSON.stringify(value).length;
  if (size > MAX_COMPUTATION_POLICY) {
    throw invalid(
      `computationPolicy is ${size} characters of JSON; the limit is ${MAX_COMPUTATION_POLICY}`,
    );
  }
  return value;
}

export function parseAggregation(value: unknown): AggregationBounds {
  const raw = object('aggregation', value);
  onlyKeys('aggregation', raw, ['valueBound', 'fractionalBits']);
  const { valueBound, fractionalBits } = raw;
  if (
    typeof valueBound !== 'number' ||
    !Number.isFinite(valueBound) ||
    valueBound <= 0 ||
    valueBound > Number.MAX_SAFE_INTEGER
  ) {
    // The cap keeps the members' ring (bound · 2^fractionalBits · members) to a few hundred bits.
    throw invalid(
      `aggregation.valueBound must be a positive number up to ${Number.MAX_SAFE_INTEGER}`,
    );
  }
  if (
    typeof fractionalBits !== 'number' ||
    !Number.isInteger(fractionalBits) ||
    fractionalBits < 0 ||
    fractionalBits > MAX_FRACTIONAL_BITS
  ) {
    throw invalid(
      `aggregation.fractionalBits must be a whole number from 0 to ${MAX_FRACTIONAL_BITS}`,
    );
  }
  return { valueBound, fractionalBits };
}

function parseInvite(value: unknown, i: number): PoolInvite {
  const raw = object(`invites[${i}]`, value);
  if ('account' in raw && !('msp' in raw)) {
    onlyKeys(`invites[${i}]`, raw, ['account']);
    return { account: accountIdArg(`invites[${i}].account`, raw.account) };
  }
  if ('msp' in raw && !('account' in raw)) {
    onlyKeys(`invites[${i}]`, raw, ['msp']);
    return { msp: identifier(`invites[${i}].msp`, raw.msp) };
  }
  throw invalid(`invites[${i}] must be {"account": "<account id>"} or {"msp": "<MSP id>"}`);
}

export function parseInvites(value: unknown, lead: string, rule: SplitRule): PoolInvite[] {
  const raw = array('invites', value);
  const seats = raw.length + 1;
  const limit = rule === 'shapley-f1' ? MAX_SHAPLEY_MEMBERS : MAX_POOL_MEMBERS;
  if (raw.length === 0) throw invalid('invites is empty: a pool needs at least one co-seller');
  if (seats > limit) {
    throw invalid(`a ${rule} pool has at most ${limit} seats (lead included); ${seats} asked`);
  }
  const invites = raw.map(parseInvite);
  const accounts = invites.flatMap((inv) => ('account' in inv ? [inv.account] : []));
  if (accounts.includes(lead)) throw invalid('invites names the lead, who already holds seat 0');
  if (new Set(accounts).size !== accounts.length) throw invalid('invites names an account twice');
  return invites;
}

export function parseStakes(value: unknown, rule: SplitRule, seats: number): string[] | null {
  if (rule !== 'stake') {
    if (value !== undefined) throw invalid(`stakes are only for the stake rule, not ${rule}`);
    return null;
  }
  const raw = array('stakes', value);
  if (raw.length !== seats) {
    throw invalid(`stakes has ${raw.length} weights; the pool has ${seats} seats (lead first)`);
  }
  return raw.map((s, i) => parseAmount(`stakes[${i}]`, s).toString());
}

export function parseDuration(name: string, value: unknown): number {
  return positiveIntField(`${name} (seconds)`, value, MAX_DURATION_SECONDS);
}

export function parseRoundsField(value: unknown): number {
  return positiveIntField('maxRounds', value, MAX_POOL_ROUNDS);
}

/** price × maxRounds + deposit must fit the escrow cap. */
export function parsePricing(
  priceRaw: unknown,
  depositRaw: unknown,
  maxRounds: number,
): { price: string; deposit: string } {
  const price = parseAmount('price', priceRaw);
  const deposit = parseAmount('deposit', depositRaw ?? '0', true);
  if (price * BigInt(maxRounds) + deposit > MAX_AMOUNT) {
    throw invalid(`price × maxRounds + deposit exceeds the maximum escrow ${MAX_AMOUNT}`);
  }
  return { price: price.toString(), deposit: deposit.toString() };
}

/** A raw X25519 public key: 32 bytes in standard padded base64 (44 characters). */
export function maskKey(value: unknown): string {
  const s = text('maskPublicKey', value, { max: 44 });
  if (!/^[A-Za-z0-9+/]{43}=$/.test(s) || Buffer.from(s, 'base64').length !== 32) {
    throw invalid(
      'maskPublicKey must be a raw 32-byte X25519 public key in base64 (44 characters)',
    );
  }
  return s;
}

export function parseJoin(
  raw: Record<string, unknown>,
  poolSchemaHash: string,
  seatStake: string | null,
): PoolJoinInput {
  onlyKeys('join', raw, ['rowCount', 'schemaHash', 'maskPublicKey', 'stake']);
  const rowCount = positiveIntField('rowCount', raw.rowCount);
  const schemaHash = sha256Hex('schemaHash', raw.schemaHash);
  if (schemaHash !== poolSchemaHash) {
    throw invalid(
      `schemaHash ${quote(schemaHash, 16)} is not the pool's ${quote(poolSchemaHash, 16)}: the dataset's columns must be the pool's, in order (SHA-256 of JSON.stringify(columns))`,
    );
  }
  const maskPublicKey = maskKey(raw.maskPublicKey);
  if (seatStake === null) {
    if (raw.stake !== undefined)
      throw invalid('this pool does not split by stake: leave stake out');
    return { rowCount, schemaHash, maskPublicKey };
  }
  const stake = parseAmount('stake', raw.stake).toString();
  if (stake !== seatStake) {
    throw invalid(`stake ${stake} is not the ${seatStake} the proposal fixed for this seat`);
  }
  return { rowCount, schemaHash, maskPublicKey, stake };
}
