// Context as a value: the decorators' metadata names it as each transaction's first parameter type.
import fabricContractApi, { Context } from 'fabric-contract-api';
import * as pool from '../pool/index.js';
import { TradeTransactions } from './trades.js';

// Decorators from the default import: see tokens.ts.
const { Returns, Transaction } = fabricContractApi;

/** Pools of datasets and their joint trades (docs/pools.md). */
export abstract class PoolTransactions extends TradeTransactions {
  @Transaction()
  @Returns('string')
  async ProposePool(ctx: Context, proposalJson: string): Promise<string> {
    return this.submitJson(ctx, (tx) => pool.proposePool(tx, proposalJson));
  }

  @Transaction()
  @Returns('string')
  async JoinPool(ctx: Context, poolId: string, joinJson: string): Promise<string> {
    return this.submitJson(ctx, (tx) => pool.joinPool(tx, poolId, joinJson));
  }

  @Transaction()
  @Returns('string')
  async LeavePool(ctx: Context, poolId: string): Promise<string> {
    return this.submitJson(ctx, (tx) => pool.leavePool(tx, poolId));
  }

  @Transaction(false)
  @Returns('string')
  async GetPool(ctx: Context, poolId: string): Promise<string> {
    return this.queryJson(ctx, (tx) => pool.getPool(tx, poolId));
  }

  @Transaction(false)
  @Returns('string')
  async ListPools(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    return this.queryJson(ctx, (tx) => pool.listPools(tx, pageSize, bookmark));
  }

  @Transaction()
  @Returns('string')
  async PurchasePool(
    ctx: Context,
    poolId: string,
    buyerResultKey: string,
    rounds: string,
    expectedPrice: string,
    expectedDeposit: string,
  ): Promise<string> {
    return this.submitJson(ctx, (tx) =>
      pool.purchasePool(tx, { poolId, buyerResultKey, rounds, expectedPrice, expectedDeposit }),
    );
  }

  @Transaction()
  @Returns('string')
  async DeliverBundle(
    ctx: Context,
    tradeId: string,
    bundleHash: string,
    bundleBytes: string,
  ): Promise<string> {
    return this.submitJson(ctx, (tx) => pool.deliverBundle(tx, tradeId, bundleHash, bundleBytes));
  }

  @Transaction()
  @Returns('string')
  async SubmitPartials(ctx: Context, tradeId: string, partialsJson: string): Promise<string> {
    return this.submitJson(ctx, (tx) => pool.submitPartials(tx, tradeId, partialsJson));
  }

  @Transaction()
  @Returns('string')
  async SubmitShare(
    ctx: Context,
    tradeId: string,
    round: string,
    encryptedShare: string,
    shareDigest: string,
  ): Promise<string> {
    return this.submitJson(ctx, (tx) =>
      pool.submitShare(tx, tradeId, round, encryptedShare, shareDigest),
    );
  }

  @Transaction()
  @Returns('string')
  async SubmitScores(ctx: Context, tradeId: string, scoresJson: string): Promise<string> {
    return this.submitJson(ctx, (tx) => pool.submitScores(tx, tradeId, scoresJson));
  }

  @Transaction()
  @Returns('string')
  async RejectPool(ctx: Context, tradeId: string, reason: string): Promise<string> {
    return this.submitJson(ctx, (tx) => pool.rejectPool(tx, tradeId, reason));
  }

  @Transaction()
  @Returns('string')
  async RefundPool(ctx: Context, tradeId: string): Promise<string> {
    return this.submitJson(ctx, (tx) => pool.refundPool(tx, tradeId));
  }

  @Transaction()
  @Returns('string')
  async ClaimPool(ctx: Context, tradeId: string): Promise<string> {
    return this.submitJson(ctx, (tx) => pool.claimPool(tx, tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async GetPoolTrade(ctx: Context, tradeId: string): Promise<string> {
    return this.queryJson(ctx, (tx) => pool.getPoolTrade(tx, tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async ListPoolTrades(
    ctx: Context,
    poolId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return this.queryJson(ctx, (tx) => pool.listPoolTrades(tx, 'pool', poolId, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async ListPoolTradesByParty(
    ctx: Context,
    accountId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return this.queryJson(ctx, (tx) =>
      pool.listPoolTrades(tx, 'party', accountId, pageSize, bookmark),
    );
  }

  @Transaction(false)
  @Returns('string')
  async GetPoolShares(ctx: Context, tradeId: string, round: string): Promise<string> {
    return this.queryJson(ctx, (tx) => pool.getPoolShares(tx, tradeId, round));
  }
}
