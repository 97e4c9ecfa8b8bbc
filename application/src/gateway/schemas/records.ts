import { z } from 'zod';
import type {
  DatasetSchema,
  DeliveredResult,
  Listing,
  Page,
  SupplyAudit,
  Trade,
  TradeHistoryEntry,
  TradeTerms,
} from '@datamarket/chaincode/api';
import { BUILTIN_COMPUTATIONS, SAMPLE_KINDS, TRADE_STATES } from '@datamarket/chaincode/api';
import { amountField, idField, sha256Field, txIdField } from './fields.js';
import type { Assert, Equal } from './type-tests.js';

/**
 * The contract's records (docs/chaincode.md) as schemas. The type tests at the end make the
 * compiler refuse any drift from the contract's own types in @datamarket/chaincode/api.
 */

const time = z.number().int().meta({ description: 'epoch milliseconds' });
const accountId = z.string().meta({ description: 'ledger account id (MSP id + certificate DN)' });

export const tradeStateSchema = z.enum(TRADE_STATES);

export const datasetSchemaSchema = z.object({
  columns: z.array(z.string()),
  rowCount: z.number().int(),
});

export const columnRangeSchema = z.object({
  min: z.number(),
  max: z.number(),
  decimals: z.number().int().min(0).max(12),
});

export const computationPolicySchema = z
  .discriminatedUnion('mode', [
    z.object({ mode: z.literal('open') }),
    z.object({
      mode: z.literal('approved'),
      computations: z.array(
        z.discriminatedUnion('kind', [
          z.object({ id: z.enum(BUILTIN_COMPUTATIONS), kind: z.literal('builtin') }),
          z.object({ id: z.string(), kind: z.literal('script'), sha256: sha256Field }),
        ]),
      ),
    }),
  ])
  .meta({
    description:
      'open: any computation (the buyer code stays private); approved: only these, re-executed before decryption',
  });

/** The fields a seller chooses (ListingTerms). */
export const listingTermsShape = {
  title: z.string(),
  description: z.string(),
  schema: datasetSchemaSchema,
  price: amountField,
  deposit: amountField,
  deliverWithin: z.number().int().meta({ description: 'seconds' }),
  resultWithin: z.number().int().meta({ description: 'seconds' }),
  decryptWithin: z.number().int().meta({ description: 'seconds' }),
  leakageBound: z.number().int().meta({ description: 'most values a result may hold' }),
  ckksPreset: z.string(),
  sellerGatewayUrl: z.string(),
  freeSample: z.boolean(),
  sampleKind: z
    .enum(SAMPLE_KINDS)
    .meta({ description: 'synthetic sample: schema-uniform (default), marginals, seller-file' }),
  columnRanges: z.array(columnRangeSchema).nullable(),
  computationPolicy: computationPolicySchema,
  maxValuesPerKey: z
    .number()
    .int()
    .meta({ description: 'most values ever released under one secret key (default 64)' }),
};

export const listingSchema = z
  .object({
    docType: z.literal('listing'),
    id: idField,
    seller: accountId,
    state: z.enum(['ACTIVE', 'DELISTED']),
    version: z.number().int(),
    createdAt: time,
    updatedAt: time,
    delistedAt: time.nullable(),
    lastTxId: txIdField,
    ...listingTermsShape,
    sampleDiscloses: z.array(z.string()),
  })
  .meta({ id: 'Listing' });

export const tradeTermsSchema = z.object({
  listingVersion: z.number().int(),
  deliverWithin: z.number().int(),
  resultWithin: z.number().int(),
  decryptWithin: z.number().int(),
  leakageBound: z.number().int(),
  ckksPreset: z.string(),
  sellerGatewayUrl: z.string(),
  computationPolicy: computationPolicySchema,
  sampleKind: z.enum(SAMPLE_KINDS),
  maxValuesPerKey: z.number().int(),
});

export const tradeComputationSchema = z.object({
  computationId: z.string(),
  computationHash: sha256Field,
  paramsHash: sha256Field,
  verification: z.enum(['pending', 'verified', 'mismatch']),
  reexecutedHash: sha256Field.nullable(),
});

export const tradeSchema = z
  .object({
    docType: z.literal('trade'),
    tradeId: txIdField,
    datasetId: idField,
    buyer: accountId,
    seller: accountId,
    state: tradeStateSchema,
    price: amountField,
    deposit: amountField,
    escrow: amountField,
    paidToSeller: amountField,
    paidToBuyer: amountField,
    buyerResultKey: z.string(),
    terms: tradeTermsSchema,
    paidAt: time,
    deliverBy: time,
    deliveredAt: time.nullable(),
    bundleHash: sha256Field.nullable(),
    bundleBytes: z.number().int().nullable(),
    resultBy: time.nullable(),
    resultSubmittedAt: time.nullable(),
    resultHash: sha256Field.nullable(),
    valueCount: z.number().int().nullable(),
    decryptBy: time.nullable(),
    closedAt: time.nullable(),
    resultDigest: sha256Field.nullable(),
    encryptedResultSha256: sha256Field.nullable(),
    rejectReason: z.string().nullable(),
    refundBasis: z
      .enum(['BUYER_WITHDREW', 'DELIVERY_DEADLINE_MISSED', 'DECRYPT_DEADLINE_MISSED'])
      .nullable(),
    computation: tradeComputationSchema.nullable(),
    updatedAt: time,
    lastTxId: txIdField,
  })
  .meta({ id: 'Trade' });

function pageOf<T extends z.ZodType>(records: T, id: string) {
  return z
    .object({
      records: z.array(records),
      fetchedRecordsCount: z.number().int(),
      bookmark: z.string(),
    })
    .meta({ id });
}

export const listingPageSchema = pageOf(listingSchema, 'ListingPage');
export const tradePageSchema = pageOf(tradeSchema, 'TradePage');

export const tradeHistoryEntrySchema = z.object({
  txId: txIdField,
  timestamp: time,
  isDelete: z.boolean(),
  trade: tradeSchema.nullable(),
});

export const deliveredResultSchema = z.object({
  docType: z.literal('result'),
  tradeId: txIdField,
  buyer: accountId,
  seller: accountId,
  encryptedResult: z.string(),
  resultDigest: sha256Field,
  encryptedResultSha256: sha256Field,
  deliveredAt: time,
  txId: txIdField,
});

export const supplyAuditSchema = z
  .object({
    totalSupply: amountField,
    sumOfBalances: amountField,
    sumOfEscrow: amountField,
    accounts: z.number().int(),
    trades: z.number().int(),
    openTrades: z.number().int(),
    balanced: z.boolean(),
    problems: z.array(z.string()),
  })
  .meta({ id: 'SupplyAudit' });

export type ListingMatches = Assert<Equal<z.infer<typeof listingSchema>, Listing>>;
export type TradeMatches = Assert<Equal<z.infer<typeof tradeSchema>, Trade>>;
export type TradeTermsMatch = Assert<Equal<z.infer<typeof tradeTermsSchema>, TradeTerms>>;
export type DatasetSchemaMatches = Assert<
  Equal<z.infer<typeof datasetSchemaSchema>, DatasetSchema>
>;
export type TradePageMatches = Assert<Equal<z.infer<typeof tradePageSchema>, Page<Trade>>>;
export type HistoryMatches = Assert<
  Equal<z.infer<typeof tradeHistoryEntrySchema>, TradeHistoryEntry>
>;
export type DeliveredMatches = Assert<
  Equal<z.infer<typeof deliveredResultSchema>, DeliveredResult>
>;
export type SupplyMatches = Assert<Equal<z.infer<typeof supplyAuditSchema>, SupplyAudit>>;
