/**
 * The MarketLedger's contract calls, written once: which contract function each method calls,
 * with which arguments, and how its answer is read. A backend supplies only the two
 * primitives (evaluate and submit, as text) and the chain and event methods; the Fabric
 * ledger and the in-process test ledger both extend this, so tests exercise the same mapping
 * the apps run.
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
import { DEFAULT_CONFLICT_RETRY, retryConflicts, type ConflictRetry } from './conflict-retry.js';
import { listTradesCall, pageArgs, type ContractFunction } from './contract-args.js';
import { DebitQueue, isDebit } from './debit-queue.js';
import type {
  ChainInfo,
  Committed,
  EventPosition,
  EventStream,
  MarketLedger,
  PageRequest,
  PurchaseRequest,
  TradeFilter,
} from './market-ledger.js';

export abstract class ContractMarketLedger implements MarketLedger {
  abstract readonly org: string;
  abstract readonly mspId: string;
  private readonly accounts = new Map<string, string>();
  /** Conflicted submits (nothing committed) are tried again with this policy. */
  conflictRetry: ConflictRetry = DEFAULT_CONFLICT_RETRY;
  private readonly debits = new DebitQueue();

  /** Evaluates a contract function (no commit); resolves with its return text. */
  protected abstract evaluateText(
    user: string,
    channel: string,
    fn: ContractFunction,
    args: string[],
  ): Promise<string>;

  /**
   * Endorses, submits and waits for the commit; `beforeSubmit` runs once the tx id is known.
   * Resolves with the contract's return text.
   */
  protected abstract submitText(
    user: string,
    channel: string,
    fn: ContractFunction,
    args: string[],
    beforeSubmit?: (txId: string) => Promise<void>,
  ): Promise<Committed<string>>;

  abstract chainInfo(user: string, channel: string): Promise<ChainInfo>;
  abstract block(user: string, channel: string, blockNumber: bigint): Promise<DecodedBlock>;
  abstract transaction(user: string, channel: string, txId: string): Promise<DecodedTransaction>;
  abstract events(
    user: string,
    channel: string,
    from: EventPosition | undefined,
    startBlock: bigint,
  ): Promise<EventStream>;
  abstract close(): Promise<void>;

  private async evaluateJson<T>(
    user: string,
    channel: string,
    fn: ContractFunction,
    ...args: string[]
  ): Promise<T> {
    return JSON.parse(await this.evaluateText(user, channel, fn, args)) as T;
  }

  private async submit<T>(
    user: string,
    channel: string,
    fn: ContractFunction,
    args: string[],
    beforeSubmit?: (txId: string) => Promise<void>,
  ): Promise<Committed<T>> {
    // Each try is a new proposal (a new tx id, `beforeSubmit` runs again for it).
    const tries = () =>
      retryConflicts(this.conflictRetry, () =>
        this.submitText(user, channel, fn, args, beforeSubmit),
      );
    // One account's debits conflict with each other: they run in turn (debit-queue.ts).
    const committed = isDebit(fn)
      ? await this.debits.run(`${user}\u0000${channel}`, tries)
      : await tries();
    return { ...committed, result: JSON.parse(committed.result) as T };
  }

  private async submitJson<T>(
    user: string,
    channel: string,
    fn: ContractFunction,
    ...args: string[]
  ): Promise<T> {
    return (await this.submit<T>(user, channel, fn, args)).result;
  }

  // ---- accounts and tokens ----

  /** Cached per user and channel: an account id never changes. */
  async accountId(user: string, channel: string): Promise<string> {
    const key = `${user}\u0000${channel}`;
    let id = this.accounts.get(key);
    if (id === undefined) {
      id = await this.evaluateText(user, channel, 'ClientAccountID', []);
      this.accounts.set(key, id);
    }
    return id;
  }

  balanceOf(user: string, channel: string, accountId: string): Promise<string> {
    return this.evaluateText(user, channel, 'BalanceOf', [accountId]);
  }

  // ---- listings ----

  getListing(user: string, channel: string, datasetId: string): Promise<Listing> {
    return this.evaluateJson<Listing>(user, channel, 'GetListing', datasetId);
  }

  listListings(user: string, channel: string, page: PageRequest): Promise<Page<Listing>> {
    return this.evaluateJson<Page<Listing>>(user, channel, 'ListListings', ...pageArgs(page));
  }

  createListing(user: string, channel: string, input: ListingInput): Promise<Listing> {
    return this.submitJson<Listing>(user, channel, 'CreateListing', JSON.stringify(input));
  }

  updateListing(user: string, channel: string, update: ListingUpdate): Promise<Listing> {
    return this.submitJson<Listing>(user, channel, 'UpdateListing', JSON.stringify(update));
  }

  delist(user: string, channel: string, datasetId: string): Promise<Listing> {
    return this.submitJson<Listing>(user, channel, 'Delist', datasetId);
  }

  // ---- org apps ----

  registerOrgApp(user: string, channel: string, url: string): Promise<OrgApp> {
    return this.submitJson<OrgApp>(user, channel, 'RegisterOrgApp', url);
  }

  getOrgApp(user: string, channel: string, mspId: string, url: string): Promise<OrgApp> {
    return this.evaluateJson<OrgApp>(user, channel, 'GetOrgApp', mspId, url);
  }

  listOrgApps(user: string, channel: string, mspId: string): Promise<OrgApp[]> {
    return this.evaluateJson<OrgApp[]>(user, channel, 'ListOrgApps', mspId);
  }

  // ---- trades ----

  purchase(
    user: string,
    channel: string,
    request: PurchaseRequest,
    beforeSubmit: (tradeId: string) => Promise<void>,
  ): Promise<Committed<Trade>> {
    const { datasetId, buyerResultKey, expected, requestId } = request;
    if (requestId !== undefined) {
      const args = [datasetId, buyerResultKey, expected?.price ?? '', expected?.deposit ?? ''];
      return this.submit<Trade>(user, channel, 'PurchaseOnce', [...args, requestId], beforeSubmit);
    }
    return expected
      ? this.submit<Trade>(
          user,
          channel,
          'PurchaseAtPrice',
          [datasetId, buyerResultKey, expected.price, expected.deposit],
          beforeSubmit,
        )
      : this.submit<Trade>(user, channel, 'Purchase', [datasetId, buyerResultKey], beforeSubmit);
  }

  getTrade(user: string, channel: string, tradeId: string): Promise<Trade> {
    return this.evaluateJson<Trade>(user, channel, 'GetTrade', tradeId);
  }

  listTrades(
    user: string,
    channel: string,
    filter: TradeFilter,
    page: PageRequest,
  ): Promise<Page<Trade>> {
    const { fn, args } = listTradesCall(filter, page);
    return this.evaluateJson<Page<Trade>>(user, channel, fn, ...args);
  }

  tradeHistory(user: string, channel: string, tradeId: string): Promise<TradeHistoryEntry[]> {
    return this.evaluateJson<TradeHistoryEntry[]>(user, channel, 'GetTradeHistory', tradeId);
  }

  confirmDelivery(
    user: string,
    channel: string,
    tradeId: string,
    bundleHash: string,
    bundleBytes: number,
  ): Promise<Trade> {
    const args = [tradeId, bundleHash, String(bundleBytes)];
    return this.submitJson<Trade>(user, channel, 'ConfirmDelivery', ...args);
  }

  submitResult(
    user: string,
    channel: string,
    tradeId: string,
    resultHash: string,
    valueCount: number,
  ): Promise<Trade> {
    const args = [tradeId, resultHash, String(valueCount)];
    return this.submitJson<Trade>(user, channel, 'SubmitResult', ...args);
  }

  deliverResult(
    user: string,
    channel: string,
    tradeId: string,
    encryptedResult: string,
    resultDigest: string,
  ): Promise<Trade> {
    const args = [tradeId, encryptedResult, resultDigest];
    return this.submitJson<Trade>(user, channel, 'DeliverResult', ...args);
  }

  rejectResult(user: string, channel: string, tradeId: string, reason: string): Promise<Trade> {
    return this.submitJson<Trade>(user, channel, 'RejectResult', tradeId, reason);
  }

  submitComputedResult(
    user: string,
    channel: string,
    tradeId: string,
    result: { resultHash: string; valueCount: number; computationId: string; paramsHash: string },
  ): Promise<Trade> {
    const { resultHash, valueCount, computationId, paramsHash } = result;
    const args = [tradeId, resultHash, String(valueCount), computationId, paramsHash];
    return this.submitJson<Trade>(user, channel, 'SubmitComputedResult', ...args);
  }

  rejectUnverifiedResult(
    user: string,
    channel: string,
    tradeId: string,
    reason: string,
    reexecutedHash: string,
  ): Promise<Trade> {
    const args = [tradeId, reason, reexecutedHash];
    return this.submitJson<Trade>(user, channel, 'RejectUnverifiedResult', ...args);
  }

  refund(user: string, channel: string, tradeId: string): Promise<Trade> {
    return this.submitJson<Trade>(user, channel, 'Refund', tradeId);
  }

  claim(user: string, channel: string, tradeId: string): Promise<Trade> {
    return this.submitJson<Trade>(user, channel, 'Claim', tradeId);
  }

  getDeliveredResult(user: string, channel: string, tradeId: string): Promise<DeliveredResult> {
    return this.evaluateJson<DeliveredResult>(user, channel, 'GetDeliveredResult', tradeId);
  }

  // ---- audit ----

  auditSupply(user: string, channel: string): Promise<SupplyAudit> {
    return this.evaluateJson<SupplyAudit>(user, channel, 'AuditSupply');
  }

  auditSupplyTotals(user: string, channel: string): Promise<SupplyTotals> {
    return this.evaluateJson<SupplyTotals>(user, channel, 'AuditSupplyTotals');
  }

  checkpointSupply(user: string, channel: string): Promise<SupplyCheckpoint> {
    return this.submitJson<SupplyCheckpoint>(user, channel, 'CheckpointSupply');
  }

  compactBalance(user: string, channel: string): Promise<BalanceCompaction> {
    return this.submitJson<BalanceCompaction>(user, channel, 'CompactBalance');
  }
}
