// What auditors and parties read: joint trades by pool or party, and a round's shares.
import { accountIdArg, type Tx } from '../ledger.js';
import type { Page } from '../types.js';
import {
  bookmark as bookmarkArg,
  identifier,
  pageSize as pageSizeArg,
  positiveIntArg,
} from '../validate.js';
import {
  POOL_SHARE,
  POOL_TRADE_BY_PARTY,
  POOL_TRADE_BY_POOL,
  poolIdArg,
  poolTradeKey,
} from './record.js';
import type { PoolShare, PoolTrade } from './types.js';

export type PoolTradeIndex = 'pool' | 'party';

export async function listPoolTrades(
  tx: Tx,
  index: PoolTradeIndex,
  valueArg: string,
  size: string,
  bookmarkRaw: string,
): Promise<Page<PoolTrade>> {
  const value = index === 'pool' ? poolIdArg(valueArg) : accountIdArg('account', valueArg);
  const objectType = index === 'pool' ? POOL_TRADE_BY_POOL : POOL_TRADE_BY_PARTY;
  const bookmark = bookmarkArg(bookmarkRaw, tx.key(objectType, [value]));
  const page = await tx.page(objectType, [value], pageSizeArg(size), bookmark);
  const records: PoolTrade[] = [];
  for (const entry of page.records) {
    const { attributes } = tx.stub.splitCompositeKey(entry.key);
    const tradeId = attributes[attributes.length - 1];
    if (tradeId === undefined) throw new Error(`corrupt index key under ${objectType}`);
    const trade = await tx.getJson<PoolTrade>(poolTradeKey(tx, tradeId));
    if (!trade)
      throw new Error(`corrupt index: ${objectType} names missing joint trade ${tradeId}`);
    records.push(trade);
  }
  return { records, fetchedRecordsCount: page.fetchedRecordsCount, bookmark: page.bookmark };
}

/** Every member's share of one round submitted so far, in seat order. */
export async function getPoolShares(
  tx: Tx,
  tradeIdArg: string,
  roundArg: string,
): Promise<PoolShare[]> {
  const tradeId = identifier('tradeId', tradeIdArg, 128);
  const round = positiveIntArg('round', roundArg);
  const shares: PoolShare[] = [];
  for await (const { value } of tx.scan(POOL_SHARE, [tradeId, String(round).padStart(6, '0')])) {
    shares.push(JSON.parse(value) as PoolShare);
  }
  return shares;
}
