import fabricContractApi, { Context, Contract } from 'fabric-contract-api';
import { auditSupply } from './audit.js';
import { ContractError } from './errors.js';
import { accountIdArg, resolveOptions, Tx, type ContractOptions } from './ledger.js';
import { createListing, delist, getListing, listListings, updateListing } from './listing.js';
import { getOrgApp, listOrgApps, registerOrgApp, unregisterOrgApp } from './org-apps.js';
import * as pool from './pool/index.js';
import * as token from './token.js';
import { auditTotals, checkpointTotals } from './totals.js';
import * as trade from './trade/index.js';

// fabric-contract-api attaches its decorators with Object.assign, which Node's CommonJS export
// detection cannot see, so they come from the default (module.exports) import.
const { Info, Returns, Transaction } = fabricContractApi;

const json = (value: unknown): string => JSON.stringify(value);

/**
 * The datamarket contract: tokens, dataset listings and escrowed trades. Every transaction
 * takes string arguments and returns a string (JSON unless documented otherwise); see
 * docs/chaincode.md for each function, the trade state machine and the events.
 */
@Info({
  title: 'datamarket',
  description:
    'Tokens, dataset listings and escrowed trades for computations on CKKS-encrypted data',
})
export class DataMarketContract extends Contract {
  private readonly options: Required<ContractOptions>;

  constructor(options: ContractOptions = {}) {
    super('datamarket');
    this.options = resolveOptions(options);
  }

  private submit(ctx: Context): Tx {
    return Tx.submit(ctx, this.options);
  }

  // ----------------------------------------------------------------------------- tokens

  @Transaction()
  @Returns('string')
  async Initialize(ctx: Context, issuerMspId: string): Promise<string> {
    return json(await token.initialize(this.submit(ctx), issuerMspId));
  }

  @Transaction(false)
  @Returns('string')
  async GetConfig(ctx: Context): Promise<string> {
    const config = await token.getConfig(Tx.query(ctx));
    if (!config) throw new ContractError('NOT_INITIALIZED', 'Initialize has not been called');
    return json(config);
  }

  @Transaction()
  @Returns('string')
  async Mint(ctx: Context, amount: string): Promise<string> {
    const tx = this.submit(ctx);
    return json(await token.mint(tx, tx.caller, amount, 'Mint'));
  }

  @Transaction()
  @Returns('string')
  async MintTo(ctx: Context, accountId: string, amount: string): Promise<string> {
    const tx = this.submit(ctx);
    return json(await token.mint(tx, accountIdArg('accountId', accountId), amount, 'MintTo'));
  }

  @Transaction()
  @Returns('string')
  async Transfer(ctx: Context, toAccountId: string, amount: string): Promise<string> {
    const tx = this.submit(ctx);
    return json(await token.transfer(tx, accountIdArg('toAccountId', toAccountId), amount));
  }

  @Transaction()
  @Returns('string')
  async Burn(ctx: Context, amount: string): Promise<string> {
    return json(await token.burn(this.submit(ctx), amount));
  }

  /** The balance as a bare decimal string (e.g. "250"). */
  @Transaction(false)
  @Returns('string')
  async BalanceOf(ctx: Context, accountId: string): Promise<string> {
    const tx = Tx.query(ctx);
    return (await token.balanceOf(tx, accountIdArg('accountId', accountId))).toString();
  }

  /** The caller's account id as plain text (not JSON-quoted). */
  @Transaction(false)
  @Returns('string')
  ClientAccountID(ctx: Context): Promise<string> {
    // A promise like every other transaction; a refusal in Tx.query becomes a rejection.
    return new Promise((resolve) => {
      resolve(Tx.query(ctx).caller);
    });
  }

  /** The total supply as a bare decimal string. */
  @Transaction(false)
  @Returns('string')
  async TotalSupply(ctx: Context): Promise<string> {
    return (await token.totalSupply(Tx.query(ctx))).toString();
  }

  // ----------------------------------------------------------------------------- listings

  @Transaction()
  @Returns('string')
  async CreateListing(ctx: Context, listingJson: string): Promise<string> {
    return json(await createListing(this.submit(ctx), listingJson));
  }

  @Transaction()
  @Returns('string')
  async UpdateListing(ctx: Context, listingJson: string): Promise<string> {
    return json(await updateListing(this.submit(ctx), listingJson));
  }

  @Transaction()
  @Returns('string')
  async Delist(ctx: Context, datasetId: string): Promise<string> {
    return json(await delist(this.submit(ctx), datasetId));
  }

  @Transaction(false)
  @Returns('string')
  async GetListing(ctx: Context, datasetId: string): Promise<string> {
    return json(await getListing(Tx.query(ctx), datasetId));
  }

  @Transaction(false)
  @Returns('string')
  async ListListings(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    return json(await listListings(Tx.query(ctx), pageSize, bookmark));
  }

  // ----------------------------------------------------------------------------- trades

  @Transaction()
  @Returns('string')
  async Purchase(ctx: Context, datasetId: string, buyerResultKey: string): Promise<string> {
    return json(await trade.purchase(this.submit(ctx), datasetId, buyerResultKey));
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
    return json(
      await trade.purchase(this.submit(ctx), datasetId, buyerResultKey, {
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
    return json(
      await trade.purchase(this.submit(ctx), datasetId, buyerResultKey, expected, requestId),
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
    return json(await trade.confirmDelivery(this.submit(ctx), tradeId, bundleHash, bundleBytes));
  }

  @Transaction()
  @Returns('string')
  async SubmitResult(
    ctx: Context,
    tradeId: string,
    resultHash: string,
    valueCount: string,
  ): Promise<string> {
    return json(await trade.submitResult(this.submit(ctx), tradeId, resultHash, valueCount));
  }

  @Transaction()
  @Returns('string')
  async DeliverResult(
    ctx: Context,
    tradeId: string,
    encryptedResult: string,
    resultDigest: string,
  ): Promise<string> {
    return json(
      await trade.deliverResult(this.submit(ctx), tradeId, encryptedResult, resultDigest),
    );
  }

  @Transaction()
  @Returns('string')
  async RejectResult(ctx: Context, tradeId: string, reason: string): Promise<string> {
    return json(await trade.rejectResult(this.submit(ctx), tradeId, reason));
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
    return json(
      await trade.submitComputedResult(
        this.submit(ctx),
        tradeId,
        resultHash,
        valueCount,
        computationId,
        paramsHash,
      ),
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
    return json(
      await trade.rejectUnverifiedResult(this.submit(ctx), tradeId, reason, reexecutedHash),
    );
  }

  @Transaction()
  @Returns('string')
  async Refund(ctx: Context, tradeId: string): Promise<string> {
    return json(await trade.refund(this.submit(ctx), tradeId));
  }

  @Transaction()
  @Returns('string')
  async Claim(ctx: Context, tradeId: string): Promise<string> {
    return json(await trade.claim(this.submit(ctx), tradeId));
  }

  // ----------------------------------------------------------------------------- org apps

  /** An admin of the caller's org registers one of its gateway app URLs. */
  @Transaction()
  @Returns('string')
  async RegisterOrgApp(ctx: Context, url: string): Promise<string> {
    return json(await registerOrgApp(this.submit(ctx), url));
  }

  @Transaction()
  @Returns('string')
  async UnregisterOrgApp(ctx: Context, url: string): Promise<string> {
    return json(await unregisterOrgApp(this.submit(ctx), url));
  }

  /** The registration of `url` by `mspId`, or APP_NOT_REGISTERED. */
  @Transaction(false)
  @Returns('string')
  async GetOrgApp(ctx: Context, mspId: string, url: string): Promise<string> {
    return json(await getOrgApp(Tx.query(ctx), mspId, url));
  }

  @Transaction(false)
  @Returns('string')
  async ListOrgApps(ctx: Context, mspId: string): Promise<string> {
    return json(await listOrgApps(Tx.query(ctx), mspId));
  }

  // ----------------------------------------------------------------------------- audit

  @Transaction(false)
  @Returns('string')
  async GetTrade(ctx: Context, tradeId: string): Promise<string> {
    return json(await trade.getTrade(Tx.query(ctx), tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async GetTradeHistory(ctx: Context, tradeId: string): Promise<string> {
    return json(await trade.getTradeHistory(Tx.query(ctx), tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async GetDeliveredResult(ctx: Context, tradeId: string): Promise<string> {
    return json(await trade.getDeliveredResult(Tx.query(ctx), tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async ListTradesByDataset(
    ctx: Context,
    datasetId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return json(await trade.listTrades(Tx.query(ctx), 'dataset', datasetId, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async ListTradesByBuyer(
    ctx: Context,
    buyerAccountId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return json(await trade.listTrades(Tx.query(ctx), 'buyer', buyerAccountId, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async ListTradesBySeller(
    ctx: Context,
    sellerAccountId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return json(
      await trade.listTrades(Tx.query(ctx), 'seller', sellerAccountId, pageSize, bookmark),
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
    return json(await trade.listTrades(Tx.query(ctx), 'state', state, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async AuditSupply(ctx: Context): Promise<string> {
    return json(await auditSupply(Tx.query(ctx)));
  }

  /** The running totals (checkpoint + deltas since): cost independent of the ledger's size. */
  @Transaction(false)
  @Returns('string')
  async AuditSupplyTotals(ctx: Context): Promise<string> {
    return json(await auditTotals(Tx.query(ctx)));
  }

  /** Folds the running-total deltas of minutes past the clock-skew limit into the checkpoint. */
  @Transaction()
  @Returns('string')
  async CheckpointSupply(ctx: Context): Promise<string> {
    const settleMs = (2 * this.options.maxClockSkewSeconds + 60) * 1000;
    return json(await checkpointTotals(this.submit(ctx), settleMs));
  }

  /** The caller folds its credit keys into its balance's base. */
  @Transaction()
  @Returns('string')
  async CompactBalance(ctx: Context): Promise<string> {
    return json(await token.compactBalance(this.submit(ctx)));
  }

  // ----------------------------------------------------------------------------- pools (docs/pools.md)

  @Transaction()
  @Returns('string')
  async ProposePool(ctx: Context, proposalJson: string): Promise<string> {
    return json(await pool.proposePool(this.submit(ctx), proposalJson));
  }

  @Transaction()
  @Returns('string')
  async JoinPool(ctx: Context, poolId: string, joinJson: string): Promise<string> {
    return json(await pool.joinPool(this.submit(ctx), poolId, joinJson));
  }

  @Transaction()
  @Returns('string')
  async LeavePool(ctx: Context, poolId: string): Promise<string> {
    return json(await pool.leavePool(this.submit(ctx), poolId));
  }

  @Transaction(false)
  @Returns('string')
  async GetPool(ctx: Context, poolId: string): Promise<string> {
    return json(await pool.getPool(Tx.query(ctx), poolId));
  }

  @Transaction(false)
  @Returns('string')
  async ListPools(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    return json(await pool.listPools(Tx.query(ctx), pageSize, bookmark));
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
    return json(
      await pool.purchasePool(this.submit(ctx), {
        poolId,
        buyerResultKey,
        rounds,
        expectedPrice,
        expectedDeposit,
      }),
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
    return json(await pool.deliverBundle(this.submit(ctx), tradeId, bundleHash, bundleBytes));
  }

  @Transaction()
  @Returns('string')
  async SubmitPartials(ctx: Context, tradeId: string, partialsJson: string): Promise<string> {
    return json(await pool.submitPartials(this.submit(ctx), tradeId, partialsJson));
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
    return json(
      await pool.submitShare(this.submit(ctx), tradeId, round, encryptedShare, shareDigest),
    );
  }

  @Transaction()
  @Returns('string')
  async SubmitScores(ctx: Context, tradeId: string, scoresJson: string): Promise<string> {
    return json(await pool.submitScores(this.submit(ctx), tradeId, scoresJson));
  }

  @Transaction()
  @Returns('string')
  async RejectPool(ctx: Context, tradeId: string, reason: string): Promise<string> {
    return json(await pool.rejectPool(this.submit(ctx), tradeId, reason));
  }

  @Transaction()
  @Returns('string')
  async RefundPool(ctx: Context, tradeId: string): Promise<string> {
    return json(await pool.refundPool(this.submit(ctx), tradeId));
  }

  @Transaction()
  @Returns('string')
  async ClaimPool(ctx: Context, tradeId: string): Promise<string> {
    return json(await pool.claimPool(this.submit(ctx), tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async GetPoolTrade(ctx: Context, tradeId: string): Promise<string> {
    return json(await pool.getPoolTrade(Tx.query(ctx), tradeId));
  }

  @Transaction(false)
  @Returns('string')
  async ListPoolTrades(
    ctx: Context,
    poolId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return json(await pool.listPoolTrades(Tx.query(ctx), 'pool', poolId, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async ListPoolTradesByParty(
    ctx: Context,
    accountId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return json(await pool.listPoolTrades(Tx.query(ctx), 'party', accountId, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async GetPoolShares(ctx: Context, tradeId: string, round: string): Promise<string> {
    return json(await pool.getPoolShares(Tx.query(ctx), tradeId, round));
  }
}
