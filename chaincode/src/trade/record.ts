import { ContractError, quote } from '../errors.js';
import { INDEX_VALUE, TRADE, TRADE_BY_BUYER, TRADE_BY_SELLER, TRADE_BY_STATE } from '../keys.js';
import type { Tx } from '../ledger.js';
import { recordChange } from '../totals.js';
import type { Trade } from '../types.js';
import { identifier } from '../validate.js';

/** Where a trade record lives: one key per trade, named by its trade id. */
export function tradeKey(tx: Tx, tradeId: string): string {
  return tx.key(TRADE, [tradeId]);
}

export function tradeIdArg(value: string): string {
  return identifier('tradeId', value, 128);
}

export async function getTrade(tx: Tx, tradeIdRaw: string): Promise<Trade> {
  const tradeId = tradeIdArg(tradeIdRaw);
  const trade = await tx.getJson<Trade>(tradeKey(tx, tradeId));
  if (!trade) throw new ContractError('NOT_FOUND', `no trade with id ${quote(tradeId)}`);
  return trade;
}

export type TradeIndex = 'dataset' | 'buyer' | 'seller' | 'state';

/**
 * Writes every index entry of a new trade (transition() moves the state entry later) and
 * adds its escrow to the running totals. The seller's entry is keyed seller, dataset, trade:
 * its prefix [seller] lists the seller's trades and [seller, dataset] one listing's, so one
 * entry serves both (each entry is a round trip to the peer on the purchase path).
 */
export async function putIndexes(tx: Tx, trade: Trade): Promise<void> {
  recordChange(tx, { escrow: BigInt(trade.escrow), trades: 1n, openTrades: 1n });
  await tx.putText(tx.key(TRADE_BY_BUYER, [trade.buyer, trade.tradeId]), INDEX_VALUE);
  await tx.putText(
    tx.key(TRADE_BY_SELLER, [trade.seller, trade.datasetId, trade.tradeId]),
    INDEX_VALUE,
  );
  await tx.putText(tx.key(TRADE_BY_STATE, [trade.state, trade.tradeId]), INDEX_VALUE);
}
