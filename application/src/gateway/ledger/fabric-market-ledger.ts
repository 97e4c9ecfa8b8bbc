import type { Contract, Network } from '@hyperledger/fabric-gateway';
import { orgOf, retryWhileEndorsersSettle, type NetworkDescription } from '../../fabric/index.js';
import {
  decodeBlock,
  decodeChainInfo,
  decodeProcessedTransaction,
  type DecodedBlock,
  type DecodedTransaction,
} from '../blocks.js';
import type {
  DeliveredResult,
  Listing,
  ListingInput,
  ListingUpdate,
  Page,
  SupplyAudit,
  Trade,
  TradeHistoryEntry,
} from '../types.js';
import { listTradesCall, pageArgs } from './contract-args.js';
import { commitFailure, NotFound, toLedgerError, type LedgerCallContext } from './errors.js';
import { FabricConnections, type ChannelSource } from './fabric-connections.js';
import { fabricEventStream } from './fabric-events.js';
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

export const CHAINCODE = 'datamarket';

const utf8 = new TextDecoder();
const json = (bytes: Uint8Array): unknown => JSON.parse(utf8.decode(bytes));

/**
 * The MarketLedger over @hyperledger/fabric-gateway, through this org's own peer. Submits
 * retry while discovery is still settling after a deploy (nothing reached the orderer yet);
 * every failure is a LedgerError (see errors.ts).
 */
export class FabricMarketLedger implements MarketLedger {
  private readonly connections: ChannelSource;
  private readonly accounts = new Map<string, string>();
  readonly mspId: string;
  readonly chaincode: string;

  /** `connections` defaults to this org's own peer (FabricConnections); tests pass a fake. */
  constructor(
    readonly network: NetworkDescription,
    readonly org: string,
    options: { chaincode?: string; connections?: ChannelSource } = {},
  ) {
    this.mspId = orgOf(network, org).mspId;
    this.chaincode = options.chaincode ?? CHAINCODE;
    this.connections = options.connections ?? new FabricConnections(network, org);
  }

  private async channel(user: string, channel: string, fn: string): Promise<Network> {
    try {
      return await this.connections.channel(user, channel);
    } catch (error) {
      throw toLedgerError(error, { channel, fn });
    }
  }

  private async contract(user: string, channel: string, fn: string): Promise<Contract> {
    return (await this.channel(user, channel, fn)).getContract(this.chaincode);
  }

  private async evaluate(
    user: string,
    channel: string,
    fn: string,
    ...args: string[]
  ): Promise<Uint8Array> {
    const contract = await this.contract(user, channel, fn);
    try {
      return await contract.evaluateTransaction(fn, ...args);
    } catch (error) {
      throw toLedgerError(error, { channel, fn });
    }
  }

  private async evaluateJson<T>(user: string, channel: string, fn: string, ...args: string[]) {
    return json(await this.evaluate(user, channel, fn, ...args)) as T;
  }

  /** Endorses, submits and waits for the commit; `beforeSubmit` runs once the tx id is known. */
  private async submit<T>(
    user: string,
    channel: string,
    fn: string,
    args: string[],
    beforeSubmit?: (txId: string) => Promise<void>,
  ): Promise<Committed<T>> {
    const contract = await this.contract(user, channel, fn);
    const proposal = contract.newProposal(fn, { arguments: args });
    const txId = proposal.getTransactionId();
    const context: LedgerCallContext = { channel, fn, txId };
    await beforeSubmit?.(txId);
    try {
      const transaction = await retryWhileEndorsersSettle(() => proposal.endorse());
      const commit = await transaction.submit();
      const status = await commit.getStatus();
      if (!status.successful) throw commitFailure(status.code, txId);
      return { txId, blockNumber: status.blockNumber, result: json(transaction.getResult()) as T };
    } catch (error) {
      throw toLedgerError(error, context);
    }
  }

  private async submitJson<T>(user: string, channel: string, fn: string, ...args: string[]) {
    return (await this.submit<T>(user, channel, fn, args)).result;
  }

  private async qscc(user: string, channel: string, fn: string, ...args: string[]) {
    const network = await this.channel(user, channel, `qscc:${fn}`);
    try {
      return await network.getContract('qscc').evaluateTransaction(fn, channel, ...args);
    } catch (error) {
      throw toLedgerError(error, { channel, fn: `qscc:${fn}` });
    }
  }

  // ---- accounts and tokens ----

  async accountId(user: string, channel: string): Promise<string> {
    const key = `${user}\u0000${channel}`;
    let id = this.accounts.get(key);
    if (id === undefined) {
      id = utf8.decode(await this.evaluate(user, channel, 'ClientAccountID'));
      this.accounts.set(key, id);
    }
    return id;
  }

  async balanceOf(user: string, channel: string, accountId: string): Promise<string> {
    return utf8.decode(await this.evaluate(user, channel, 'BalanceOf', accountId));
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

  // ---- trades ----

  purchase(
    user: string,
    channel: string,
    request: PurchaseRequest,
    beforeSubmit: (tradeId: string) => Promise<void>,
  ): Promise<Committed<Trade>> {
    const { datasetId, buyerResultKey, expected } = request;
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

  async chainInfo(user: string, channel: string): Promise<ChainInfo> {
    return decodeChainInfo(await this.qscc(user, channel, 'GetChainInfo'));
  }

  async block(user: string, channel: string, blockNumber: bigint): Promise<DecodedBlock> {
    const { height } = await this.chainInfo(user, channel);
    if (blockNumber < 0n || blockNumber >= BigInt(height)) {
      throw new NotFound(`block ${String(blockNumber)} does not exist yet (height ${height})`);
    }
    const bytes = await this.qscc(user, channel, 'GetBlockByNumber', String(blockNumber));
    return decodeBlock(bytes);
  }

  async transaction(user: string, channel: string, txId: string): Promise<DecodedTransaction> {
    const bytes = await this.qscc(user, channel, 'GetTransactionByID', txId);
    return decodeProcessedTransaction(bytes);
  }

  // ---- events ----

  async events(
    user: string,
    channel: string,
    from: EventPosition | undefined,
    startBlock: bigint,
  ): Promise<EventStream> {
    const network = await this.channel(user, channel, 'events');
    return fabricEventStream(network, this.chaincode, channel, from, startBlock);
  }

  async close(): Promise<void> {
    await this.connections.close();
  }
}
