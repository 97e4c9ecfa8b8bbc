import { LISTING_EVENT, MAX_COLUMNS, MAX_DURATION_SECONDS, MAX_LISTING_JSON } from './constants.js';
import { MAX_AMOUNT, parseAmount } from './amount.js';
import { ContractError, quote } from './errors.js';
import { LISTING } from './keys.js';
import { DEFAULT_MAX_VALUES_PER_KEY, parsePrivacyTerms, sampleDisclosure } from './privacy.js';
import type { Tx } from './ledger.js';
import { requireOwnOrgApp } from './org-apps.js';
import type { Listing, ListingEvent, ListingTerms, Page, PrivacyTerm } from './types.js';
import {
  bookmark as bookmarkArg,
  identifier,
  invalid,
  jsonObject,
  onlyKeys,
  pageSize as pageSizeArg,
  positiveIntField,
  text,
} from './validate.js';

/** Longest deadline a listing may set: 366 days, in seconds. */

const TERM_FIELDS = [
  'title',
  'description',
  'schema',
  'price',
  'deposit',
  'deliverWithin',
  'resultWithin',
  'decryptWithin',
  'leakageBound',
  'ckksPreset',
  'sellerGatewayUrl',
  'freeSample',
  'sampleKind',
  'columnRanges',
  'computationPolicy',
  'maxValuesPerKey',
] as const;

export function listingKey(tx: Tx, id: string): string {
  return tx.key(LISTING, [id]);
}

function parseUrl(value: unknown): string {
  const s = text('sellerGatewayUrl', value, { max: 2048 });
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw invalid(`sellerGatewayUrl ${quote(s)} is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`sellerGatewayUrl must use http or https, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw invalid('sellerGatewayUrl must not carry credentials (user:password@)');
  }
  return s;
}

function parseSchema(value: unknown): ListingTerms['schema'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('schema must be an object {"columns": [names], "rowCount": n}');
  }
  const schema = value as Record<string, unknown>;
  onlyKeys('schema', schema, ['columns', 'rowCount']);
  if (!Array.isArray(schema.columns)) {
    throw invalid('schema.columns must be an array of column names');
  }
  if (schema.columns.length === 0)
    throw invalid('schema.columns is empty: list at least one column');
  if (schema.columns.length > MAX_COLUMNS) {
    throw invalid(`schema.columns has ${schema.columns.length} names; the limit is ${MAX_COLUMNS}`);
  }
  const columns = schema.columns.map((name, i) => text(`schema.columns[${i}]`, name, { max: 128 }));
  const seen = new Set<string>();
  for (const name of columns) {
    if (seen.has(name)) throw invalid(`schema.columns names ${quote(name)} twice`);
    seen.add(name);
  }
  const rowCount = positiveIntField('schema.rowCount', schema.rowCount);
  return { columns, rowCount };
}

/** Validates a complete set of listing terms (defaults: deposit "0", description "", freeSample false). */
export function parseTerms(raw: Record<string, unknown>): ListingTerms {
  const title = text('title', raw.title, { max: 200 });
  const description = text('description', raw.description ?? '', {
    min: 0,
    max: 4000,
    multiline: true,
  });
  const schema = parseSchema(raw.schema);
  const price = parseAmount('price', raw.price);
  const deposit = parseAmount('deposit', raw.deposit ?? '0', true);
  if (price + deposit > MAX_AMOUNT) {
    throw invalid(`price + deposit is ${price + deposit}; the maximum escrow is ${MAX_AMOUNT}`);
  }
  const deliverWithin = positiveIntField(
    'deliverWithin (seconds)',
    raw.deliverWithin,
    MAX_DURATION_SECONDS,
  );
  const resultWithin = positiveIntField(
    'resultWithin (seconds)',
    raw.resultWithin,
    MAX_DURATION_SECONDS,
  );
  const decryptWithin = positiveIntField(
    'decryptWithin (seconds)',
    raw.decryptWithin,
    MAX_DURATION_SECONDS,
  );
  const leakageBound = positiveIntField('leakageBound', raw.leakageBound);
  const cells = BigInt(schema.rowCount) * BigInt(schema.columns.length);
  if (BigInt(leakageBound) > cells) {
    throw invalid(
      `leakageBound ${leakageBound} exceeds the dataset's ${cells} values (rowCount × columns): a result can never hold more`,
    );
  }
  const ckksPreset = identifier('ckksPreset', raw.ckksPreset, 64);
  const sellerGatewayUrl = parseUrl(raw.sellerGatewayUrl);
  const freeSample = raw.freeSample ?? false;
  if (typeof freeSample !== 'boolean') {
    throw invalid(`freeSample must be true or false, got ${typeof freeSample}`);
  }
  const privacy = parsePrivacyTerms(raw, schema.columns.length, leakageBound);
  return {
    title,
    description,
    schema,
    price: price.toString(),
    deposit: deposit.toString(),
    deliverWithin,
    resultWithin,
    decryptWithin,
    leakageBound,
    ckksPreset,
    sellerGatewayUrl,
    freeSample,
    ...privacy,
  };
}

export async function getListing(tx: Tx, idArg: string): Promise<Listing> {
  const id = identifier('datasetId', idArg);
  const listing = await tx.getJson<Listing>(listingKey(tx, id));
  if (!listing) throw new ContractError('NOT_FOUND', `no listing with id ${quote(id)}`);
  return withPrivacyDefaults(listing);
}

export async function createListing(tx: Tx, json: string): Promise<Listing> {
  const raw = jsonObject('listing', json, MAX_LISTING_JSON);
  onlyKeys('listing', raw, ['id', ...TERM_FIELDS]);
  const id = identifier('id', raw.id);
  const terms = parseTerms(raw);
  await requireOwnOrgApp(tx, terms.sellerGatewayUrl);
  if (await tx.getBytes(listingKey(tx, id))) {
    throw new ContractError(
      'ALREADY_EXISTS',
      `a listing with id ${quote(id)} exists; ids are never reused`,
    );
  }
  const listing: Listing = {
    docType: 'listing',
    id,
    seller: tx.caller,
    state: 'ACTIVE',
    version: 1,
    ...terms,
    createdAt: tx.now,
    updatedAt: tx.now,
    delistedAt: null,
    lastTxId: tx.txId,
    sampleDiscloses: sampleDisclosure(terms.sampleKind),
  };
  await tx.putJson(listingKey(tx, id), listing);
  emitListing(tx, 'ListingCreated', listing);
  return listing;
}

async function ownActiveListing(tx: Tx, id: string, action: string): Promise<Listing> {
  const listing = await getListing(tx, id);
  if (listing.seller !== tx.caller) {
    throw new ContractError(
      'FORBIDDEN',
      `${action}: only the seller who created listing ${quote(listing.id)} may change it`,
    );
  }
  if (listing.state !== 'ACTIVE') {
    throw new ContractError(
      'WRONG_STATE',
      `${action}: listing ${quote(listing.id)} is ${listing.state}; only an ACTIVE listing can be changed (open trades are unaffected)`,
    );
  }
  return listing;
}

export async function updateListing(tx: Tx, json: string): Promise<Listing> {
  const patch = jsonObject('listing update', json, MAX_LISTING_JSON);
  onlyKeys('listing update', patch, ['id', ...TERM_FIELDS]);
  const id = identifier('id', patch.id);
  if (Object.keys(patch).length < 2) {
    throw invalid(
      `listing update names no field to change; give "id" and any of: ${TERM_FIELDS.join(', ')}`,
    );
  }
  const current = await ownActiveListing(tx, id, 'UpdateListing');
  const merged: Record<string, unknown> = {};
  for (const field of TERM_FIELDS) {
    merged[field] = field in patch ? patch[field] : current[field];
  }
  const terms = parseTerms(merged);
  if ('sellerGatewayUrl' in patch) await requireOwnOrgApp(tx, terms.sellerGatewayUrl);
  const listing: Listing = {
    ...current,
    ...terms,
    version: current.version + 1,
    updatedAt: tx.now,
    lastTxId: tx.txId,
    sampleDiscloses: sampleDisclosure(terms.sampleKind),
  };
  await tx.putJson(listingKey(tx, id), listing);
  emitListing(tx, 'ListingUpdated', listing);
  return listing;
}

export async function delist(tx: Tx, id: string): Promise<Listing> {
  const current = await ownActiveListing(tx, id, 'Delist');
  const listing: Listing = {
    ...current,
    state: 'DELISTED',
    version: current.version + 1,
    updatedAt: tx.now,
    delistedAt: tx.now,
    lastTxId: tx.txId,
  };
  await tx.putJson(listingKey(tx, listing.id), listing);
  emitListing(tx, 'ListingDelisted', listing);
  return listing;
}

export async function listListings(tx: Tx, size: string, bookmark: string): Promise<Page<Listing>> {
  const page = await tx.page(
    LISTING,
    [],
    pageSizeArg(size),
    bookmarkArg(bookmark, tx.key(LISTING, [])),
  );
  return {
    records: page.records.map((r) => withPrivacyDefaults(JSON.parse(r.value) as Listing)),
    fetchedRecordsCount: page.fetchedRecordsCount,
    bookmark: page.bookmark,
  };
}

function emitListing(tx: Tx, type: ListingEvent['type'], listing: Listing): void {
  const event: ListingEvent = {
    type,
    datasetId: listing.id,
    seller: listing.seller,
    state: listing.state,
    version: listing.version,
    price: listing.price,
    deposit: listing.deposit,
    txId: tx.txId,
    timestamp: tx.now,
  };
  tx.emit(LISTING_EVENT, event);
}

/** A listing stored before the privacy terms existed reads with their defaults. */
function withPrivacyDefaults(listing: Listing): Listing {
  if ('computationPolicy' in listing) return listing;
  const stored = listing as Omit<Listing, PrivacyTerm | 'sampleDiscloses'>;
  return {
    ...stored,
    sampleKind: 'schema-uniform',
    columnRanges: null,
    computationPolicy: { mode: 'open' },
    maxValuesPerKey: Math.max(DEFAULT_MAX_VALUES_PER_KEY, stored.leakageBound),
    sampleDiscloses: sampleDisclosure('schema-uniform'),
  };
}
