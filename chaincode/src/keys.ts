/**
 * World-state layout. Simple keys for the two singletons; composite keys (fabric-shim's
 * "\u0000type\u0000attr\u0000…" encoding) for everything with an id, so each kind can be scanned
 * by prefix on LevelDB without rich queries.
 *
 * | key                                   | value                                   | written by          |
 * | ------------------------------------- | --------------------------------------- | ------------------- |
 * | config                                | Config JSON                             | Initialize          |
 * | supply                                | total supply, decimal string            | Mint, MintTo, Burn  |
 * | balance[accountId]                    | compacted base balance, decimal string  | debits, compaction  |
 * | credit[accountId, txId, n]            | one credit, decimal string (blind write)| credits             |
 * | listing[datasetId]                    | Listing JSON                            | listing functions   |
 * | trade[tradeId]                        | Trade JSON (holds the trade's escrow)   | trade functions     |
 * | result[tradeId]                       | DeliveredResult JSON                    | DeliverResult       |
 * | trade-by-seller[seller, datasetId, tradeId] | "\u0000" (by seller; by listing) | Purchase            |
 * | trade-by-state[state, buyer, tradeId] | "\u0000" (by state; by buyer)          | every transition    |
 * | totals/delta/<minute>/<txId>          | one tx's change to the running totals   | token moves, trades |
 * | totals/checkpoint                     | running totals folded so far            | CheckpointSupply    |
 *
 * A balance is its compacted base plus every credit key of the account: a payout, refund or
 * transfer in never reads the balance, so credits to one account never conflict.
 *
 * A buyer's trades have no index of their own: they are the prefixes [state, buyer] of the
 * state index, one per state, read in turn (trade/queries.ts). That saves Purchase a write, a
 * round trip to the peer and a key for every peer to commit.
 */
export const CONFIG_KEY = 'config';
export const SUPPLY_KEY = 'supply';

export const BALANCE = 'balance';
export const CREDIT = 'credit';
export const LISTING = 'listing';
export const TRADE = 'trade';
export const RESULT = 'result';
export const TRADE_BY_SELLER = 'trade-by-seller';
export const TRADE_BY_STATE = 'trade-by-state';

/** Index entries carry no data; Fabric treats an empty value as a delete, so store one NUL. */
export const INDEX_VALUE = '\u0000';

/** Running totals: simple keys so that a range scan (allowed in a submit) can walk them. */
export const TOTALS_DELTA_PREFIX = 'totals/delta/';
/** Just after every delta key in key order ('0' follows '/'). */
export const TOTALS_DELTA_END = 'totals/delta0';
export const TOTALS_CHECKPOINT_KEY = 'totals/checkpoint';
