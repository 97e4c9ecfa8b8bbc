/**
 * Running totals of supply, balances and escrow without a hot key: every transaction that
 * moves tokens blind-writes one delta key of its own (totals/delta/<minute>/<txId>), and an
 * auditor folds the checkpoint plus the deltas written since. CheckpointSupply folds deltas of
 * minutes long past (no transaction can still write there, so its range read meets no
 * phantom) into the checkpoint and deletes them: an audit costs the deltas since the last
 * checkpoint, not the whole ledger.
 */
import {
  SUPPLY_KEY,
  TOTALS_CHECKPOINT_KEY,
  TOTALS_DELTA_END,
  TOTALS_DELTA_PREFIX,
} from './keys.js';
import { ContractError } from './errors.js';
import type { Tx } from './ledger.js';

/** One transaction's change (or a sum of them): supply = balances + escrow must hold for each. */
export interface Totals {
  supply: bigint;
  balances: bigint;
  escrow: bigint;
  trades: bigint;
  openTrades: bigint;
}

const FIELDS = ['supply', 'balances', 'escrow', 'trades', 'openTrades'] as const;
const MINUTE_MS = 60_000;
const ZERO: Totals = { supply: 0n, balances: 0n, escrow: 0n, trades: 0n, openTrades: 0n };
const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/** What this transaction changed so far (kept until the transaction ends). */
const pending = new WeakMap<Tx, Totals>();

function minuteOf(ms: number): string {
  return String(Math.floor(ms / MINUTE_MS)).padStart(12, '0');
}

function deltaKey(tx: Tx): string {
  return `${TOTALS_DELTA_PREFIX}${minuteOf(tx.now)}/${tx.txId}`;
}

function add(a: Totals, b: Partial<Totals>): Totals {
  const sum = { ...a };
  for (const f of FIELDS) sum[f] += b[f] ?? 0n;
  return sum;
}

function encode(t: Totals): string {
  return JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, t[f].toString()])));
}

/** Parses a stored totals record; undefined when malformed. */
function decodeTotals(raw: string): Totals | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const t = { ...ZERO };
  for (const f of FIELDS) {
    const v: unknown = (parsed as Record<string, unknown>)[f];
    if (typeof v !== 'string' || !INTEGER.test(v)) return undefined;
    t[f] = BigInt(v);
  }
  return t;
}

/**
 * Adds to this transaction's delta. Its one delta key is written when the transaction ends,
 * and not at all when the changes cancel out (a transfer moves no total).
 */
export function recordChange(tx: Tx, change: Partial<Totals>): void {
  const next = add(pending.get(tx) ?? ZERO, change);
  pending.set(tx, next);
  tx.putAtEnd(deltaKey(tx), FIELDS.every((f) => next[f] === 0n) ? undefined : encode(next));
}

interface Checkpoint extends Record<string, unknown> {
  throughMinute: string;
  txId: string;
}

export interface TotalsFold {
  totals: Totals;
  deltas: number;
  checkpointTxId: string | null;
  problems: string[];
}

/** Checkpoint + every delta key below `end`, each checked for its own balance. */
async function fold(tx: Tx, end: string): Promise<TotalsFold & { keys: string[] }> {
  const problems: string[] = [];
  const raw = await tx.getText(TOTALS_CHECKPOINT_KEY);
  let totals = ZERO;
  let checkpointTxId: string | null = null;
  if (raw !== undefined) {
    const parsed = decodeTotals(raw);
    if (parsed) totals = parsed;
    else problems.push(`the totals checkpoint holds ${JSON.stringify(raw)}`);
    checkpointTxId = (JSON.parse(raw) as Partial<Checkpoint>).txId ?? null;
  }
  const keys: string[] = [];
  for await (const { key, value } of tx.range(TOTALS_DELTA_PREFIX, end)) {
    keys.push(key);
    const delta = decodeTotals(value);
    if (!delta) {
      problems.push(`delta ${JSON.stringify(key)} holds ${JSON.stringify(value)}`);
      continue;
    }
    if (delta.supply !== delta.balances + delta.escrow) {
      problems.push(
        `delta ${JSON.stringify(key)}: supply ${delta.supply} ≠ balances ${delta.balances} + escrow ${delta.escrow}`,
      );
    }
    totals = add(totals, delta);
  }
  return { totals, deltas: keys.length, checkpointTxId, problems, keys };
}

export interface TotalsAudit {
  totalSupply: string;
  sumOfBalances: string;
  sumOfEscrow: string;
  trades: string;
  openTrades: string;
  /** Delta keys folded by this call (those written since the last checkpoint). */
  deltas: number;
  checkpointTxId: string | null;
  balanced: boolean;
  problems: string[];
}

/** The running totals now, checked against the supply key; costs the deltas since checkpoint. */
export async function auditTotals(tx: Tx): Promise<TotalsAudit> {
  const { totals, deltas, checkpointTxId, problems } = await fold(tx, TOTALS_DELTA_END);
  const rawSupply = await tx.getText(SUPPLY_KEY);
  const supply = rawSupply === undefined ? 0n : BigInt(rawSupply);
  if (supply !== totals.supply) {
    problems.push(`total supply ${supply} ≠ running total of supply ${totals.supply}`);
  }
  if (totals.supply !== totals.balances + totals.escrow) {
    problems.push(
      `running totals: supply ${totals.supply} ≠ balances ${totals.balances} + escrow ${totals.escrow}`,
    );
  }
  if (totals.balances < 0n || totals.escrow < 0n || totals.openTrades < 0n) {
    problems.push('running totals: a negative sum');
  }
  return {
    totalSupply: supply.toString(),
    sumOfBalances: totals.balances.toString(),
    sumOfEscrow: totals.escrow.toString(),
    trades: totals.trades.toString(),
    openTrades: totals.openTrades.toString(),
    deltas,
    checkpointTxId,
    balanced: problems.length === 0,
    problems,
  };
}

/**
 * Folds the deltas of every minute that ended more than `settleMs` ago into the checkpoint.
 * `settleMs` exceeds the clock-skew limit, so no transaction can still write there.
 */
export async function checkpointTotals(
  tx: Tx,
  settleMs: number,
): Promise<{ folded: number; throughMinute: string; totals: Record<string, string> }> {
  const end = `${TOTALS_DELTA_PREFIX}${minuteOf(tx.now - settleMs)}/`;
  const { totals, keys, problems } = await fold(tx, end);
  if (problems.length > 0) {
    // Never fold a malformed or unbalanced delta away: the auditor must still see it.
    throw new ContractError('WRONG_STATE', `CheckpointSupply refused: ${problems.join('; ')}`);
  }
  for (const key of keys) await tx.delete(key);
  const throughMinute = minuteOf(tx.now - settleMs);
  const record = JSON.parse(encode(totals)) as Record<string, string>;
  await tx.putText(
    TOTALS_CHECKPOINT_KEY,
    JSON.stringify({ ...record, throughMinute, txId: tx.txId }),
  );
  return { folded: keys.length, throughMinute, totals: record };
}
