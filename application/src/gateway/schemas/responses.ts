import { z } from 'zod';
import { ROLES } from '../config.js';
import { amountField, idField, sha256Field, txIdField } from './fields.js';
import type { DatasetSummary, PumpLogEntry } from '../store/seller-store.js';
import type { PlainResult } from '../types.js';
import { listingSchema } from './records.js';
import type { Assert, Equal } from './type-tests.js';

/** The app's own answers (those that are not contract records as they are). */

export const errorSchema = z
  .object({
    error: z.string(),
    code: z.string(),
    txId: z.string().optional().meta({ description: 'when a commit outcome is unknown' }),
  })
  .meta({ id: 'Error', description: 'every refusal: a message and a stable code' });

/**
 * A 202: the transaction was sent, but whether it committed is not known yet (a peer died, a
 * timeout). Nothing was undone; follow the transaction (GET /api/channels/{channel}/
 * transactions/{txId} on an auditor app) or the record at `location` until it settles.
 */
export const pendingSchema = z
  .object({
    pending: z.literal(true),
    txId: txIdField,
    tradeId: txIdField.optional().meta({ description: 'a purchase: the trade id (= txId)' }),
    datasetId: idField.optional().meta({ description: 'a listing: the dataset id' }),
    rowCount: z.number().int().optional().meta({ description: 'a listing: rows stored' }),
    droppedRows: z.number().int().optional().meta({ description: 'a listing: rows dropped' }),
    location: z.string().meta({ description: 'where to follow the outcome' }),
    message: z.string(),
  })
  .meta({ id: 'Pending', description: 'sent, outcome not known yet: follow txId' });

export const healthSchema = z
  .object({
    status: z.literal('ok'),
    org: z.string(),
    mspId: z.string(),
    roles: z.array(z.enum(ROLES)),
    channels: z.array(z.string()),
  })
  .meta({ id: 'Health' });

/** The OpenAPI document itself (checked loosely: it is generated, not written). */
export const openApiDocumentSchema = z
  .object({ openapi: z.string(), info: z.object({}).loose(), paths: z.object({}).loose() })
  .loose();

export const accountSchema = z
  .object({
    user: z.string(),
    mspId: z.string(),
    channel: z.string(),
    accountId: z.string(),
    balance: amountField,
  })
  .meta({ id: 'Account' });

export const sampleResultSchema = z
  .object({
    datasetId: idField,
    values: z.array(z.number()),
    remaining: z.number().int().meta({ description: 'free decryptions left in this window' }),
  })
  .meta({ id: 'SampleResult' });

export const plainResultSchema = z.object({
  tradeId: txIdField,
  datasetId: idField,
  values: z.array(z.number()),
});

export const deliveredPlainResultSchema = z
  .object({
    tradeId: txIdField,
    resultDigest: sha256Field,
    verified: z.literal(true),
    result: plainResultSchema,
  })
  .meta({ id: 'DeliveredPlainResult' });

export const datasetListSchema = z
  .object({
    records: z.array(
      z.object({ datasetId: idField, columns: z.array(z.string()), rowCount: z.number().int() }),
    ),
  })
  .meta({ id: 'DatasetList' });

export const datasetListingSchema = z
  .object({
    listing: listingSchema,
    rowCount: z.number().int(),
    droppedRows: z.number().int().optional().meta({ description: 'CSV rows left out (NA, ...)' }),
  })
  .meta({ id: 'DatasetListing' });

export const delistedSchema = z.object({ listing: listingSchema });

export const uploadSchema = z
  .object({ tradeId: txIdField, sha256: sha256Field, bytes: z.number().int() })
  .meta({ id: 'Upload' });

export const pumpLogSchema = z
  .object({
    tradeId: txIdField,
    entries: z.array(
      z.object({
        channel: z.string(),
        tradeId: z.string(),
        action: z.string(),
        detail: z.string(),
        at: z.number(),
      }),
    ),
  })
  .meta({ id: 'PumpLog' });

export type PlainResultMatches = Assert<Equal<z.infer<typeof plainResultSchema>, PlainResult>>;
export type DatasetSummaryMatches = Assert<
  Equal<z.infer<typeof datasetListSchema>['records'][number], DatasetSummary>
>;
export type PumpLogEntryMatches = Assert<
  Equal<z.infer<typeof pumpLogSchema>['entries'][number], PumpLogEntry>
>;
