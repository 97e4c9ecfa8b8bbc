import { Contract, type Context } from 'fabric-contract-api';
import { resolveOptions, Tx, type ContractOptions } from '../ledger.js';

/**
 * What every area of the contract shares: the options and running one transaction function.
 * The areas (tokens, listings, trades, pools) are classes stacked on this one, each adding
 * its transactions, so that the one contract clients call exposes every name unprefixed.
 */
export abstract class MarketContractBase extends Contract {
  protected readonly options: Required<ContractOptions>;

  constructor(options: ContractOptions = {}) {
    super('datamarket');
    this.options = resolveOptions(options);
  }

  /** A writing transaction: `body` runs on a Tx that checks the clock; its result as JSON. */
  protected async submitJson(ctx: Context, body: (tx: Tx) => Promise<unknown>): Promise<string> {
    const tx = Tx.submit(ctx, this.options);
    const result = await body(tx);
    await tx.finish();
    return JSON.stringify(result);
  }

  /** A read: `body` runs on a query Tx; its result as JSON. */
  protected async queryJson(ctx: Context, body: (tx: Tx) => Promise<unknown>): Promise<string> {
    return JSON.stringify(await body(Tx.query(ctx)));
  }
}
