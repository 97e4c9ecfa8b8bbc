/**
 * Ledger records as the contract returns them: the contract's own types (docs/chaincode.md),
 * imported from its pure types module so the app never loads chaincode code at run time.
 */
export {
  TRADE_STATES,
  type DeliveredResult,
  type OrgApp,
  type ListingInput,
  type ListingUpdate,
  type SupplyAudit,
  type TradeHistoryEntry,
  type Listing,
  type Page,
  type Trade,
  type TradeEvent,
  type TradeState,
} from '@datamarket/chaincode/api';

/** The plaintext result the seller delivers (its SHA-256 is the on-chain resultDigest). */
export interface PlainResult {
  tradeId: string;
  datasetId: string;
  values: number[];
}
