import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import type { GatewayConfig } from '../config.js';
import { CsvError, readNumericCsv, type NumericTable } from '../../data/csv.js';
import { badRequest, conflict } from '../http/errors.js';
import { CommitOutcomeUnknown } from '../ledger/errors.js';
import type { createDatasetBody, DatasetSource } from '../schemas/requests.js';
import type { datasetListingSchema } from '../schemas/responses.js';
import type { ListingInput } from '../types.js';
import { prepareSample } from '../samples/requests.js';
import { rangesFromData } from '../samples/synthetic.js';
import type { RouteContext } from './context.js';
import { dataFilePath, requireInPresetRange } from './dataset-checks.js';
import type { JsonReply, PendingReply } from './route.js';

/**
 * Stores a dataset and lists it. The store's insert-if-absent decides between concurrent
 * requests for one id (the loser gets 409 and touches nothing); a listing the ledger refused
 * removes only the row this request inserted; and when the outcome is unknown the data stays
 * (the listing may be on chain) and the answer is a 202 to follow.
 */
export async function storeAndList(
  ctx: RouteContext,
  user: string,
  channel: string,
  body: z.output<typeof createDatasetBody>,
): Promise<JsonReply<z.input<typeof datasetListingSchema>> | PendingReply> {
  const { listing: fields } = body;
  const datasetId = fields.id;
  if (await ctx.store.getDataset(channel, datasetId)) throw taken(datasetId);
  const table = await datasetFrom(body, ctx.config, fields.ckksPreset);
  const { columns, rows } = table;
  const dataset = { channel, datasetId, columns, rows, owner: user };
  if (!(await ctx.store.insertDataset(dataset))) throw taken(datasetId);
  const terms: ListingInput = {
    sellerGatewayUrl: ctx.publicUrl(),
    ...fields,
    schema: { columns, rowCount: rows.length },
    // The synthetic sample draws within these; undeclared, they are the data's own range
    // rounded outward to two significant digits (published on the listing).
    columnRanges: fields.columnRanges ?? rangesFromData(columns, rows),
  };
  try {
    const listing = await ctx.ledger.createListing(user, channel, terms);
    // Keys and encryption take seconds: the first free sample is made ahead of any request.
    if (listing.freeSample) prepareSample(ctx, channel, datasetId).catch(() => undefined);
    return {
      status: 201,
      body: { listing, rowCount: rows.length, droppedRows: table.droppedRows },
    };
  } catch (error) {
    if (error instanceof CommitOutcomeUnknown) {
      const location = `/api/channels/${channel}/listings/${datasetId}`;
      return {
        status: 202,
        location,
        body: {
          pending: true,
          txId: error.txId,
          datasetId,
          rowCount: rows.length,
          droppedRows: table.droppedRows,
          location,
          message: `${error.message}; the data is kept: follow the listing`,
        },
      };
    }
    await ctx.store.deleteDataset(channel, datasetId);
    throw error;
  }
}

const taken = (datasetId: string) => conflict(`dataset ${datasetId} is already in this store`);

/**
 * Reads a dataset from CSV text in the body or a CSV file under the app's data directory, and
 * refuses values the listing's CKKS preset cannot encrypt (400 naming the column and row).
 */
export async function datasetFrom(
  source: DatasetSource,
  config: Pick<GatewayConfig, 'limits' | 'dataDir'>,
  preset: string,
): Promise<NumericTable> {
  const { limits } = config;
  const text =
    source.csv ??
    (await readFile(await dataFilePath(source.path ?? '', config.dataDir, limits.dataset), 'utf8'));
  let table: NumericTable;
  try {
    table = readNumericCsv(text, {
      columns: source.columns,
      standardize: source.standardize === true,
      maxRows: limits.datasetRows,
    });
  } catch (error) {
    throw asBadRequest(error);
  }
  requireInPresetRange(table, preset);
  return table;
}

/** The CSV reader's refusals are the client's: they become 400s; anything else stays internal. */
function asBadRequest(error: unknown): unknown {
  return error instanceof CsvError ? badRequest(error.message) : error;
}
