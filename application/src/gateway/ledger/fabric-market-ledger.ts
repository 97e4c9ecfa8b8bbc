import type { Contract, Network } from '@hyperledger/fabric-gateway';
import { orgOf, retryWhileEndorsersSettle, type NetworkDescription } from '../../fabric/index.js';
import {
  decodeBlock,
  decodeChainInfo,
  decodeProcessedTransaction,
  type DecodedBlock,
  type DecodedTransaction,
} from '../blocks.js';
import type { ContractFunction } from './contract-args.js';
import { ContractMarketLedger } from './contract-market-ledger.js';
import { commitFailure, NotFound, toLedgerError, type LedgerCallContext } from './errors.js';
import { FabricConnections, type ChannelSource } from './fabric-connections.js';
import { fabricEventStream } from './fabric-events.js';
import type { ChainInfo, Committed, EventPosition, EventStream } from './market-ledger.js';

export const CHAINCODE = 'datamarket';

const utf8 = new TextDecoder();

/**
 * The MarketLedger over @hyperledger/fabric-gateway, through this org's own peer. Submits
 * retry while discovery is still settling after a deploy (nothing reached the orderer yet);
 * every failure is a LedgerError (see errors.ts).
 */
export class FabricMarketLedger extends ContractMarketLedger {
  private readonly connections: ChannelSource;
  readonly mspId: string;
  readonly chaincode: string;

  /** `connections` defaults to this org's own peer (FabricConnections); tests pass a fake. */
  constructor(
    readonly network: NetworkDescription,
    readonly org: string,
    options: { chaincode?: string; connections?: ChannelSource } = {},
  ) {
    super();
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

  protected async evaluateText(
    user: string,
    channel: string,
    fn: ContractFunction,
    args: string[],
  ): Promise<string> {
    const contract = await this.contract(user, channel, fn);
    try {
      return utf8.decode(await contract.evaluateTransaction(fn, ...args));
    } catch (error) {
      throw toLedgerError(error, { channel, fn });
    }
  }

  protected async submitText(
    user: string,
    channel: string,
    fn: ContractFunction,
    args: string[],
    beforeSubmit?: (txId: string) => Promise<void>,
  ): Promise<Committed<string>> {
    const contract = await this.contract(user, channel, fn);
    const proposal = contract.newProposal(fn, { arguments: args });
    const txId = proposal.getTransactionId();
    const context: LedgerCallContext = { channel, fn, txId };
    // What must be durable before ordering (the buyer's result key) is written while the peers
    // endorse: endorsement changes nothing, so only the submit waits for both.
    const prepared = beforeSubmit?.(txId);
    prepared?.catch(() => undefined);
    let transaction;
    try {
      transaction = await retryWhileEndorsersSettle(() => proposal.endorse());
    } catch (error) {
      await prepared?.catch(() => undefined);
      throw toLedgerError(error, context);
    }
    await prepared;
    try {
      const commit = await transaction.submit();
      const status = await commit.getStatus();
      if (!status.successful) throw commitFailure(status.code, txId);
      return {
        txId,
        blockNumber: status.blockNumber,
        result: utf8.decode(transaction.getResult()),
      };
    } catch (error) {
      throw toLedgerError(error, context);
    }
  }

  private async qscc(user: string, channel: string, fn: string, ...args: string[]) {
    const network = await this.channel(user, channel, `qscc:${fn}`);
    try {
      return await network.getContract('qscc').evaluateTransaction(fn, channel, ...args);
    } catch (error) {
      throw toLedgerError(error, { channel, fn: `qscc:${fn}` });
    }
  }

  // ---- chain ----

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
