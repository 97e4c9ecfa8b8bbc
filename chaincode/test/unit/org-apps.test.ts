import '../support/quiet.js';
import { expect } from 'chai';
import type { OrgApp } from '../../src/org-apps.js';
import type { Listing, Trade } from '../../src/types.js';
import { orgAdmin } from '../support/fake-fabric.js';
import { accountOf, buyer, listingInput, Market, RESULT_KEY, seller } from './market.js';

const sellerAdmin = orgAdmin('SellerMSP', 'seller');
const buyerAdmin = orgAdmin('BuyerMSP', 'buyer');
const OWN_APP = 'https://apps.seller.example.com:9443/market';

describe('org app registry', () => {
  let m: Market;
  beforeEach(() => {
    m = new Market();
  });

  it("RegisterOrgApp: an org's admin registers an app URL under its own MSP, normalized", async () => {
    const app = await m.json<OrgApp>(sellerAdmin, 'RegisterOrgApp', [
      'HTTPS://Apps.Seller.example.com:9443/market',
    ]);
    expect(app).to.deep.include({ docType: 'org-app', mspId: 'SellerMSP', url: OWN_APP });
    const read = await m.json<OrgApp>(buyer, 'GetOrgApp', ['SellerMSP', OWN_APP]);
    expect(read.registeredBy).to.equal(accountOf(sellerAdmin));
    const list = await m.json<OrgApp[]>(buyer, 'ListOrgApps', ['SellerMSP']);
    expect(list.map((a) => a.url)).to.include(OWN_APP);
  });

  it('RegisterOrgApp: refused for a member that is not an admin, and for a bad URL', async () => {
    await m.refuse(seller, 'RegisterOrgApp', [OWN_APP], 'FORBIDDEN', [
      'admin of SellerMSP',
      'OU=admin',
    ]);
    await m.refuse(sellerAdmin, 'RegisterOrgApp', ['ftp://x.example.com'], 'INVALID_ARGUMENT', [
      'http or https',
    ]);
    await m.refuse(
      sellerAdmin,
      'RegisterOrgApp',
      ['https://u:p@x.example.com'],
      'INVALID_ARGUMENT',
      ['credentials'],
    );
  });

  it("a listing may name only its own org's registered app (APP_NOT_REGISTERED otherwise)", async () => {
    await m.refuse(
      seller,
      'CreateListing',
      [JSON.stringify(listingInput({ sellerGatewayUrl: 'http://127.0.0.1:9/anywhere' }))],
      'APP_NOT_REGISTERED',
      ['SellerMSP has registered no app'],
    );
    // Another org's registration does not count for the seller.
    await m.call(buyerAdmin, 'RegisterOrgApp', [OWN_APP]);
    await m.refuse(
      seller,
      'CreateListing',
      [JSON.stringify(listingInput({ sellerGatewayUrl: OWN_APP }))],
      'APP_NOT_REGISTERED',
    );
    await m.call(sellerAdmin, 'RegisterOrgApp', [OWN_APP]);
    const listing = await m.json<Listing>(seller, 'CreateListing', [
      JSON.stringify(listingInput({ sellerGatewayUrl: OWN_APP })),
    ]);
    expect(listing.sellerGatewayUrl).to.equal(OWN_APP);
  });

  it('UpdateListing to an unregistered URL is refused; unregistering an app stops new listings naming it', async () => {
    await m.call(seller, 'CreateListing', [JSON.stringify(listingInput())]);
    await m.refuse(
      seller,
      'UpdateListing',
      [JSON.stringify({ id: 'heart-2024', sellerGatewayUrl: 'https://evil.example.com' })],
      'APP_NOT_REGISTERED',
    );
    await m.call(sellerAdmin, 'RegisterOrgApp', [OWN_APP]);
    await m.call(sellerAdmin, 'UnregisterOrgApp', [OWN_APP]);
    await m.refuse(buyer, 'GetOrgApp', ['SellerMSP', OWN_APP], 'APP_NOT_REGISTERED');
    await m.refuse(
      seller,
      'CreateListing',
      [JSON.stringify(listingInput({ id: 'other', sellerGatewayUrl: OWN_APP }))],
      'APP_NOT_REGISTERED',
    );
  });
});

describe('PurchaseOnce: purchases idempotent per buyer request id', () => {
  let m: Market;
  beforeEach(async () => {
    m = new Market();
    await m.fund([[buyer, 1000]]);
    await m.call(seller, 'CreateListing', [JSON.stringify(listingInput())]);
  });

  it('a retry with the same request id returns the first trade, pays once and emits no second event', async () => {
    const first = await m.invoke(buyer, 'PurchaseOnce', [
      'heart-2024',
      RESULT_KEY,
      '100',
      '20',
      'req-1',
    ]);
    const again = await m.invoke(buyer, 'PurchaseOnce', [
      'heart-2024',
      RESULT_KEY,
      '100',
      '20',
      'req-1',
    ]);
    const a = JSON.parse(first.result) as Trade;
    const b = JSON.parse(again.result) as Trade;
    expect(b.tradeId).to.equal(a.tradeId);
    expect(again.event).to.equal(undefined);
    expect(await m.balance(buyer)).to.equal(880n);
    const other = await m.json<Trade>(buyer, 'PurchaseOnce', [
      'heart-2024',
      RESULT_KEY,
      '',
      '',
      'req-2',
    ]);
    expect(other.tradeId).to.not.equal(a.tradeId);
    expect(await m.balance(buyer)).to.equal(760n);
  });

  it('the same request id for another dataset is refused; terms are still checked on a first try', async () => {
    await m.call(seller, 'CreateListing', [JSON.stringify(listingInput({ id: 'second' }))]);
    await m.call(buyer, 'PurchaseOnce', ['heart-2024', RESULT_KEY, '', '', 'req-1']);
    await m.refuse(
      buyer,
      'PurchaseOnce',
      ['second', RESULT_KEY, '', '', 'req-1'],
      'ALREADY_EXISTS',
      ['request id'],
    );
    await m.refuse(
      buyer,
      'PurchaseOnce',
      ['second', RESULT_KEY, '5', '20', 'req-3'],
      'TERMS_CHANGED',
    );
    await m.refuse(
      buyer,
      'PurchaseOnce',
      ['second', RESULT_KEY, '', '', 'bad id!'],
      'INVALID_ARGUMENT',
    );
  });
});
