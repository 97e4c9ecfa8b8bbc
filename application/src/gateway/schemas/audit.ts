import { z } from 'zod';
import type { DecodedBlock, DecodedTransaction } from '../blocks.js';
import type { ChainInfo } from '../ledger/market-ledger.js';
import { txIdField } from './fields.js';
import { tradeHistoryEntrySchema } from './records.js';
import type { Assert, Equal, Flat } from './type-tests.js';

/** What the auditor routes answer: decoded blocks and transactions (blocks.ts), history. */

export const transactionSchema = z
  .object({
    txId: z.string(),
    type: z.string(),
    channel: z.string(),
    timestamp: z.string().nullable(),
    creatorMspId: z.string().nullable(),
    validationCode: z.string().nullable(),
    chaincode: z.string().nullable(),
    function: z.string().nullable(),
    args: z.array(z.string()),
    response: z
      .object({ status: z.number().int(), message: z.string(), payload: z.string() })
      .nullable(),
    event: z.object({ name: z.string(), payload: z.unknown() }).nullable(),
  })
  .meta({ id: 'Transaction' });

export const blockSchema = z
  .object({
    number: z.string(),
    previousHash: z.string(),
    dataHash: z.string(),
    transactions: z.array(transactionSchema),
  })
  .meta({ id: 'Block' });

export const chainInfoSchema = z
  .object({ channel: z.string(), height: z.string(), currentBlockHash: z.string() })
  .meta({ id: 'ChainInfo' });

export const tradeHistorySchema = z
  .object({ tradeId: txIdField, history: z.array(tradeHistoryEntrySchema) })
  .meta({ id: 'TradeHistory' });

export type TransactionMatches = Assert<
  Equal<z.infer<typeof transactionSchema>, DecodedTransaction>
>;
export type BlockMatches = Assert<Equal<z.infer<typeof blockSchema>, DecodedBlock>>;
export type ChainInfoMatches = Assert<
  Equal<z.infer<typeof chainInfoSchema>, Flat<ChainInfo & { channel: string }>>
>;
