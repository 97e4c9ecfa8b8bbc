import type * as grpc from '@grpc/grpc-js';
import { type Contract, type Network } from '@hyperledger/fabric-gateway';
import type { Committed } from './ledger/market-ledger.js';
import {
  connectAs,
  orgOf,
  peerClient,
  retryWhileEndorsersSettle,
  type GatewayConnection,
  type NetworkDescription,
} from '../fabric/index.js';

const utf8 = new TextDecoder();
export const CHAINCODE = 'datamarket';

/**
 * Per-channel, per-user access to the ledger through the app's own org peer. One gRPC
 * connection to the peer; one Fabric Gateway connection per user (lazily). Every call names
 * the user the request authenticated as, so the ledger sees the real caller.
 */
export class Ledger {
  private client?: grpc.Client;
  private readonly connections = new Map<string, Promise<GatewayConnection>>();
  private readonly accounts = new Map<string, string>();

  constructor(
    readonly network: NetworkDescription,
    readonly org: string,
    readonly chaincode = CHAINCODE,
  ) {}

  get mspId(): string {
    return orgOf(this.network, this.org).mspId;
  }

  private async connection(user: string): Promise<GatewayConnection> {
    let found = this.connections.get(user);
    if (!found) {
      found = (async () => {
        this.client ??= await peerClient(this.network, this.org);
        return connectAs(this.network, { org: this.org, user }, this.client);
      })();
      this.connections.set(user, found);
      found.catch(() => this.connections.delete(user));
    }
    return found;
  }

  async fabricNetwork(user: string, channel: string): Promise<Network> {
    return (await this.connection(user)).gateway.getNetwork(channel);
  }

  async contract(user: string, channel: string): Promise<Contract> {
    return (await this.fabricNetwork(user, channel)).getContract(this.chaincode);
  }

  async evaluate(user: string, channel: string, fn: string, ...args: string[]): Promise<string> {
    const contract = await this.contract(user, channel);
    return utf8.decode(await contract.evaluateTransaction(fn, ...args));
  }

  async evaluateJson<T>(user: string, channel: string, fn: string, ...args: string[]): Promise<T> {
    return JSON.parse(await this.evaluate(user, channel, fn, ...args)) as T;
  }

  async submitJson<T>(user: string, channel: string, fn: string, ...args: string[]): Promise<T> {
    const contract = await this.contract(user, channel);
    const bytes = await retryWhileEndorsersSettle(() => contract.submitTransaction(fn, ...args));
    return JSON.parse(utf8.decode(bytes)) as T;
  }

  /**
   * Submits with a transaction id known before endorsement: `beforeSubmit(txId)` runs first
   * (e.g. the buyer's app stores the result key under the trade id, which is the tx id).
   */
  async submitWithTxId<T>(
    user: string,
    channel: string,
    fn: string,
    args: string[],
    beforeSubmit: (txId: string) => void | Promise<void>,
  ): Promise<Committed<T>> {
    const contract = await this.contract(user, channel);
    const proposal = contract.newProposal(fn, { arguments: args });
    const txId = proposal.getTransactionId();
    await beforeSubmit(txId);
    const transaction = await retryWhileEndorsersSettle(() => proposal.endorse());
    const commit = await transaction.submit();
    const status = await commit.getStatus();
    if (!status.successful) {
      throw new Error(`transaction ${txId} failed to commit: validation code ${status.code}`);
    }
    return {
      txId,
      result: JSON.parse(utf8.decode(transaction.getResult())) as T,
      blockNumber: status.blockNumber,
    };
  }

  /** The ledger account id of one of this org's users (cached per channel). */
  async accountId(user: string, channel: string): Promise<string> {
    const key = `${user}\u0000${channel}`;
    let id = this.accounts.get(key);
    if (!id) {
      id = await this.evaluate(user, channel, 'ClientAccountID');
      this.accounts.set(key, id);
    }
    return id;
  }

  /** Queries the system chaincode qscc (blocks, transactions) on a channel. */
  async qscc(user: string, channel: string, fn: string, ...args: string[]): Promise<Uint8Array> {
    const network = await this.fabricNetwork(user, channel);
    return network.getContract('qscc').evaluateTransaction(fn, channel, ...args);
  }

  async close(): Promise<void> {
    for (const pending of this.connections.values()) {
      try {
        (await pending).close();
      } catch {
        // a failed connection has nothing to close
      }
    }
    this.connections.clear();
    this.client?.close();
    this.client = undefined;
  }
}

// Moved to identities.ts; re-exported until app.ts imports them from there.
export { loadTrustedCas, userSigningIdentity } from './identities.js';
