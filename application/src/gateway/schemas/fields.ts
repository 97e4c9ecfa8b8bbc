import { z } from 'zod';

/**
 * Field schemas the request and record schemas share. Patterns follow the contract's own
 * checks (chaincode/src/validate.ts, amount.ts), so the app refuses what the ledger would.
 */

/** A listing / dataset id or a channel name. */
export const idField = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'expected an id: letters, digits, . _ - (≤ 128)');

/** A transaction id, which is also a trade id. */
export const txIdField = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

export const sha256Field = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 (64 hex)');

/** A token amount: a decimal string (never a JSON number, which loses precision). */
export const amountField = z
  .string()
  .regex(/^\d{1,16}$/, 'expected a string of decimal digits')
  .meta({ description: 'token amount as a decimal string', example: '100' });

export const channelParam = idField.meta({ description: 'channel name (one the app serves)' });
export const tradeIdParam = txIdField.meta({
  description: 'trade id (= the purchase transaction id, 64 hex)',
});
export const datasetIdParam = idField.meta({ description: 'listing / dataset id' });

/** Path parameters of most routes. */
export const channelParams = z.object({ channel: channelParam });
export const tradeParams = z.object({ channel: channelParam, tradeId: tradeIdParam });
export const datasetParams = z.object({ channel: channelParam, datasetId: datasetIdParam });

/** pageSize and bookmark of the List* queries. */
export const pageQueryFields = {
  pageSize: z
    .string()
    .regex(/^\d{1,3}$/, 'expected a page size 1..100')
    .optional()
    .meta({ description: 'page size 1..100' }),
  bookmark: z.string().max(4096).optional().meta({ description: 'from the previous page' }),
};
export const pageQuery = z.object(pageQueryFields);

/** The ledger's page request from the validated query. */
export function pageRequest(query: { pageSize?: string; bookmark?: string }): {
  pageSize?: number;
  bookmark?: string;
} {
  return {
    ...(query.pageSize ? { pageSize: Number(query.pageSize) } : {}),
    ...(query.bookmark ? { bookmark: query.bookmark } : {}),
  };
}
