import { ContractError, quote } from '../errors.js';
import { RESULT } from '../keys.js';
import { accountIdArg, drain, timestampMs, type Tx } from '../ledger.js';
import {
  isTradeState,
  type Listing,
  TRADE_STATES,
  type DeliveredResult,
  type Page,
  type Trade,
  type TradeHistoryEntry,
} from '../types.js';
import {
  bookmark as bookmarkArg,
  identifier,
  invalid,
  pageSize as pageSizeArg,
} from '../validate.js';
import { TRADE_BY_BUYER, TRADE_BY_SELLER, TRADE_BY_STATE } from '../keys.js';
import { listingKey } from '../listing.js';
import { tradeIdArg, tradeKey, type TradeIndex } from './record.js';

export async function getDeliveredResult(tx: Tx, tradeIdRaw: string): Promise<DeliveredResult> {
  const tradeId = tradeIdArg(tradeIdRaw);
  const result = await tx.getJson<DeliveredResult>(tx.key(RESULT, [tradeId]));
  if (!result) {
    throw new ContractError('NOT_FOUND', `trade ${quote(tradeId)} has no delivered result`);
  }
  return result;
}

/** Every committed version of the trade, oldest first (Fabric returns newest first). */
export async function getTradeHistory(tx: Tx, tradeIdRaw: string): Promise<TradeHistoryEntry[]> {
  const tradeId = tradeIdArg(tradeIdRaw);
  const iterator = await tx.stub.getHistoryForKey(tradeKey(tx, tradeId));
  const entries: TradeHistoryEntry[] = [];
  const decoder = new TextDecoder();
  for await (const m of drain(iterator)) {
    // A delete's entry carries empty bytes.
    const value = m.value.length > 0 ? decoder.decode(m.value) : '';
    entries.push({
      txId: m.txId,
      timestamp: timestampMs(m.timestamp),
      isDelete: m.isDelete,
      trade: m.isDelete || value === '' ? null : (JSON.parse(value) as Trade),
    });
  }
  if (entries.length === 0) {
    throw new ContractError('NOT_FOUND', `no committed history for trade ${quote(tradeId)}`);
  }
  return entries.reverse();
}

/**
 * The index and key prefix a query scans, its argument checked the way the index needs it.
 * A listing's trades sit under its seller's entries (record.ts putIndexes), so the dataset
 * query reads the listing for its seller first; an unknown listing has no trades (undefined).
 */
async function indexPrefix(
  tx: Tx,
  index: TradeIndex,
  valueArg: string,
): Promise<{ objectType: string; attributes: string[] } | undefined> {
  switch (index) {
    case 'dataset': {
      const datasetId = identifier('datasetId', valueArg);
      const listing = await tx.getJson<Listing>(listingKey(tx, datasetId));
      if (!listing) return undefined;
      return { objectType: TRADE_BY_SELLER, attributes: [listing.seller, listing.id] };
    }
    case 'buyer':
      return { objectType: TRADE_BY_BUYER, attributes: [accountIdArg('buyer', valueArg)] };
    case 'seller':
      return { objectType: TRADE_BY_SELLER, attributes: [accountIdArg('seller', valueArg)] };
    case 'state':
      if (!isTradeState(valueArg)) {
        throw invalid(
          `state ${quote(valueArg)} is not a trade state; use one of ${TRADE_STATES.join(', ')}`,
        );
      }
      return { objectType: TRADE_BY_STATE, attributes: [valueArg] };
  }
}

export async function listTrades(
  tx: Tx,
  index: TradeIndex,
  valueArg: string,
  size: string,
  bookmarkRaw: string,
): Promise<Page<Trade>> {
  const prefix = await indexPrefix(tx, index, valueArg);
  const limit = pageSizeArg(size);
  if (!prefix) {
    bookmarkArg(bookmarkRaw, '');
    return { records: [], fetchedRecordsCount: 0, bookmark: '' };
  }
  const { objectType, attributes } = prefix;
  const bookmark = bookmarkArg(bookmarkRaw, tx.key(objectType, attributes));
  const page = await tx.page(objectType, attributes, limit, bookmark);
  const records: Trade[] = [];
  for (const entry of page.records) {
    const { attributes } = tx.stub.splitCompositeKey(entry.key);
    const tradeId = attributes[attributes.length - 1];
    if (tradeId === undefined) throw new Error(`corrupt index key under ${objectType}`);
    const trade = await tx.getJson<Trade>(tradeKey(tx, tradeId));
    if (!trade) throw new Error(`corrupt index: ${objectType} names missing trade ${tradeId}`);
    records.push(trade);
  }
  return { records, fetchedRecordsCount: page.fetchedRecordsCount, bookmark: page.bookmark };
}
