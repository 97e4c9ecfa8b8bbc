import { ContractError, quote } from '../errors.js';
import { INDEX_VALUE, TRADE, TRADE_BY_SELLER, TRADE_BY_STATE } from '../keys.js';
import type { Tx } from '../ledger.js';
import { recordChange } from '../totals.js';
import type { Trade } from '../types.js';
import { identifier } from '../validate.js';

/** Where a trade record lives: one key per trade, named by its trade id. */
export function tradeKey(tx: Tx, tradeId: string): string {
  return tx.key(TRADE, [tradeId]);
}

/** The Trade fields later steps fill in: null until then, and left out of the stored record. */
const LATER_FIELDS = [
  'deliveredAt',
  'bundleHash',
  'bundleBytes',
  'resultBy',
  'resultSubmittedAt',
  'resultHash',
  'valueCount',
  'decryptBy',
  'closedAt',
  'resultDigest',
  'encryptedResultSha256',
  'rejectReason',
  'refundBasis',
  'computation',
] as const satisfies readonly (keyof Trade)[];
const LATER_FIELD_SET = new Set<string>(LATER_FIELDS);

/**
 * Writes the trade record without its unset (null) later fields. A new trade has fourteen of
 * them, about 270 bytes that every peer would otherwise unmarshal, hash and store in each block.
 */
export async function putTrade(tx: Tx, trade: Trade): Promise<void> {
  const stored = Object.fromEntries(
    Object.entries(trade).filter(([field, value]) => value !== null || !LATER_FIELD_SET.has(field)),
  );
  await tx.putJson(tradeKey(tx, trade.tradeId), stored);
}

/** A stored trade record as every reader gets it: unset later fields are null again. */
export function tradeFromStored(json: string): Trade {
  const trade = JSON.parse(json) as Record<string, unknown>;
  for (const field of LATER_FIELDS) trade[field] ??= null;
  return trade as unknown as Trade;
}

/** The trade with this (already checked) id, or undefined. */
export async function findTrade(tx: Tx, tradeId: string): Promise<Trade | undefined> {
  const json = await tx.getText(tradeKey(tx, tradeId));
  return json === undefined ? undefined : tradeFromStored(json);
}

export function tradeIdArg(value: string): string {
  return identifier('tradeId', value, 128);
}

export async function getTrade(tx: Tx, tradeIdRaw: string): Promise<Trade> {
  const tradeId = tradeIdArg(tradeIdRaw);
  const trade = await findTrade(tx, tradeId);
  if (!trade) throw new ContractError('NOT_FOUND', `no trade with id ${quote(tradeId)}`);
  return trade;
}

export type TradeIndex = 'dataset' | 'buyer' | 'seller' | 'state';

/**
 * The trade's entry in the state index, keyed state, buyer, trade: its prefix [state] lists
 * the trades in a state and [state, buyer] a buyer's trades in it, so one entry serves both.
 */
export function stateIndexKey(tx: Tx, state: Trade['state'], trade: Trade): string {
  return tx.key(TRADE_BY_STATE, [state, trade.buyer, trade.tradeId]);
}

/**
 * Writes every index entry of a new trade (transition() moves the state entry later) and
 * adds its escrow to the running totals. Two entries serve four queries, since each is a round
 * trip to the peer on the purchase path: the seller's [seller, dataset, trade] (prefixes
 * [seller] and [seller, dataset]) and the state's [state, buyer, trade] (prefix [state]; a
 * buyer's trades are [state, buyer] over every state).
 */
export async function putIndexes(tx: Tx, trade: Trade): Promise<void> {
  recordChange(tx, { escrow: BigInt(trade.escrow), trades: 1n, openTrades: 1n });
  await tx.putText(
    tx.key(TRADE_BY_SELLER, [trade.seller, trade.datasetId, trade.tradeId]),
    INDEX_VALUE,
  );
  await tx.putText(stateIndexKey(tx, trade.state, trade), INDEX_VALUE);
}
