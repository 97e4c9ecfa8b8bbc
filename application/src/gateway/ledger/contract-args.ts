import type { PageRequest, TradeFilter } from './market-ledger.js';

/** The contract functions the gateway apps call. */
export type ContractFunction =
  | 'ClientAccountID'
  | 'BalanceOf'
  | 'GetListing'
  | 'ListListings'
  | 'CreateListing'
  | 'UpdateListing'
  | 'Delist'
  | 'Purchase'
  | 'PurchaseAtPrice'
  | 'GetTrade'
  | 'GetTradeHistory'
  | 'ConfirmDelivery'
  | 'SubmitResult'
  | 'SubmitComputedResult'
  | 'RejectUnverifiedResult'
  | 'DeliverResult'
  | 'RejectResult'
  | 'Refund'
  | 'Claim'
  | 'GetDeliveredResult'
  | 'AuditSupply'
  | 'AuditSupplyTotals'
  | 'CheckpointSupply'
  | 'CompactBalance'
  | 'PurchaseOnce'
  | 'RegisterOrgApp'
  | 'GetOrgApp'
  | 'ListOrgApps'
  | (typeof LIST_TRADES)[TradeFilter['by']];

/** The contract's List* page arguments: pageSize ('' = its default) and bookmark. */
export const pageArgs = (page: PageRequest): [string, string] => [
  page.pageSize === undefined ? '' : String(page.pageSize),
  page.bookmark ?? '',
];

const LIST_TRADES = {
  dataset: 'ListTradesByDataset',
  buyer: 'ListTradesByBuyer',
  seller: 'ListTradesBySeller',
  state: 'ListTradesByState',
} as const satisfies Record<TradeFilter['by'], string>;

function filterValue(filter: TradeFilter): string {
  switch (filter.by) {
    case 'dataset':
      return filter.datasetId;
    case 'buyer':
    case 'seller':
      return filter.accountId;
    case 'state':
      return filter.state;
  }
}

/** The contract function and arguments that list trades by a filter, one page. */
export function listTradesCall(
  filter: TradeFilter,
  page: PageRequest,
): { fn: (typeof LIST_TRADES)[TradeFilter['by']]; args: string[] } {
  return { fn: LIST_TRADES[filter.by], args: [filterValue(filter), ...pageArgs(page)] };
}
