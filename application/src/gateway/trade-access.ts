import type { Listing, Trade, TradeState } from '@datamarket/chaincode/api';
import type { SignedCaller } from './auth.js';
import { conflict, forbidden, notFound } from './http/errors.js';
import type { MarketLedger } from './ledger/market-ledger.js';
import type { SellerStore, StoredDataset } from './store/seller-store.js';

/** Which side of a trade a caller must be on. */
export type Party = 'buyer' | 'seller';

/** The states in which the seller's app serves a trade's bundle. */
export const BUNDLE_STATES: readonly TradeState[] = ['DELIVERED', 'RESULT_SUBMITTED'];

/**
 * The party and state checks every route makes, in one place: "is this the caller's trade /
 * listing" (403 when not), "is this a trade this app sells" (404), "the trade must be in
 * state X" (409). The ledger stays the judge of the same rules; these checks answer early
 * and with a clear message, and guard what the ledger cannot see (bundles, keys, results).
 */
export class TradeAccess {
  constructor(
    private readonly ledger: MarketLedger,
    private readonly store: SellerStore,
    /** The user the app reads the ledger as for signed requests from other orgs. */
    private readonly readerUser: string,
  ) {}

  /** The trade, when this org's `user` is one of the named parties to it; 403 otherwise. */
  async callersTrade(
    user: string,
    channel: string,
    tradeId: string,
    parties: readonly Party[],
    refusal: string,
  ): Promise<Trade> {
    const [trade, me] = await Promise.all([
      this.ledger.getTrade(user, channel, tradeId),
      this.ledger.accountId(user, channel),
    ]);
    if (!parties.some((party) => trade[party] === me)) throw forbidden(refusal);
    return trade;
  }

  /** The trade, when `user` bought it. */
  buyersTrade(user: string, channel: string, tradeId: string): Promise<Trade> {
    return this.callersTrade(
      user,
      channel,
      tradeId,
      ['buyer'],
      `trade ${tradeId} was bought by another account`,
    );
  }

  /** The listing, when `user` is its seller; 403 otherwise. */
  async callersListing(user: string, channel: string, datasetId: string): Promise<Listing> {
    const [listing, me] = await Promise.all([
      this.ledger.getListing(user, channel, datasetId),
      this.ledger.accountId(user, channel),
    ]);
    if (listing.seller !== me) {
      throw forbidden(`dataset ${datasetId} is listed by another account`);
    }
    return listing;
  }

  /**
   * A trade of a dataset this app sells, asked for by another org's signed request: 404 when
   * this app does not sell the dataset, 403 when the signed caller is not the trade's buyer.
   */
  async soldToCaller(
    caller: SignedCaller,
    channel: string,
    tradeId: string,
    refusal: string,
  ): Promise<{ trade: Trade; dataset: StoredDataset }> {
    const trade = await this.ledger.getTrade(this.readerUser, channel, tradeId);
    const dataset = await this.store.getDataset(channel, trade.datasetId);
    if (!dataset) throw notFound(`trade ${tradeId} is not for a dataset this app sells`);
    if (trade.buyer !== caller.accountId) throw forbidden(refusal);
    return { trade, dataset };
  }

  /** A listing read as the app's reader user (for signed requests from other orgs). */
  listing(channel: string, datasetId: string): Promise<Listing> {
    return this.ledger.getListing(this.readerUser, channel, datasetId);
  }
}

/** 409 unless the trade is in one of `states`; `rule` says which states the action needs. */
export function requireState(trade: Trade, states: readonly TradeState[], rule: string): void {
  if (!states.includes(trade.state)) {
    throw conflict(`trade ${trade.tradeId} is ${trade.state}: ${rule}`);
  }
}
