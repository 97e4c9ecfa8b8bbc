// Context as a value: the decorators' metadata names it as each transaction's first parameter type.
import fabricContractApi, { Context } from 'fabric-contract-api';
import * as trade from '../trade/index.js';
import { ListingTransactions } from './listings.js';

// Decorators from the default import: see tokens.ts.
const { Returns, Transaction } = fabricContractApi;

/** Escrowed trades of one listing: purchase, delivery, result, settlement and their queries. */
export abstract class TradeTransactions extends ListingTransactions {
  @Transaction()
  @Returns('string')
  async Purchase(ctx: Context, datasetId: string, buyerResultKey: string): Promise<string> {
    return this.submitJson(ctx, (tx) => trade.purchase(tx, datasetId, buyerResultKey));
  }

  @Transaction()
  @Returns('string')
  async PurchaseAtPrice(
    ctx: Context,
    datasetId: string,
    buyerResultKey: string,
    expectedPrice: string,
    expectedDeposit: string,
  ): Promise<string> {
    return this.submitJson(ctx, (tx) =>
      trade.purchase(tx, datasetId, buyerResultKey, {
        price: expectedPrice,
        deposit: expectedDeposit,
      }),
    );
  }

  /**
   * Purchase (or PurchaseAtPrice when both amounts are given) carrying the buyer client's
   * request id: a retry with the same id returns the first trade instead of opening another.
   */
  @Transaction()
  @Returns('string')
  async PurchaseOnce(
    ctx: Context,
    datasetId: string,
    buyerResultKey: string,
    expectedPrice: string,
    expectedDeposit: string,
    requestId: string,
  ): Promise<string> {
    const expected =
      expectedPrice === '' && expectedDeposit === ''
        ? undefined
        : { price: expectedPrice, deposit: expectedDeposit };
    return this.submitJson(ctx, (tx) =>
      trade.purchase(tx, datasetId, buyerResultKey, expected, requestId),
    );
  }

  @Transaction()
  @Returns('string')
  async ConfirmDelivery(
    ctx: Context,
    tradeId: string,
    bundleHash: string,
    bundleBytes: string,
  ): Promise<string> {
    return this.submitJson(ctx, (tx) =>
      trade.confirmDelivery(tx, tradeId, bundleHash, bundleBytes),
    );
  }

  @Transaction()
  @Returns('string')
  async SubmitResult(
    ctx: Context,
    tradeId: string,
    resultHash: string,
    valueCount: string,
  ): Promise<string> {
    return this.submitJson(ctx, (tx) => trade.submitResult(tx, tradeId, resultHash, valueCount));
  }

  @Transaction()
  @Returns('string')
  async DeliverResult(
    ctx: Context,
    tradeId: string,
    encryptedResult: string,
    resultDigest: string,
  ): Promise<string> {
    return this.submitJson(ctx, (tx) =>
      trade.deliverResult(tx, tradeId, encryptedResult, resultDigest),
    );
  }

  @Transaction()
  @Returns('string')
  async RejectResult(ctx: Context, tradeId: string, reason: string): Promise<string> {
    return this.submitJson(ctx, (tx) => trade.rejectResult(tx, tradeId, reason));
  }

  /** SubmitResult for a named (approved or built-in) computation and its parameters' hash. */
  @Transaction()
  @Returns('string')
  async SubmitComputedResult(
    ctx: Context,
    tradeId: string,
    resultHash: string,
    valueCount: string,
    computationId: string,
    paramsHash: string,
  ): Promise<string> {
    return this.submitJson(ctx, (tx) =>
      trade.submitComputedResult(tx, tradeId, resultHash, valueCount, computationId, paramsHash),
    );
  }

  /** The seller's re-execution did not reproduce the result: rejected, buyer refunded. */
  @Transaction()
  @Returns('string')
  async RejectUnverifiedResult(
    ctx: Context,
    tradeId: string,
    reason: string,
    reexecutedHash: string,
  ): Promise<string> {
    return this.submitJson(ctx, (tx) =>
      trade.rejectUnverifiedResult(tx, tradeId, reason, reexecutedHash),
    );
  }

  @Transaction()
  @Returns('string')
  async Refund(ctx: Context, tradeId: string): Promise<string> {
    return this.submitJson(ctx, (tx) => trade.refund(tx, tradeId));
  }

  @Transaction()
  @Returns('string')
  async Claim(ctx: Context, tradeId: string): Promise<string> {
    return this.submitJson(ctx, (tx) => trade.claim(tx, tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async GetTrade(ctx: Context, tradeId: string): Promise<string> {
    return this.queryJson(ctx, (tx) => trade.getTrade(tx, tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async GetTradeHistory(ctx: Context, tradeId: string): Promise<string> {
    return this.queryJson(ctx, (tx) => trade.getTradeHistory(tx, tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async GetDeliveredResult(ctx: Context, tradeId: string): Promise<string> {
    return this.queryJson(ctx, (tx) => trade.getDeliveredResult(tx, tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async ListTradesByDataset(
    ctx: Context,
    datasetId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return this.queryJson(ctx, (tx) =>
      trade.listTrades(tx, 'dataset', datasetId, pageSize, bookmark),
    );
  }

  @Transaction(false)
  @Returns('string')
  async ListTradesByBuyer(
    ctx: Context,
    buyerAccountId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return this.queryJson(ctx, (tx) =>
      trade.listTrades(tx, 'buyer', buyerAccountId, pageSize, bookmark),
    );
  }

  @Transaction(false)
  @Returns('string')
  async ListTradesBySeller(
    ctx: Context,
    sellerAccountId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return this.queryJson(ctx, (tx) =>
      trade.listTrades(tx, 'seller', sellerAccountId, pageSize, bookmark),
    );
  }

  @Transaction(false)
  @Returns('string')
  async ListTradesByState(
    ctx: Context,
    state: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return this.queryJson(ctx, (tx) => trade.listTrades(tx, 'state', state, pageSize, bookmark));
  }
}
