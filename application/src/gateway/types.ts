/** Ledger records as the contract returns them (docs/chaincode.md). */
export type TradeState =
  'PAID' | 'DELIVERED' | 'RESULT_SUBMITTED' | 'SETTLED' | 'REJECTED' | 'REFUNDED' | 'CLAIMED';

export const TRADE_STATES: TradeState[] = [
  'PAID',
  'DELIVERED',
  'RESULT_SUBMITTED',
  'SETTLED',
  'REJECTED',
  'REFUNDED',
  'CLAIMED',
];

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

export interface Listing extends ListingTerms {
  docType: 'listing';
  seller: string;
  state: 'ACTIVE' | 'DELISTED';
  version: number;
  createdAt: number;
  updatedAt: number;
  delistedAt: number | null;
  lastTxId: string;
}

export interface Trade {
  docType: 'trade';
  tradeId: string;
  datasetId: string;
  buyer: string;
  seller: string;
  state: TradeState;
  price: string;
  deposit: string;
  escrow: string;
  paidToSeller: string;
  paidToBuyer: string;
  buyerResultKey: string;
  terms: {
    listingVersion: number;
    deliverWithin: number;
    resultWithin: number;
    decryptWithin: number;
    leakageBound: number;
    ckksPreset: string;
    sellerGatewayUrl: string;
  };
  paidAt: number;
  deliverBy: number | null;
  deliveredAt: number | null;
  bundleHash: string | null;
  bundleBytes: number | null;
  resultBy: number | null;
  resultSubmittedAt: number | null;
  resultHash: string | null;
  valueCount: number | null;
  decryptBy: number | null;
  closedAt: number | null;
  resultDigest: string | null;
  encryptedResultSha256: string | null;
  rejectReason: string | null;
  refundBasis: string | null;
  updatedAt: number;
  lastTxId: string;
}

export interface Page<T> {
  records: T[];
  fetchedRecordsCount: number;
  bookmark: string;
}

export interface DeliveredResult {
  docType: 'result';
  tradeId: string;
  buyer: string;
  seller: string;
  encryptedResult: string;
  resultDigest: string;
  encryptedResultSha256: string;
  deliveredAt: number;
  txId: string;
}

export interface TradeEvent {
  type:
    | 'Purchased'
    | 'DeliveryConfirmed'
    | 'ResultSubmitted'
    | 'ResultDelivered'
    | 'ResultRejected'
    | 'Refunded'
    | 'Claimed';
  tradeId: string;
  datasetId: string;
  buyer: string;
  seller: string;
  state: TradeState;
  txId: string;
  timestamp: number;
}

/** The plaintext result the seller delivers (its SHA-256 is the on-chain resultDigest). */
export interface PlainResult {
  tradeId: string;
  datasetId: string;
  values: number[];
}
