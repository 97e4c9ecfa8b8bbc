import { z } from 'zod';
import { txIdField } from './fields.js';

/**
 * What the running-totals audit, its checkpoint and a balance's compaction answer
 * (chaincode/src/totals.ts, token.ts). Sums are signed decimal strings: an audit must be able
 * to show a total gone wrong, negative included.
 */

const total = z
  .string()
  .regex(/^-?(0|[1-9][0-9]*)$/, 'expected a decimal integer string')
  .meta({ description: 'a running total, decimal string (negative only if the books are wrong)' });

export const supplyTotalsSchema = z
  .object({
    totalSupply: total,
    sumOfBalances: total,
    sumOfEscrow: total,
    trades: total,
    openTrades: total,
    deltas: z
      .number()
      .int()
      .nonnegative()
      .meta({ description: 'delta keys folded by this audit (written since the checkpoint)' }),
    checkpointTxId: txIdField.nullable().meta({ description: 'the last CheckpointSupply, if any' }),
    balanced: z.boolean(),
    problems: z.array(z.string()),
  })
  .meta({ id: 'SupplyTotals' });

export const supplyCheckpointSchema = z
  .object({
    folded: z.number().int().nonnegative().meta({ description: 'delta keys folded and deleted' }),
    throughMinute: z
      .string()
      .regex(/^[0-9]{12}$/)
      .meta({ description: 'deltas of minutes before this one (epoch minutes) are folded' }),
    totals: z.object({
      supply: total,
      balances: total,
      escrow: total,
      trades: total,
      openTrades: total,
    }),
  })
  .meta({ id: 'SupplyCheckpoint' });

export const balanceCompactionSchema = z
  .object({
    account: z.string(),
    balance: z.string().regex(/^[0-9]+$/),
    folded: z
      .number()
      .int()
      .nonnegative()
      .meta({ description: 'credit keys folded into the base' }),
  })
  .meta({ id: 'BalanceCompaction' });

export type SupplyTotals = z.infer<typeof supplyTotalsSchema>;
export type SupplyCheckpoint = z.infer<typeof supplyCheckpointSchema>;
export type BalanceCompaction = z.infer<typeof balanceCompactionSchema>;
