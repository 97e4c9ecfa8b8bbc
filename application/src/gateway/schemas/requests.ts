import { z } from 'zod';
import { TRADE_STATES } from '@datamarket/chaincode/api';
import { amountField, datasetIdParam, idField, pageQueryFields, tradeParams } from './fields.js';
import { listingTermsShape } from './records.js';

/** Request bodies and query strings that are more than the shared path parameters. */

export const tradesQuery = z.object({
  as: z.enum(['buyer', 'seller']).optional().meta({ description: 'buyer (default) | seller' }),
  ...pageQueryFields,
});

export const purchaseBody = z
  .object({
    datasetId: idField,
    expectedPrice: amountField.optional().meta({
      description: 'with expectedDeposit: the purchase fails (TERMS_CHANGED) if the terms differ',
    }),
    expectedDeposit: amountField.optional(),
    requestId: idField.optional().meta({
      description:
        "the client's id for this purchase (recorded on chain): sending it again returns the first trade instead of buying twice",
    }),
  })
  .refine((body) => (body.expectedPrice === undefined) === (body.expectedDeposit === undefined), {
    message: "give both 'expectedPrice' and 'expectedDeposit', or neither",
    path: ['expectedPrice'],
  });

export const resultQuery = z.object({
  valueCount: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'expected the number of values the result holds (≥ 1)')
    .meta({ description: 'how many values the result holds' }),
});

/** Where a dataset's CSV comes from, and how it is read. */
const datasetSource = {
  csv: z.string().optional().meta({ description: 'the dataset as CSV text with a header line' }),
  path: z.string().min(1).optional().meta({ description: 'or a CSV file on the app machine' }),
  columns: z.array(z.string()).optional().meta({ description: 'columns to keep' }),
  standardize: z.boolean().optional().meta({ description: 'rescale to mean 0, sd 1' }),
};

const { sellerGatewayUrl } = listingTermsShape;
/** The terms a seller writes itself: all but the schema (computed) and the app's URL. */
const chosenTerms = z
  .object(listingTermsShape)
  .omit({ schema: true, sellerGatewayUrl: true }).shape;

/** CreateListing's fields without `schema` (computed from the data). */
export const newListingFields = z
  .strictObject({
    id: idField,
    ...chosenTerms,
    description: chosenTerms.description.optional(),
    deposit: chosenTerms.deposit.optional(),
    freeSample: chosenTerms.freeSample.optional(),
    sampleKind: chosenTerms.sampleKind.optional(),
    columnRanges: chosenTerms.columnRanges.optional(),
    computationPolicy: chosenTerms.computationPolicy.optional(),
    maxValuesPerKey: chosenTerms.maxValuesPerKey.optional(),
    sellerGatewayUrl: sellerGatewayUrl.optional().meta({ description: 'default: this app' }),
  })
  .meta({
    description: 'listing fields (docs/chaincode.md); the schema is computed from the data',
  });

/** UpdateListing's fields: any terms but `schema` (the id is in the path). */
export const listingUpdateFields = z
  .strictObject({ ...chosenTerms, sellerGatewayUrl })
  .partial()
  .meta({ description: 'listing fields to change; the schema follows new data' });

const exactlyOneSource = (body: { csv?: string; path?: string }) =>
  (body.csv === undefined) !== (body.path === undefined);
const sourceMessage = {
  message: "give the data as exactly one of 'csv' (CSV text) or 'path' (a file path)",
  path: ['csv'],
};

export const createDatasetBody = z
  .object({ listing: newListingFields, ...datasetSource })
  .refine(exactlyOneSource, sourceMessage);

export const updateDatasetBody = z
  .object({ listing: listingUpdateFields.optional(), ...datasetSource })
  .refine((body) => body.csv === undefined || body.path === undefined, sourceMessage);

export type DatasetSource = Pick<
  z.output<typeof createDatasetBody>,
  'csv' | 'path' | 'columns' | 'standardize'
>;

export const auditTradesQuery = z.object({
  dataset: datasetIdParam.optional(),
  buyer: z.string().min(1).optional().meta({ description: 'account id' }),
  seller: z.string().min(1).optional().meta({ description: 'account id' }),
  state: z.enum(TRADE_STATES).optional(),
  ...pageQueryFields,
});

export const blockParams = z.object({
  channel: tradeParams.shape.channel,
  number: z.string().regex(/^\d{1,18}$/, 'expected a block number'),
});

export const transactionParams = z.object({
  channel: tradeParams.shape.channel,
  txId: tradeParams.shape.tradeId.meta({ description: 'transaction id' }),
});
