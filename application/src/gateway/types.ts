/**
 * Ledger records as the contract returns them: the contract's own types (docs/chaincode.md),
 * imported from its pure types module so the app never loads chaincode code at run time.
 */
export {
  TRADE_STATES,
  type DeliveredResult,
  type Listing,
  type Page,
  type Trade,
  type TradeEvent,
  type TradeState,
} from '@datamarket/chaincode/dist/src/types.js';

/** What a seller sends to list a dataset (CreateListing's JSON; optional fields default). */
export interface ListingTerms {
  id: string;
  title: string;
  description?: string;
  schema: { columns: string[]; rowCount: number };
  price: string;
  deposit?: string;
  deliverWithin: number;
  resultWithin: number;
  decryptWithin: number;
  leakageBound: number;
  ckksPreset: string;
  sellerGatewayUrl: string;
  freeSample?: boolean;
}

/** The plaintext result the seller delivers (its SHA-256 is the on-chain resultDigest). */
export interface PlainResult {
  tradeId: string;
  datasetId: string;
  values: number[];
}
