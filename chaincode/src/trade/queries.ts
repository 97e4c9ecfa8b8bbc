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
import { TRADE_BY_SELLER, TRADE_BY_STATE } from '../keys.js';
import { listingKey } from '../listing.js';
import { findTrade, tradeFromStored, tradeIdArg, tradeKey, type TradeIndex } from './record.js';

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
      trade: m.isDelete || value === '' ? null : tradeFromStored(value),
    });
  }
  if (entries.length === 0) {
    throw new ContractError('NOT_FOUND', `no committed history for trade ${quote(tradeId)}`);
  }
  return entries.reverse();
}

/** One page of index entries: their keys, and where the next page starts ('' at the end). */
interface EntryPage {
  keys: string[];
  bookmark: string;
}

/**
 * The index and key prefix a query scans, its argument checked the way the index needs it.
 * A listing's trades sit under its seller's entries (record.ts putIndexes), so the dataset
 * query reads the listing for its seller first; an unknown listing has no trades (undefined).
 * A buyer's trades are spread over the state index (buyerPage).
 */
async function indexPrefix(
  tx: Tx,
  index: Exclude<TradeIndex, 'buyer'>,
  valueArg: string,
): Promise<{ objectType: string; attributes: string[] } | undefined> {
  switch (index) {
    case 'dataset': {
      const datasetId = identifier('datasetId', valueArg);
      const listing = await tx.getJson<Listing>(listingKey(tx, datasetId));
      if (!listing) return undefined;
      return { objectType: TRADE_BY_SELLER, attributes: [listing.seller, listing.id] };
    }
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

/** A page of one prefix of one index, as Fabric pages it. */
async function prefixPage(
  tx: Tx,
  index: Exclude<TradeIndex, 'buyer'>,
  valueArg: string,
  limit: number,
  bookmarkRaw: string,
): Promise<EntryPage> {
  const prefix = await indexPrefix(tx, index, valueArg);
  if (!prefix) {
    bookmarkArg(bookmarkRaw, '');
    return { keys: [], bookmark: '' };
  }
  const { objectType, attributes } = prefix;
  const bookmark = bookmarkArg(bookmarkRaw, tx.key(objectType, attributes));
  const page = await tx.page(objectType, attributes, limit, bookmark);
  return { keys: page.records.map((r) => r.key), bookmark: page.bookmark };
}

/**
 * A page of a buyer's trades: the prefixes [state, buyer] of the state index, state after state
 * in TRADE_STATES order. The bookmark is a key under one of those prefixes, so it names the
 * state to resume in; a page that fills at the end of a state hands on the next state's prefix.
 */
async function buyerPage(
  tx: Tx,
  buyerArg: string,
  limit: number,
  bookmarkRaw: string,
): Promise<EntryPage> {
  const buyer = accountIdArg('buyer', buyerArg);
  const prefixes = TRADE_STATES.map((state) => tx.key(TRADE_BY_STATE, [state, buyer]));
  const bookmark = bookmarkArg(bookmarkRaw, '');
  const at = bookmark === '' ? 0 : prefixes.findIndex((prefix) => bookmark.startsWith(prefix));
  if (at < 0) {
    throw invalid(
      'bookmark does not belong to this query: pass the bookmark the previous page returned',
    );
  }
  const keys: string[] = [];
  for (const [i, state] of TRADE_STATES.entries()) {
    if (i < at) continue;
    const from = i === at ? bookmark : '';
    const page = await tx.page(TRADE_BY_STATE, [state, buyer], limit - keys.length, from);
    keys.push(...page.records.map((r) => r.key));
    if (page.bookmark !== '') return { keys, bookmark: page.bookmark };
    if (keys.length >= limit) return { keys, bookmark: prefixes[i + 1] ?? '' };
  }
  return { keys, bookmark: '' };
}

export async function listTrades(
  tx: Tx,
  index: TradeIndex,
  valueArg: string,
  size: string,
  bookmarkRaw: string,
): Promise<Page<Trade>> {
  const limit = pageSizeArg(size);
  const page =
    index === 'buyer'
      ? await buyerPage(tx, valueArg, limit, bookmarkRaw)
      : await prefixPage(tx, index, valueArg, limit, bookmarkRaw);
  const records: Trade[] = [];
  for (const key of page.keys) {
    const { attributes } = tx.stub.splitCompositeKey(key);
    const tradeId = attributes[attributes.length - 1];
    if (tradeId === undefined) throw new Error(`corrupt index key ${JSON.stringify(key)}`);
    const trade = await findTrade(tx, tradeId);
    if (!trade)
      throw new Error(`corrupt index: ${JSON.stringify(key)} names missing trade ${tradeId}`);
    records.push(trade);
  }
  return { records, fetchedRecordsCount: records.length, bookmark: page.bookmark };
}
