import '../support/quiet.js';
import { expect } from 'chai';
import type { Listing, Page } from '../../src/types.js';
import { accountOf, buyer, listingInput, Market, seller, seller2, T0 } from './market.js';
import { messageOf } from '../support/message-of.js';

const create = (m: Market, overrides: Record<string, unknown> = {}, who = seller) =>
  m.invoke(who, 'CreateListing', [JSON.stringify(listingInput(overrides))]);

describe('listings', () => {
  let m: Market;
  beforeEach(() => {
    m = new Market();
  });

  describe('CreateListing', () => {
    it('stores the listing under the caller as seller and emits ListingEvent ListingCreated', async () => {
      const call = await create(m);
      const listing = JSON.parse(call.result) as Listing;
      expect(listing).to.deep.include({
        docType: 'listing',
        id: 'heart-2024',
        seller: accountOf(seller),
        state: 'ACTIVE',
        version: 1,
        price: '100',
        deposit: '20',
        leakageBound: 10,
        freeSample: true,
        schema: { columns: ['age', 'sex', 'sysBP', 'diaBP', 'BMI'], rowCount: 4240 },
        createdAt: T0,
        delistedAt: null,
      });
      expect(call.event).to.deep.equal({
        name: 'ListingEvent',
        payload: {
          type: 'ListingCreated',
          datasetId: 'heart-2024',
          seller: accountOf(seller),
          state: 'ACTIVE',
          version: 1,
          price: '100',
          deposit: '20',
          txId: call.txId,
          timestamp: T0,
        },
      });
      expect(await m.json(buyer, 'GetListing', ['heart-2024'])).to.deep.equal(listing);
    });

    it('defaults deposit to 0, description to empty and freeSample to false', async () => {
      const input = listingInput() as unknown as Record<string, unknown>;
      delete input.deposit;
      delete input.description;
      delete input.freeSample;
      const listing = await m.json<Listing>(seller, 'CreateListing', [JSON.stringify(input)]);
      expect(listing).to.include({ deposit: '0', description: '', freeSample: false });
    });

    it('refuses a taken id, even from another seller', async () => {
      await create(m);
      await m.refuse(seller2, 'CreateListing', [JSON.stringify(listingInput())], 'ALREADY_EXISTS', [
        'heart-2024',
      ]);
    });

    const invalid: [string, Record<string, unknown>, string][] = [
      ['missing id', { id: undefined }, 'id must be a string'],
      ['bad id', { id: 'has space' }, 'id "has space" may hold only'],
      ['empty title', { title: '' }, 'title is empty'],
      ['blank title', { title: '   ' }, 'title is blank'],
      ['long title', { title: 'x'.repeat(201) }, 'title is 201 characters long'],
      ['control chars in title', { title: 'a\nb' }, 'title contains control characters'],
      ['non-string description', { description: 5 }, 'description must be a string'],
      ['schema not an object', { schema: [] }, 'schema must be an object'],
      ['no columns', { schema: { columns: [], rowCount: 5 } }, 'schema.columns is empty'],
      [
        'columns not an array',
        { schema: { columns: 'a,b', rowCount: 5 } },
        'schema.columns must be an array',
      ],
      ['duplicate column', { schema: { columns: ['a', 'a'], rowCount: 5 } }, 'names "a" twice'],
      [
        'empty column name',
        { schema: { columns: ['a', ''], rowCount: 5 } },
        'schema.columns[1] is empty',
      ],
      [
        'zero rows',
        { schema: { columns: ['a'], rowCount: 0 } },
        'schema.rowCount must be at least 1',
      ],
      [
        'fractional rows',
        { schema: { columns: ['a'], rowCount: 2.5 } },
        'schema.rowCount must be a whole number',
      ],
      [
        'unknown schema field',
        { schema: { columns: ['a'], rowCount: 5, rows: 5 } },
        'unknown field "rows"',
      ],
      ['zero price', { price: '0' }, 'price is zero'],
      ['numeric price', { price: 100 }, 'price must be a string'],
      ['negative price', { price: '-1' }, 'price "-1" is negative'],
      ['fractional price', { price: '1.5' }, 'price "1.5" is fractional'],
      ['exponent price', { price: '1e2' }, 'exponent notation'],
      ['negative deposit', { deposit: '-1' }, 'deposit "-1" is negative'],
      ['overflowing escrow', { price: '9007199254740991', deposit: '1' }, 'maximum escrow'],
      ['zero deadline', { deliverWithin: 0 }, 'deliverWithin (seconds) must be at least 1'],
      ['string deadline', { resultWithin: '60' }, 'resultWithin (seconds) must be a JSON number'],
      [
        'fractional deadline',
        { decryptWithin: 1.5 },
        'decryptWithin (seconds) must be a whole number',
      ],
      ['too long a deadline', { deliverWithin: 366 * 86400 + 1 }, 'the maximum is 31622400'],
      ['zero leakage bound', { leakageBound: 0 }, 'leakageBound must be at least 1'],
      [
        'leakage bound above rows × columns',
        { leakageBound: 11, schema: { columns: ['a', 'b'], rowCount: 5 } },
        "exceeds the dataset's 10 values",
      ],
      ['bad preset', { ckksPreset: 'a b' }, 'ckksPreset "a b" may hold only'],
      ['missing preset', { ckksPreset: undefined }, 'ckksPreset must be a string'],
      ['relative url', { sellerGatewayUrl: '/gateway' }, 'not an absolute URL'],
      ['ftp url', { sellerGatewayUrl: 'ftp://seller.example.com' }, 'must use http or https'],
      [
        'url with credentials',
        { sellerGatewayUrl: 'https://u:p@seller.example.com' },
        'must not carry credentials',
      ],
      ['non-boolean freeSample', { freeSample: 'yes' }, 'freeSample must be true or false'],
      ['unknown field', { colour: 'red' }, 'unknown field "colour"'],
    ];
    for (const [what, overrides, fragment] of invalid) {
      it(`refuses ${what}`, async () => {
        await m.refuse(
          seller,
          'CreateListing',
          [JSON.stringify(listingInput(overrides))],
          'INVALID_ARGUMENT',
          [fragment],
        );
      });
    }

    it('refuses text that is not a JSON object', async () => {
      await m.refuse(seller, 'CreateListing', ['{"id":'], 'INVALID_ARGUMENT', ['not valid JSON']);
      await m.refuse(seller, 'CreateListing', ['[1]'], 'INVALID_ARGUMENT', [
        'must be a JSON object',
      ]);
      await m.refuse(seller, 'CreateListing', ['null'], 'INVALID_ARGUMENT', [
        'must be a JSON object',
      ]);
    });

    it('accepts a leakage bound equal to rows × columns', async () => {
      await create(m, { leakageBound: 10, schema: { columns: ['a', 'b'], rowCount: 5 } });
    });
  });

  describe('UpdateListing and Delist', () => {
    beforeEach(async () => {
      await create(m);
    });

    it('lets the seller change some fields, re-validates the whole, bumps the version', async () => {
      const call = await m.invoke(seller, 'UpdateListing', [
        JSON.stringify({ id: 'heart-2024', price: '150', freeSample: false }),
      ]);
      const listing = JSON.parse(call.result) as Listing;
      expect(listing).to.include({
        price: '150',
        deposit: '20',
        freeSample: false,
        version: 2,
        title: 'Framingham heart study extract',
      });
      expect(call.event?.payload).to.include({ type: 'ListingUpdated', version: 2, price: '150' });
      await m.refuse(
        seller,
        'UpdateListing',
        [JSON.stringify({ id: 'heart-2024', leakageBound: 100000 })],
        'INVALID_ARGUMENT',
        ['leakageBound'],
      );
      await m.refuse(
        seller,
        'UpdateListing',
        [JSON.stringify({ id: 'heart-2024' })],
        'INVALID_ARGUMENT',
        ['no field to change'],
      );
      await m.refuse(
        seller,
        'UpdateListing',
        [JSON.stringify({ id: 'heart-2024', seller: 'x' })],
        'INVALID_ARGUMENT',
        ['unknown field "seller"'],
      );
      await m.refuse(
        seller,
        'UpdateListing',
        [JSON.stringify({ id: 'nope', price: '1' })],
        'NOT_FOUND',
      );
    });

    it('refuses updates and delisting by anyone but the seller', async () => {
      await m.refuse(
        seller2,
        'UpdateListing',
        [JSON.stringify({ id: 'heart-2024', price: '1' })],
        'FORBIDDEN',
        ['only the seller'],
      );
      await m.refuse(buyer, 'Delist', ['heart-2024'], 'FORBIDDEN', ['only the seller']);
    });

    it('delists once; a delisted listing cannot be updated or delisted again', async () => {
      m.advance(10);
      const call = await m.invoke(seller, 'Delist', ['heart-2024']);
      expect(JSON.parse(call.result)).to.include({
        state: 'DELISTED',
        delistedAt: T0 + 10_000,
        version: 2,
      });
      expect(call.event?.payload).to.include({ type: 'ListingDelisted', state: 'DELISTED' });
      await m.refuse(seller, 'Delist', ['heart-2024'], 'WRONG_STATE', ['DELISTED']);
      await m.refuse(
        seller,
        'UpdateListing',
        [JSON.stringify({ id: 'heart-2024', price: '1' })],
        'WRONG_STATE',
        ['DELISTED'],
      );
      await m.refuse(seller, 'Delist', ['nope'], 'NOT_FOUND');
    });
  });

  describe('GetListing and ListListings', () => {
    it('GetListing refuses unknown and malformed ids', async () => {
      let message = '';
      await m.call(buyer, 'GetListing', ['nope']).catch((e: unknown) => (message = messageOf(e)));
      expect(message).to.match(/^NOT_FOUND: no listing with id "nope"/);
      await m.call(buyer, 'GetListing', ['']).catch((e: unknown) => (message = messageOf(e)));
      expect(message).to.match(/^INVALID_ARGUMENT: datasetId is empty/);
    });

    it('pages through every listing in id order with bookmarks', async () => {
      const ids = ['d', 'a', 'c', 'e', 'b'];
      for (const id of ids) await create(m, { id }, id < 'c' ? seller : seller2);
      const seen: string[] = [];
      let bookmark = '';
      let pages = 0;
      do {
        const page = await m.json<Page<Listing>>(buyer, 'ListListings', ['2', bookmark]);
        expect(page.records.length).to.equal(page.fetchedRecordsCount);
        seen.push(...page.records.map((l) => l.id));
        bookmark = page.bookmark;
        pages += 1;
      } while (bookmark !== '');
      expect(seen).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
      expect(pages).to.equal(3);
      const all = await m.json<Page<Listing>>(buyer, 'ListListings', ['', '']);
      expect(all.records.length).to.equal(5);
    });

    it('refuses bad page sizes and foreign bookmarks', async () => {
      for (const size of ['0', '-1', 'x', '101']) {
        let message = '';
        await m
          .call(buyer, 'ListListings', [size, ''])
          .catch((e: unknown) => (message = messageOf(e)));
        expect(message).to.match(/^INVALID_ARGUMENT: pageSize/);
      }
      let message = '';
      await m
        .call(buyer, 'ListListings', ['5', '\u0000trade\u0000x\u0000'])
        .catch((e: unknown) => (message = messageOf(e)));
      expect(message).to.match(/^INVALID_ARGUMENT: bookmark does not belong/);
    });
  });
});
