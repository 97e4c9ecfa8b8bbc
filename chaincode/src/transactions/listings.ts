// Context as a value: the decorators' metadata names it as each transaction's first parameter type.
import fabricContractApi, { Context } from 'fabric-contract-api';
import { createListing, delist, getListing, listListings, updateListing } from '../listing.js';
import { getOrgApp, listOrgApps, registerOrgApp, unregisterOrgApp } from '../org-apps.js';
import { TokenTransactions } from './tokens.js';

// Decorators from the default import: see tokens.ts.
const { Returns, Transaction } = fabricContractApi;

/** Dataset listings and the org app registry the listings' URLs are checked against. */
export abstract class ListingTransactions extends TokenTransactions {
  @Transaction()
  @Returns('string')
  async CreateListing(ctx: Context, listingJson: string): Promise<string> {
    return this.submitJson(ctx, (tx) => createListing(tx, listingJson));
  }

  @Transaction()
  @Returns('string')
  async UpdateListing(ctx: Context, listingJson: string): Promise<string> {
    return this.submitJson(ctx, (tx) => updateListing(tx, listingJson));
  }

  @Transaction()
  @Returns('string')
  async Delist(ctx: Context, datasetId: string): Promise<string> {
    return this.submitJson(ctx, (tx) => delist(tx, datasetId));
  }

  @Transaction(false)
  @Returns('string')
  async GetListing(ctx: Context, datasetId: string): Promise<string> {
    return this.queryJson(ctx, (tx) => getListing(tx, datasetId));
  }

  @Transaction(false)
  @Returns('string')
  async ListListings(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    return this.queryJson(ctx, (tx) => listListings(tx, pageSize, bookmark));
  }

  /** An admin of the caller's org registers one of its gateway app URLs. */
  @Transaction()
  @Returns('string')
  async RegisterOrgApp(ctx: Context, url: string): Promise<string> {
    return this.submitJson(ctx, (tx) => registerOrgApp(tx, url));
  }

  @Transaction()
  @Returns('string')
  async UnregisterOrgApp(ctx: Context, url: string): Promise<string> {
    return this.submitJson(ctx, (tx) => unregisterOrgApp(tx, url));
  }

  /** The registration of `url` by `mspId`, or APP_NOT_REGISTERED. */
  @Transaction(false)
  @Returns('string')
  async GetOrgApp(ctx: Context, mspId: string, url: string): Promise<string> {
    return this.queryJson(ctx, (tx) => getOrgApp(tx, mspId, url));
  }

  @Transaction(false)
  @Returns('string')
  async ListOrgApps(ctx: Context, mspId: string): Promise<string> {
    return this.queryJson(ctx, (tx) => listOrgApps(tx, mspId));
  }
}
