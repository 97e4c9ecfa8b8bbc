/**
 * The ledger as the gateway apps use it: one method per contract call they make, typed with
 * the contract's own records. `FabricMarketLedger` implements it over fabric-gateway; tests
 * use an in-process implementation that runs the real contract on a fake stub.
 *
 * Every method names the user (one of this org's Fabric identities) the request came from,
 * so the ledger sees the real caller. Failures are `LedgerError`s (ledger/errors.ts): a
 * `ContractRefusal` carries the contract's error code; the others say whether the outcome of
 * a submit is known.
 */
import type { DecodedBlock, DecodedTransaction } from '../blocks.js';
import type {
  OrgApp,
  DeliveredResult,
  Listing,
  ListingInput,
  ListingUpdate,
  Page,
  SupplyAudit,
  Trade,
  TradeHistoryEntry,
} from '../types.js';
import type { BalanceCompaction, SupplyCheckpoint, SupplyTotals } from '../schemas/supply.js';

/** One page of a List* query: pageSize 1..100 (undefined = the contract's default). */
export interface PageRequest {
  pageSize?: number;
  bookmark?: string;
}

/** The index a trade list is read from, and the value looked up in it. */
export type TradeFilter =
  | { by: 'dataset'; datasetId: string }
  | { by: 'buyer'; accountId: string }
  | { by: 'seller'; accountId: string }
  | { by: 'state'; state: Trade['state'] };

export interface PurchaseRequest {
  datasetId: string;
  /** PEM of the X25519 key the seller encrypts the plaintext result to. */
  buyerResultKey: string;
  /**
   * The price and deposit the buyer saw: when given, the contract refuses with TERMS_CHANGED
   * if the listing now says otherwise (PurchaseAtPrice); when absent, a plain Purchase.
   */
  expected?: { price: string; deposit: string };
  /**
   * The client's id for this purchase (PurchaseOnce): a retry with the same id returns the
   * trade the first one opened instead of a second trade.
   */
  requestId?: string;
}

/** A committed submit: its transaction id and block. */
export interface Committed<T> {
  txId: string;
  blockNumber: bigint;
  result: T;
}

/** A contract event as committed, with where it sits on the chain. */
export interface LedgerEvent {
  name: string;
  payload: Uint8Array;
  blockNumber: bigint;
  transactionId: string;
}

/** Where an event stream resumes: after this transaction of this block, or at this block. */
export interface EventPosition {
  blockNumber: bigint;
  transactionId?: string;
}

export interface EventStream extends AsyncIterable<LedgerEvent> {
  close(): void;
}

export interface ChainInfo {
  height: string;
  currentBlockHash: string;
}

export interface MarketLedger {
  /** This app's org key in network.json, and its MSP id. */
  readonly org: string;
  readonly mspId: string;

  // ---- accounts and tokens ----
  /** The ledger account id of one of this org's users on a channel. */
  accountId(user: string, channel: string): Promise<string>;
  balanceOf(user: string, channel: string, accountId: string): Promise<string>;

  // ---- listings ----
  getListing(user: string, channel: string, datasetId: string): Promise<Listing>;
  listListings(user: string, channel: string, page: PageRequest): Promise<Page<Listing>>;
  createListing(user: string, channel: string, input: ListingInput): Promise<Listing>;
  updateListing(user: string, channel: string, update: ListingUpdate): Promise<Listing>;
  delist(user: string, channel: string, datasetId: string): Promise<Listing>;

  // ---- org apps ----
  /** Registers `url` as one of this org's apps (the user must be an org admin). */
  registerOrgApp(user: string, channel: string, url: string): Promise<OrgApp>;
  /** The registration of `url` by `mspId`; a ContractRefusal APP_NOT_REGISTERED otherwise. */
  getOrgApp(user: string, channel: string, mspId: string, url: string): Promise<OrgApp>;
  /** Every app `mspId` registered on `channel` (none: an empty list). */
  listOrgApps(user: string, channel: string, mspId: string): Promise<OrgApp[]>;

  // ---- trades ----
  /**
   * Purchases with a transaction id known before endorsement: `beforeSubmit(tradeId)` runs
   * first (the buyer's app stores the result key under the trade id, which is the tx id).
   * A conflicted try (nothing committed) is retried as a new transaction, so it may run once
   * per try, each time with a new id; only the committed one becomes a trade.
   */
  purchase(
    user: string,
    channel: string,
    request: PurchaseRequest,
    beforeSubmit: (tradeId: string) => Promise<void>,
  ): Promise<Committed<Trade>>;
  getTrade(user: string, channel: string, tradeId: string): Promise<Trade>;
  listTrades(
    user: string,
    channel: string,
    filter: TradeFilter,
    page: PageRequest,
  ): Promise<Page<Trade>>;
  tradeHistory(user: string, channel: string, tradeId: string): Promise<TradeHistoryEntry[]>;
  confirmDelivery(
    user: string,
    channel: string,
    tradeId: string,
    bundleHash: string,
    bundleBytes: number,
  ): Promise<Trade>;
  submitResult(
    user: string,
    channel: string,
    tradeId: string,
    resultHash: string,
    valueCount: number,
  ): Promise<Trade>;
  deliverResult(
    user: string,
    channel: string,
    tradeId: string,
    encryptedResult: string,
    resultDigest: string,
  ): Promise<Trade>;
  rejectResult(user: string, channel: string, tradeId: string, reason: string): Promise<Trade>;
  /** SubmitResult naming the computation and the SHA-256 of its canonical parameters. */
  submitComputedResult(
    user: string,
    channel: string,
    tradeId: string,
    result: { resultHash: string; valueCount: number; computationId: string; paramsHash: string },
  ): Promise<Trade>;
  /** The seller's re-execution did not reproduce the result: rejected, nothing decrypted. */
  rejectUnverifiedResult(
    user: string,
    channel: string,
    tradeId: string,
    reason: string,
    reexecutedHash: string,
  ): Promise<Trade>;
  refund(user: string, channel: string, tradeId: string): Promise<Trade>;
  claim(user: string, channel: string, tradeId: string): Promise<Trade>;
  getDeliveredResult(user: string, channel: string, tradeId: string): Promise<DeliveredResult>;

  // ---- audit ----
  auditSupply(user: string, channel: string): Promise<SupplyAudit>;
  /** The running totals (checkpoint + deltas since): costs the deltas, not the ledger. */
  auditSupplyTotals(user: string, channel: string): Promise<SupplyTotals>;
  /** Folds the deltas of minutes long past into the totals checkpoint (any member may). */
  checkpointSupply(user: string, channel: string): Promise<SupplyCheckpoint>;
  /** The caller folds its credit keys into its balance's base. */
  compactBalance(user: string, channel: string): Promise<BalanceCompaction>;
  chainInfo(user: string, channel: string): Promise<ChainInfo>;
  /** A block by number; a NotFound ledger error past the height. */
  block(user: string, channel: string, blockNumber: bigint): Promise<DecodedBlock>;
  /** A transaction by id; a NotFound ledger error when the channel has none. */
  transaction(user: string, channel: string, txId: string): Promise<DecodedTransaction>;

  // ---- events ----
  /**
   * The contract's events on a channel from `from` (or from `startBlock` when there is no
   * position yet), in commit order, until closed.
   */
  events(
    user: string,
    channel: string,
    from: EventPosition | undefined,
    startBlock: bigint,
  ): Promise<EventStream>;

  close(): Promise<void>;
}
