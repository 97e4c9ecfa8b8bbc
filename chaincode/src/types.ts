/** Ledger records and event payloads. Amounts are decimal strings; times are epoch milliseconds. */

export const TRADE_STATES = [
  'PAID',
  'DELIVERED',
  'RESULT_SUBMITTED',
  'SETTLED',
  'REJECTED',
  'REFUNDED',
  'CLAIMED',
] as const;
export type TradeState = (typeof TRADE_STATES)[number];

export const OPEN_STATES: readonly TradeState[] = ['PAID', 'DELIVERED', 'RESULT_SUBMITTED'];

export function isTradeState(value: string): value is TradeState {
  return (TRADE_STATES as readonly string[]).includes(value);
}

export interface Config {
  docType: 'config';
  issuerMspId: string;
  initializedBy: string;
  initializedAt: number;
  txId: string;
}

export interface DatasetSchema {
  columns: string[];
  rowCount: number;
}

/** The fields a seller chooses; CreateListing takes them all, UpdateListing any of them. */
export interface ListingTerms {
  title: string;
  description: string;
  schema: DatasetSchema;
  price: string;
  deposit: string;
  deliverWithin: number;
  resultWithin: number;
  decryptWithin: number;
  leakageBound: number;
  ckksPreset: string;
  sellerGatewayUrl: string;
  freeSample: boolean;
  /** What the free test sample is made of (never real rows); see privacy.ts. */
  sampleKind: SampleKind;
  /** Declared range and rounding of each column (schema order), or null if undeclared. */
  columnRanges: ColumnRange[] | null;
  /** Which computations the seller decrypts results of. */
  computationPolicy: ComputationPolicy;
  /** Most values the seller ever releases under one secret key (trade or sample key). */
  maxValuesPerKey: number;
}

/**
 * CreateListing's JSON argument: the terms plus the dataset id. `description`, `deposit` and
 * `freeSample` may be left out (they default to "", "0" and false).
 */
export type ListingInput = Omit<
  ListingTerms,
  'description' | 'deposit' | 'freeSample' | PrivacyTerm
> &
  Partial<Pick<ListingTerms, 'description' | 'deposit' | 'freeSample' | PrivacyTerm>> & {
    id: string;
  };

/** The privacy terms, all optional in CreateListing (defaults in privacy.ts). */
export type PrivacyTerm = 'sampleKind' | 'columnRanges' | 'computationPolicy' | 'maxValuesPerKey';

export const SAMPLE_KINDS = ['schema-uniform', 'marginals', 'seller-file'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

export interface ColumnRange {
  min: number;
  max: number;
  /** Decimal places the column's values are rounded to (0 for whole numbers). */
  decimals: number;
}

/** Built-in approved computations the seller's app can re-execute (application/src/computations). */
export const BUILTIN_COMPUTATIONS = [
  'column-means',
  'column-sums',
  'xtx',
  'xty',
  'lr-epochs',
] as const;
export type BuiltinComputation = (typeof BUILTIN_COMPUTATIONS)[number];

/** One computation an `approved` listing allows: a built-in, or a seller script by its code's hash. */
export type ApprovedComputation =
  { id: BuiltinComputation; kind: 'builtin' } | { id: string; kind: 'script'; sha256: string };

export type ComputationPolicy =
  { mode: 'open' } | { mode: 'approved'; computations: ApprovedComputation[] };

/** What a buyer named for its result (SubmitComputedResult) and what the seller found. */
export interface TradeComputation {
  computationId: string;
  /** SHA-256 of the script's code, or of the built-in's descriptor (builtinHash). */
  computationHash: string;
  /** SHA-256 of the canonical JSON of the parameters the buyer ran it with. */
  paramsHash: string;
  /** pending until the seller decides; verified = re-execution gave the same bytes. */
  verification: 'pending' | 'verified' | 'mismatch';
  /** On mismatch: SHA-256 of the result the seller's re-execution produced. */
  reexecutedHash: string | null;
}

/** UpdateListing's JSON argument: the id and any terms to change. */
export type ListingUpdate = Partial<ListingTerms> & { id: string };

export type ListingState = 'ACTIVE' | 'DELISTED';

export interface Listing extends ListingTerms {
  docType: 'listing';
  id: string;
  seller: string;
  state: ListingState;
  version: number;
  createdAt: number;
  updatedAt: number;
  delistedAt: number | null;
  lastTxId: string;
  /** What the free sample discloses beyond the column names (derived from sampleKind). */
  sampleDiscloses: string[];
}

/** The listing's terms frozen at purchase: later listing updates never change an open trade. */
export interface TradeTerms {
  listingVersion: number;
  deliverWithin: number;
  resultWithin: number;
  decryptWithin: number;
  leakageBound: number;
  ckksPreset: string;
  sellerGatewayUrl: string;
  computationPolicy: ComputationPolicy;
  sampleKind: SampleKind;
  maxValuesPerKey: number;
}

export type RefundBasis = 'BUYER_WITHDREW' | 'DELIVERY_DEADLINE_MISSED' | 'DECRYPT_DEADLINE_MISSED';

export interface Trade {
  docType: 'trade';
  tradeId: string;
  datasetId: string;
  buyer: string;
  seller: string;
  state: TradeState;
  /** What the buyer paid for the data; goes to the seller on SETTLED or CLAIMED. */
  price: string;
  /** The buyer's bond; back to the buyer except on CLAIMED, where the seller keeps it. */
  deposit: string;
  /** What the trade still holds: price + deposit while open, 0 once closed. */
  escrow: string;
  /** Totals paid out of escrow so far (0 while open). */
  paidToSeller: string;
  paidToBuyer: string;
  buyerResultKey: string;
  terms: TradeTerms;
  paidAt: number;
  deliverBy: number;
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
  refundBasis: RefundBasis | null;
  /** The named computation of the result, or null (an open listing's private code). */
  computation: TradeComputation | null;
  updatedAt: number;
  lastTxId: string;
}

/** One committed version of a trade (GetTradeHistory), oldest first. */
export interface TradeHistoryEntry {
  txId: string;
  timestamp: number;
  isDelete: boolean;
  trade: Trade | null;
}

export interface DeliveredResult {
  docType: 'result';
  tradeId: string;
  buyer: string;
  seller: string;
  /** The plaintext result encrypted to the buyer's result key, base64. */
  encryptedResult: string;
  /** SHA-256 (hex) of the plaintext result, for the buyer to check after decrypting. */
  resultDigest: string;
  /** SHA-256 (hex) of the encryptedResult text as stored. */
  encryptedResultSha256: string;
  deliveredAt: number;
  txId: string;
}

export interface Page<T> {
  records: T[];
  fetchedRecordsCount: number;
  bookmark: string;
}

export type TradeEventType =
  | 'Purchased'
  | 'DeliveryConfirmed'
  | 'ResultSubmitted'
  | 'ResultDelivered'
  | 'ResultRejected'
  | 'Refunded'
  | 'Claimed';

export interface TradeEvent {
  type: TradeEventType;
  tradeId: string;
  datasetId: string;
  buyer: string;
  seller: string;
  previousState: TradeState | null;
  state: TradeState;
  price: string;
  deposit: string;
  /** Escrow held after this transaction. */
  escrow: string;
  /** Moved out of escrow by this transaction. */
  toSeller: string;
  toBuyer: string;
  /** The deadline now running (deliverBy, resultBy or decryptBy), or null once closed. */
  deadline: number | null;
  txId: string;
  timestamp: number;
}

export interface ListingEvent {
  type: 'ListingCreated' | 'ListingUpdated' | 'ListingDelisted';
  datasetId: string;
  seller: string;
  state: ListingState;
  version: number;
  price: string;
  deposit: string;
  txId: string;
  timestamp: number;
}

export interface TokenEvent {
  type: 'Initialized' | 'Minted' | 'Burned' | 'Transferred';
  /** Account debited (null for Mint and Initialize). */
  from: string | null;
  /** Account credited (null for Burn and Initialize). */
  to: string | null;
  amount: string;
  /** Supply after Mint/Burn ("0" for Initialize); null for Transfer. */
  totalSupply: string | null;
  issuerMspId: string | null;
  txId: string;
  timestamp: number;
}

export interface SupplyAudit {
  totalSupply: string;
  sumOfBalances: string;
  sumOfEscrow: string;
  accounts: number;
  trades: number;
  openTrades: number;
  /** totalSupply === sumOfBalances + sumOfEscrow and no problem was found. */
  balanced: boolean;
  problems: string[];
}
