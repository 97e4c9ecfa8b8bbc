import type { Role } from './config.js';

/**
 * The OpenAPI 3.1 description of every route (served at GET /openapi.json, filtered to the
 * app's roles). Each operation carries `x-datamarket-role`: the role an app must have to
 * serve it ("any" = every app). Tests check the app's routes against it and real responses
 * against its status codes and required fields.
 */
type Schema = Record<string, unknown>;
type Operation = Record<string, unknown> & { 'x-datamarket-role': Role | 'any' };

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const bytes = (description: string) => ({
  description,
  headers: {
    'x-datamarket-sha256': { schema: { type: 'string' }, description: 'SHA-256 hex of the body' },
  },
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
});
const error = (description: string) => json(ref('Error'), description);

const pathParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description,
});
const queryParam = (name: string, description: string, required = false) => ({
  name,
  in: 'query',
  required,
  schema: { type: 'string' },
  description,
});
const channel = pathParam('channel', 'channel name (one the app serves)');
const tradeId = pathParam('tradeId', 'trade id (= the purchase transaction id, 64 hex)');
const datasetId = pathParam('datasetId', 'listing / dataset id');
const page = [
  queryParam('pageSize', 'page size 1..100'),
  queryParam('bookmark', 'from the previous page'),
];

const tokenAuth = [{ apiToken: [] }];
const signedAuth = [{ fabricSignature: [] }];

const commonErrors = {
  '400': error('malformed request'),
  '401': error('missing or unknown API token / signature'),
  '403': error("the caller may not do this (wrong party, or the ledger refused the caller's org)"),
  '404': error('unknown channel, dataset or trade'),
  '503': error('the ledger (the org peer) is unavailable'),
};

function op(
  role: Role | 'any',
  summary: string,
  responses: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Operation {
  const withBody = extra.requestBody ? { '413': error('body over the size limit') } : {};
  return {
    'x-datamarket-role': role,
    summary,
    security: tokenAuth,
    responses: { ...commonErrors, ...withBody, ...responses },
    ...extra,
  };
}

const rawRequest = (description: string) => ({
  required: true,
  description,
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
});
const jsonRequest = (schema: Schema) => ({
  required: true,
  content: { 'application/json': { schema } },
});

const datasetRequest = (create: boolean): Schema => ({
  type: 'object',
  required: create ? ['listing'] : [],
  properties: {
    listing: {
      type: 'object',
      description:
        'listing fields (docs/chaincode.md) without schema (computed from the data); sellerGatewayUrl defaults to this app',
    },
    csv: { type: 'string', description: 'the dataset as CSV text with a header line' },
    path: { type: 'string', description: 'or a CSV file on the app machine' },
    columns: { type: 'array', items: { type: 'string' }, description: 'columns to keep' },
    standardize: { type: 'boolean', description: 'rescale every column to mean 0, sd 1' },
  },
});

const paths: Record<string, Record<string, Operation>> = {
  '/health': {
    get: {
      ...op('any', 'liveness and what this app serves', { '200': json(ref('Health'), 'ok') }),
      security: [],
    },
  },
  '/openapi.json': {
    get: {
      ...op('any', 'this description', { '200': json({ type: 'object' }, 'OpenAPI 3.1') }),
      security: [],
    },
  },
  '/api/channels/{channel}/account': {
    get: op(
      'any',
      "the caller's ledger account and balance",
      { '200': json(ref('Account'), 'account') },
      { parameters: [channel] },
    ),
  },
  '/api/channels/{channel}/listings': {
    get: op(
      'any',
      'browse listings',
      { '200': json(ref('ListingPage'), 'a page of listings') },
      { parameters: [channel, ...page] },
    ),
  },
  '/api/channels/{channel}/listings/{datasetId}': {
    get: op(
      'any',
      'one listing',
      { '200': json(ref('Listing'), 'the listing') },
      { parameters: [channel, datasetId] },
    ),
  },
  '/api/channels/{channel}/listings/{datasetId}/sample': {
    get: op(
      'buyer',
      "fetch the free test sample (a bundle under the sample's own keys) from the seller's app",
      {
        '200': bytes('the test bundle'),
        '502': error("the seller's app failed"),
      },
      { parameters: [channel, datasetId] },
    ),
  },
  '/api/channels/{channel}/listings/{datasetId}/sample/result': {
    post: op(
      'buyer',
      'send an encrypted result computed on the test sample; the seller decrypts it for free (rate-limited, off chain)',
      {
        '200': json(ref('SampleResult'), 'decrypted values'),
        '413': error('body over the result limit'),
        '422': error('the seller refused to decrypt (leakage policy, malformed)'),
        '429': error('rate limit'),
        '502': error("the seller's app failed"),
      },
      { parameters: [channel, datasetId], requestBody: rawRequest('the encrypted test result') },
    ),
  },
  '/api/channels/{channel}/trades': {
    get: op(
      'any',
      "the caller's trades as buyer (default) or seller",
      { '200': json(ref('TradePage'), 'a page of trades') },
      {
        parameters: [channel, queryParam('as', 'buyer | seller'), ...page],
      },
    ),
    post: op(
      'buyer',
      'purchase: escrow price + deposit; the app makes and keeps the X25519 result key',
      {
        '201': json(ref('Trade'), 'the trade, PAID'),
        '403': error('the ledger refused the caller'),
        '409': error('wrong state, insufficient funds, terms changed'),
      },
      {
        parameters: [channel],
        requestBody: jsonRequest({
          type: 'object',
          required: ['datasetId'],
          properties: {
            datasetId: { type: 'string' },
            expectedPrice: { type: 'string', description: 'with expectedDeposit: PurchaseAtPrice' },
            expectedDeposit: { type: 'string' },
          },
        }),
      },
    ),
  },
  '/api/channels/{channel}/trades/{tradeId}': {
    get: op(
      'any',
      "trade status (the trade's buyer or seller)",
      {
        '200': json(ref('Trade'), 'the trade'),
        '403': error('not a party of the trade'),
      },
      { parameters: [channel, tradeId] },
    ),
  },
  '/api/channels/{channel}/trades/{tradeId}/bundle': {
    get: op(
      'buyer',
      "download the encrypted bundle from the seller's app, checked against the ledger's hash",
      {
        '200': bytes('the bundle'),
        '403': error("not the trade's buyer"),
        '409': error('not DELIVERED / RESULT_SUBMITTED'),
        '502': error('the seller app failed or its bundle does not match the ledger'),
      },
      { parameters: [channel, tradeId] },
    ),
  },
  '/api/channels/{channel}/trades/{tradeId}/result': {
    post: op(
      'buyer',
      "upload the encrypted result to the seller's app and record its hash on chain",
      {
        '200': json(ref('Trade'), 'the trade, RESULT_SUBMITTED'),
        '403': error("not the trade's buyer"),
        '409': error('not DELIVERED, or past resultBy'),
        '413': error('body over the result limit'),
        '502': error("the seller's app failed"),
      },
      {
        parameters: [
          channel,
          tradeId,
          queryParam('valueCount', 'how many values the result holds', true),
        ],
        requestBody: rawRequest('the encrypted result'),
      },
    ),
    get: op(
      'buyer',
      "read the delivered result from the ledger and decrypt it with the trade's result key",
      {
        '200': json(ref('DeliveredPlainResult'), 'the result, its digest checked'),
        '403': error("not the trade's buyer"),
        '409': error('not SETTLED'),
        '502': error('does not decrypt or digest mismatch'),
      },
      { parameters: [channel, tradeId] },
    ),
  },
  '/api/channels/{channel}/trades/{tradeId}/refund': {
    post: op(
      'buyer',
      'refund (withdrawal, missed delivery or decryption deadline)',
      {
        '200': json(ref('Trade'), 'the trade, REFUNDED'),
        '403': error("not the trade's buyer"),
        '409': error('wrong state or deadline'),
      },
      { parameters: [channel, tradeId] },
    ),
  },
  '/api/channels/{channel}/trades/{tradeId}/pump-log': {
    get: op(
      'seller',
      "what the seller's event pump did for a trade",
      {
        '200': json(ref('PumpLog'), 'journal entries'),
        '403': error('not a sale of the caller'),
      },
      { parameters: [channel, tradeId] },
    ),
  },
  '/api/channels/{channel}/datasets': {
    get: op(
      'seller',
      'datasets in this seller store',
      { '200': json(ref('DatasetList'), 'datasets') },
      { parameters: [channel] },
    ),
    post: op(
      'seller',
      'store a dataset (CSV body or file path) and list it on chain; the data never goes on chain',
      {
        '201': json(ref('DatasetListing'), 'stored and listed'),
        '409': error('id taken'),
        '413': error('body or file over the dataset limit'),
      },
      { parameters: [channel], requestBody: jsonRequest(datasetRequest(true)) },
    ),
  },
  '/api/channels/{channel}/datasets/{datasetId}': {
    patch: op(
      'seller',
      "update a listing's terms and/or replace its data",
      {
        '200': json(ref('DatasetListing'), 'updated'),
        '403': error('listed by another account'),
        '409': error('delisted'),
        '413': error('over the dataset limit'),
      },
      { parameters: [channel, datasetId], requestBody: jsonRequest(datasetRequest(false)) },
    ),
    delete: op(
      'seller',
      'delist (open trades continue; the data stays for them)',
      {
        '200': json(
          { type: 'object', required: ['listing'], properties: { listing: ref('Listing') } },
          'delisted',
        ),
        '403': error('listed by another account'),
        '409': error('already delisted'),
      },
      { parameters: [channel, datasetId] },
    ),
  },
  '/peer/channels/{channel}/trades/{tradeId}/bundle': {
    get: {
      ...op(
        'seller',
        "the trade's bundle, only to the trade's buyer (signed request), only in DELIVERED / RESULT_SUBMITTED",
        {
          '200': bytes('the bundle'),
          '403': error("not the trade's buyer"),
          '409': error('wrong state'),
        },
        { parameters: [channel, tradeId] },
      ),
      security: signedAuth,
    },
  },
  '/peer/channels/{channel}/trades/{tradeId}/result': {
    put: {
      ...op(
        'seller',
        "upload the encrypted result, only from the trade's buyer, only in DELIVERED",
        {
          '201': json(ref('Upload'), 'stored'),
          '403': error("not the trade's buyer"),
          '409': error('wrong state'),
          '413': error('over the result limit'),
        },
        { parameters: [channel, tradeId], requestBody: rawRequest('the encrypted result') },
      ),
      security: signedAuth,
    },
  },
  '/peer/channels/{channel}/datasets/{datasetId}/sample': {
    get: {
      ...op(
        'seller',
        'the free test sample bundle',
        { '200': bytes('the sample bundle'), '503': error('no CKKS engine') },
        {
          parameters: [channel, datasetId],
        },
      ),
      security: signedAuth,
    },
  },
  '/peer/channels/{channel}/datasets/{datasetId}/sample/result': {
    post: {
      ...op(
        'seller',
        'decrypt a test result (leakage bound applied, rate-limited per caller)',
        {
          '200': json(ref('SampleResult'), 'values'),
          '413': error('over the result limit'),
          '422': error('refused'),
          '429': error('rate limit'),
        },
        { parameters: [channel, datasetId], requestBody: rawRequest('the encrypted test result') },
      ),
      security: signedAuth,
    },
  },
  '/api/channels/{channel}/audit/trades': {
    get: op(
      'auditor',
      'trades by dataset, buyer, seller or state (exactly one)',
      { '200': json(ref('TradePage'), 'a page') },
      {
        parameters: [
          channel,
          queryParam('dataset', 'listing id'),
          queryParam('buyer', 'account id'),
          queryParam('seller', 'account id'),
          queryParam('state', 'trade state'),
          ...page,
        ],
      },
    ),
  },
  '/api/channels/{channel}/audit/trades/{tradeId}/history': {
    get: op(
      'auditor',
      'every committed version of a trade, oldest first',
      { '200': json(ref('TradeHistory'), 'history') },
      {
        parameters: [channel, tradeId],
      },
    ),
  },
  '/api/channels/{channel}/audit/supply': {
    get: op(
      'auditor',
      'supply audit: total supply = balances + escrow',
      { '200': json(ref('SupplyAudit'), 'audit') },
      {
        parameters: [channel],
      },
    ),
  },
  '/api/channels/{channel}/audit/chain': {
    get: op(
      'auditor',
      'chain height (qscc GetChainInfo)',
      { '200': json(ref('ChainInfo'), 'height') },
      { parameters: [channel] },
    ),
  },
  '/api/channels/{channel}/audit/blocks/{number}': {
    get: op(
      'auditor',
      'a block, decoded (qscc GetBlockByNumber)',
      { '200': json(ref('Block'), 'the block') },
      {
        parameters: [channel, pathParam('number', 'block number')],
      },
    ),
  },
  '/api/channels/{channel}/audit/transactions/{txId}': {
    get: op(
      'auditor',
      'a transaction, decoded (qscc GetTransactionByID)',
      { '200': json(ref('Transaction'), 'the transaction') },
      {
        parameters: [channel, pathParam('txId', 'transaction id')],
      },
    ),
  },
};

const obj = (required: string[], properties: Record<string, Schema> = {}): Schema => ({
  type: 'object',
  required,
  properties: Object.fromEntries(
    required.map((r) => [r, properties[r] ?? {}]).concat(Object.entries(properties)),
  ),
});

const schemas: Record<string, Schema> = {
  Error: obj(['error', 'code'], { error: { type: 'string' }, code: { type: 'string' } }),
  Health: obj(['status', 'org', 'mspId', 'roles', 'channels']),
  Account: obj(['user', 'mspId', 'channel', 'accountId', 'balance']),
  Listing: obj([
    'id',
    'title',
    'schema',
    'price',
    'seller',
    'state',
    'version',
    'leakageBound',
    'sellerGatewayUrl',
  ]),
  ListingPage: obj(['records', 'fetchedRecordsCount', 'bookmark'], {
    records: { type: 'array', items: ref('Listing') },
  }),
  Trade: obj([
    'tradeId',
    'datasetId',
    'buyer',
    'seller',
    'state',
    'price',
    'deposit',
    'escrow',
    'terms',
  ]),
  TradePage: obj(['records', 'fetchedRecordsCount', 'bookmark'], {
    records: { type: 'array', items: ref('Trade') },
  }),
  TradeHistory: obj(['tradeId', 'history']),
  SupplyAudit: obj(['totalSupply', 'sumOfBalances', 'sumOfEscrow', 'balanced', 'problems']),
  ChainInfo: obj(['channel', 'height', 'currentBlockHash']),
  Block: obj(['number', 'previousHash', 'dataHash', 'transactions']),
  Transaction: obj(['txId', 'type', 'channel', 'timestamp', 'validationCode', 'function', 'args']),
  SampleResult: obj(['datasetId', 'values', 'remaining']),
  DeliveredPlainResult: obj(['tradeId', 'resultDigest', 'verified', 'result']),
  DatasetList: obj(['records']),
  DatasetListing: obj(['listing', 'rowCount']),
  Upload: obj(['tradeId', 'sha256', 'bytes']),
  PumpLog: obj(['tradeId', 'entries']),
};

export function openApiFor(roles: Role[]): Record<string, unknown> {
  const filtered: Record<string, Record<string, Operation>> = {};
  for (const [path, ops] of Object.entries(paths)) {
    const kept = Object.fromEntries(
      Object.entries(ops).filter(
        ([, o]) =>
          o['x-datamarket-role'] === 'any' || roles.includes(o['x-datamarket-role'] as Role),
      ),
    );
    if (Object.keys(kept).length > 0) filtered[path] = kept;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'datamarket gateway app',
      version: '0.1.0',
      description:
        'One app per org. /api routes take an API token (Authorization: Bearer); /peer routes take a request signed with a Fabric identity (docs/gateway.md).',
    },
    paths: filtered,
    components: {
      schemas,
      securitySchemes: {
        apiToken: {
          type: 'http',
          scheme: 'bearer',
          description: "an API token of one of the org's users",
        },
        fabricSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'x-datamarket-signature',
          description:
            'with x-datamarket-msp, x-datamarket-cert, x-datamarket-time (docs/gateway.md)',
        },
      },
    },
  };
}

/** Checks a real response against the description: documented status and required fields. */
export function checkResponse(
  spec: Record<string, unknown>,
  method: string,
  path: string,
  status: number,
  body: unknown,
): string[] {
  const problems: string[] = [];
  const ops = (spec.paths as Record<string, Record<string, Record<string, unknown>>>)[path];
  const operation = ops?.[method.toLowerCase()];
  if (!operation) return [`${method} ${path} is not in the description`];
  const responses = operation.responses as Record<
    string,
    { content?: Record<string, { schema: Schema }> }
  >;
  const response = responses[String(status)];
  if (!response) return [`${method} ${path}: status ${status} is not documented`];
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return problems;
  const resolved = resolve(spec, schema);
  for (const field of (resolved.required as string[] | undefined) ?? []) {
    if (typeof body !== 'object' || body === null || !(field in body)) {
      problems.push(`${method} ${path} ${status}: required field '${field}' missing`);
    }
  }
  return problems;
}

function resolve(spec: Record<string, unknown>, schema: Schema): Schema {
  const target = schema.$ref;
  if (typeof target !== 'string') return schema;
  const name = target.split('/').pop()!;
  return ((spec.components as { schemas: Record<string, Schema> }).schemas[name] ?? {}) as Schema;
}
