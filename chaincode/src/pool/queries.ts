// What auditors and parties read: joint trades by pool or party, and a round's shares.
import { ContractError } from '../errors.js';
import { accountIdArg, type Tx } from '../ledger.js';
import { getConfig } from '../token.js';
import type { Page } from '../types.js';
import {
  bookmark as bookmarkArg,
  identifier,
  pageSize as pageSizeArg,
  positiveIntArg,
} from '../validate.js';
import {
  getPoolTrade,
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

/**
 * Every member's share of one round submitted so far, in seat order: for the trade's buyer, its
 * members and the issuer org (the auditors); anyone else is refused (FORBIDDEN). The shares are
 * ciphertext to the buyer's key, but who shared what and when is still the parties' business.
 */
export async function getPoolShares(
  tx: Tx,
  tradeIdArg: string,
  roundArg: string,
): Promise<PoolShare[]> {
  const tradeId = identifier('tradeId', tradeIdArg, 128);
  const round = positiveIntArg('round', roundArg);
  const trade = await getPoolTrade(tx, tradeId);
  const config = await getConfig(tx);
  const party = tx.caller === trade.buyer || trade.members.some((m) => m.account === tx.caller);
  if (!party && tx.callerMsp !== config?.issuerMspId) {
    throw new ContractError(
      'FORBIDDEN',
      `joint trade ${trade.tradeId}: its shares are read only by its buyer, its members and the auditors (org ${String(config?.issuerMspId)})`,
    );
  }
  const shares: PoolShare[] = [];
  for await (const { value } of tx.scan(POOL_SHARE, [tradeId, String(round).padStart(6, '0')])) {
    shares.push(JSON.parse(value) as PoolShare);
  }
  return shares;
}
