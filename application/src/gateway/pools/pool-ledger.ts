/**
 * The pool functions of the contract as the apps call them. A backend gives only evaluate and
 * submit (text in, text out): `FabricPoolCaller` over fabric-gateway, tests an in-process one.
 */
import type { Page, Pool, PoolProposal, PoolShare, PoolTrade } from '@datamarket/chaincode/api';

export type PoolFunction =
  | 'ClientAccountID'
  | 'ProposePool'
  | 'JoinPool'
  | 'LeavePool'
  | 'GetPool'
  | 'ListPools'
  | 'PurchasePool'
  | 'DeliverBundle'
  | 'SubmitPartials'
  | 'SubmitShare'
  | 'SubmitScores'
  | 'RejectPool'
  | 'RefundPool'
  | 'ClaimPool'
  | 'GetPoolTrade'
  | 'ListPoolTrades'
  | 'ListPoolTradesByParty'
  | 'GetPoolShares';

export interface ContractCaller {
  evaluate(user: string, channel: string, fn: PoolFunction, args: string[]): Promise<string>;
  /** Endorses, orders and waits for the commit; resolves with the contract's return text. */
  submit(user: string, channel: string, fn: PoolFunction, args: string[]): Promise<string>;
}

export interface PoolJoin {
  rowCount: number;
  schemaHash: string;
  maskPublicKey: string;
  stake?: string;
}

export interface PoolPartials {
  round: number;
  valueCount: number;
  partialHashes: string[];
}

export class PoolLedger {
  private readonly accounts = new Map<string, string>();

  constructor(private readonly caller: ContractCaller) {}

  private async evaluateJson<T>(
    user: string,
    channel: string,
    fn: PoolFunction,
    ...args: string[]
  ): Promise<T> {
    return JSON.parse(await this.caller.evaluate(user, channel, fn, args)) as T;
  }

  private async submitJson<T>(
    user: string,
    channel: string,
    fn: PoolFunction,
    ...args: string[]
  ): Promise<T> {
    return JSON.parse(await this.caller.submit(user, channel, fn, args)) as T;
  }

  async accountId(user: string, channel: string): Promise<string> {
    const key = `${user}\u0000${channel}`;
    let id = this.accounts.get(key);
    if (id === undefined) {
      id = await this.caller.evaluate(user, channel, 'ClientAccountID', []);
      this.accounts.set(key, id);
    }
    return id;
  }

  proposePool(user: string, channel: string, proposal: PoolProposal): Promise<Pool> {
    return this.submitJson(user, channel, 'ProposePool', JSON.stringify(proposal));
  }

  joinPool(user: string, channel: string, poolId: string, join: PoolJoin): Promise<Pool> {
    return this.submitJson(user, channel, 'JoinPool', poolId, JSON.stringify(join));
  }

  leavePool(user: string, channel: string, poolId: string): Promise<Pool> {
    return this.submitJson(user, channel, 'LeavePool', poolId);
  }

  getPool(user: string, channel: string, poolId: string): Promise<Pool> {
    return this.evaluateJson(user, channel, 'GetPool', poolId);
  }

  purchasePool(
    user: string,
    channel: string,
    request: {
      poolId: string;
      buyerResultKey: string;
      rounds: number;
      price: string;
      deposit: string;
    },
  ): Promise<PoolTrade> {
    const { poolId, buyerResultKey, rounds, price, deposit } = request;
    return this.submitJson(
      user,
      channel,
      'PurchasePool',
      poolId,
      buyerResultKey,
      String(rounds),
      price,
      deposit,
    );
  }

  listPools(user: string, channel: string, pageSize = '', bookmark = ''): Promise<Page<Pool>> {
    return this.evaluateJson(user, channel, 'ListPools', pageSize, bookmark);
  }

  listPoolTradesByParty(
    user: string,
    channel: string,
    account: string,
    pageSize = '',
    bookmark = '',
  ): Promise<Page<PoolTrade>> {
    return this.evaluateJson(user, channel, 'ListPoolTradesByParty', account, pageSize, bookmark);
  }

  getPoolTrade(user: string, channel: string, tradeId: string): Promise<PoolTrade> {
    return this.evaluateJson(user, channel, 'GetPoolTrade', tradeId);
  }

  listPoolTrades(
    user: string,
    channel: string,
    poolId: string,
    bookmark = '',
    pageSize = '',
  ): Promise<Page<PoolTrade>> {
    return this.evaluateJson(user, channel, 'ListPoolTrades', poolId, pageSize, bookmark);
  }

  deliverBundle(
    user: string,
    channel: string,
    tradeId: string,
    bundleHash: string,
    bundleBytes: number,
  ): Promise<PoolTrade> {
    return this.submitJson(
      user,
      channel,
      'DeliverBundle',
      tradeId,
      bundleHash,
      String(bundleBytes),
    );
  }

  submitPartials(
    user: string,
    channel: string,
    tradeId: string,
    partials: PoolPartials,
  ): Promise<PoolTrade> {
    return this.submitJson(user, channel, 'SubmitPartials', tradeId, JSON.stringify(partials));
  }

  submitShare(
    user: string,
    channel: string,
    tradeId: string,
    round: number,
    encryptedShare: string,
    shareDigest: string,
  ): Promise<PoolTrade> {
    return this.submitJson(
      user,
      channel,
      'SubmitShare',
      tradeId,
      String(round),
      encryptedShare,
      shareDigest,
    );
  }

  submitScores(
    user: string,
    channel: string,
    tradeId: string,
    scores: string[],
  ): Promise<PoolTrade> {
    return this.submitJson(user, channel, 'SubmitScores', tradeId, JSON.stringify({ scores }));
  }

  rejectPool(user: string, channel: string, tradeId: string, reason: string): Promise<PoolTrade> {
    return this.submitJson(user, channel, 'RejectPool', tradeId, reason);
  }

  refundPool(user: string, channel: string, tradeId: string): Promise<PoolTrade> {
    return this.submitJson(user, channel, 'RefundPool', tradeId);
  }

  claimPool(user: string, channel: string, tradeId: string): Promise<PoolTrade> {
    return this.submitJson(user, channel, 'ClaimPool', tradeId);
  }

  getPoolShares(
    user: string,
    channel: string,
    tradeId: string,
    round: number,
  ): Promise<PoolShare[]> {
    return this.evaluateJson(user, channel, 'GetPoolShares', tradeId, String(round));
  }
}
