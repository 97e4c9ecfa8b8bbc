/** The pool contract calls over fabric-gateway, through this org's own peer. */
import { retryWhileEndorsersSettle } from '../../fabric/index.js';
import { DEFAULT_CONFLICT_RETRY, retryConflicts } from '../ledger/conflict-retry.js';
import { commitFailure, toLedgerError } from '../ledger/errors.js';
import type { ChannelSource } from '../ledger/fabric-connections.js';
import type { ContractCaller, PoolFunction } from './pool-ledger.js';

const utf8 = new TextDecoder();

export class FabricPoolCaller implements ContractCaller {
  constructor(
    private readonly connections: ChannelSource,
    private readonly chaincode = 'datamarket',
  ) {}

  async evaluate(user: string, channel: string, fn: PoolFunction, args: string[]): Promise<string> {
    try {
      const contract = (await this.connections.channel(user, channel)).getContract(this.chaincode);
      return utf8.decode(await contract.evaluateTransaction(fn, ...args));
    } catch (error) {
      throw toLedgerError(error, { channel, fn });
    }
  }

  submit(user: string, channel: string, fn: PoolFunction, args: string[]): Promise<string> {
    // Each try is a new proposal: a conflict means nothing was committed.
    return retryConflicts(DEFAULT_CONFLICT_RETRY, async () => {
      const contract = (await this.connections.channel(user, channel)).getContract(this.chaincode);
      const proposal = contract.newProposal(fn, { arguments: args });
      const txId = proposal.getTransactionId();
      try {
        const transaction = await retryWhileEndorsersSettle(() => proposal.endorse());
        const commit = await transaction.submit();
        const status = await commit.getStatus();
        if (!status.successful) throw commitFailure(status.code, txId);
        return utf8.decode(transaction.getResult());
      } catch (error) {
        throw toLedgerError(error, { channel, fn, txId });
      }
    });
  }
}
