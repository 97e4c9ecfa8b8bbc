// Context as a value: the decorators' metadata names it as each transaction's first parameter type.
import fabricContractApi, { Context } from 'fabric-contract-api';
import { auditSupply } from '../audit.js';
import { ContractError } from '../errors.js';
import { accountIdArg, Tx } from '../ledger.js';
import * as token from '../token.js';
import { auditTotals, checkpointTotals } from '../totals.js';
import { MarketContractBase } from './base.js';

// fabric-contract-api attaches its decorators with Object.assign, which Node's CommonJS export
// detection cannot see, so they come from the default (module.exports) import.
const { Returns, Transaction } = fabricContractApi;

/** Tokens: the issuer's config, minting, transfers, balances and the supply audits. */
export abstract class TokenTransactions extends MarketContractBase {
  @Transaction()
  @Returns('string')
  async Initialize(ctx: Context, issuerMspId: string): Promise<string> {
    return this.submitJson(ctx, (tx) => token.initialize(tx, issuerMspId));
  }

  @Transaction(false)
  @Returns('string')
  async GetConfig(ctx: Context): Promise<string> {
    return this.queryJson(ctx, async (tx) => {
      const config = await token.getConfig(tx);
      if (!config) throw new ContractError('NOT_INITIALIZED', 'Initialize has not been called');
      return config;
    });
  }

  @Transaction()
  @Returns('string')
  async Mint(ctx: Context, amount: string): Promise<string> {
    return this.submitJson(ctx, (tx) => token.mint(tx, tx.caller, amount, 'Mint'));
  }

  @Transaction()
  @Returns('string')
  async MintTo(ctx: Context, accountId: string, amount: string): Promise<string> {
    return this.submitJson(ctx, (tx) =>
      token.mint(tx, accountIdArg('accountId', accountId), amount, 'MintTo'),
    );
  }

  @Transaction()
  @Returns('string')
  async Transfer(ctx: Context, toAccountId: string, amount: string): Promise<string> {
    return this.submitJson(ctx, (tx) =>
      token.transfer(tx, accountIdArg('toAccountId', toAccountId), amount),
    );
  }

  @Transaction()
  @Returns('string')
  async Burn(ctx: Context, amount: string): Promise<string> {
    return this.submitJson(ctx, (tx) => token.burn(tx, amount));
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

  /** The caller folds its credit keys into its balance's base. */
  @Transaction()
  @Returns('string')
  async CompactBalance(ctx: Context): Promise<string> {
    return this.submitJson(ctx, (tx) => token.compactBalance(tx));
  }

  @Transaction(false)
  @Returns('string')
  async AuditSupply(ctx: Context): Promise<string> {
    return this.queryJson(ctx, (tx) => auditSupply(tx));
  }

  /** The running totals (checkpoint + deltas since): cost independent of the ledger's size. */
  @Transaction(false)
  @Returns('string')
  async AuditSupplyTotals(ctx: Context): Promise<string> {
    return this.queryJson(ctx, (tx) => auditTotals(tx));
  }

  /** Folds the running-total deltas of minutes past the clock-skew limit into the checkpoint. */
  @Transaction()
  @Returns('string')
  async CheckpointSupply(ctx: Context): Promise<string> {
    const settleMs = (2 * this.options.maxClockSkewSeconds + 60) * 1000;
    return this.submitJson(ctx, (tx) => checkpointTotals(tx, settleMs));
  }
}
