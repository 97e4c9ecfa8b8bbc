import { z } from 'zod';
import { amountField, channelParam, idField, sha256Field, txIdField } from './fields.js';

/**
 * Pool requests and records (docs/pools.md). Requests follow the contract's checks so the app
 * refuses what the ledger would; records are the ledger's JSON, their key fields checked.
 */

export const poolIdParam = idField.meta({ description: 'pool id' });
const seatParam = z
  .string()
  .regex(/^\d{1,2}$/, 'expected a seat number 0..15')
  .meta({ description: 'seat (0 is the lead)' });
const roundParam = z
  .string()
  .regex(/^[1-9]\d{0,3}$/, 'expected a round 1..9999')
  .meta({ description: 'round (1 is the first)' });

export const poolParams = z.object({ channel: channelParam, poolId: poolIdParam });
export const poolTradeParams = z.object({
  channel: channelParam,
  tradeId: txIdField.meta({ description: 'joint trade id (= the purchase transaction id)' }),
});
export const poolSeatParams = poolTradeParams.extend({ seat: seatParam });
export const poolRoundParams = poolTradeParams.extend({ round: roundParam });
export const poolRoundSeatParams = poolRoundParams.extend({ seat: seatParam });

/** The member app a buyer calls for one seat: a URL the member's org registered on chain. */
export const memberAppQuery = z.object({
  appUrl: z.url().max(2048).optional().meta({
    description:
      "the member's app URL (must be registered on chain by its org); omitted: the one app its org registered",
  }),
});

/** An approved pool's partial names its computation and parameters (re-executed by the member). */
export const partialComputationQuery = z.object({
  computation: idField.optional().meta({ description: 'the approved computation the partial is' }),
  params: z
    .string()
    .max(16_384)
    .optional()
    .meta({ description: "the computation's parameters (JSON)" }),
});
export const partialUploadQuery = memberAppQuery.extend(partialComputationQuery.shape);

const seconds = z.number().int().min(1).max(31_536_000);
const invite = z.union([
  z.strictObject({ account: z.string().min(1).max(4096) }),
  z.strictObject({ msp: idField }),
]);

export const poolProposalBody = z
  .strictObject({
    id: idField,
    title: z.string().min(1).max(256),
    description: z.string().max(4096).optional(),
    columns: z.array(z.string().min(1).max(128)).min(1).max(256),
    price: amountField,
    deposit: amountField.optional(),
    maxRounds: z.number().int().min(1).max(1000),
    deliverWithin: seconds,
    partialsWithin: seconds,
    sharesWithin: seconds,
    leakageBound: z.number().int().min(1),
    ckksPreset: idField,
    computationPolicy: z.union([z.record(z.string(), z.unknown()), z.string().max(16_384)]),
    aggregation: z.strictObject({
      valueBound: z.number().positive().max(Number.MAX_SAFE_INTEGER),
      fractionalBits: z.number().int().min(0).max(64),
    }),
    splitRule: z.enum(['stake', 'rows', 'shapley-f1']),
    invites: z.array(invite).min(1).max(15),
    stakes: z.array(amountField).max(16).optional(),
  })
  .meta({ id: 'PoolProposal' });

export const poolJoinBody = z
  .strictObject({
    datasetId: idField.meta({
      description: "the dataset in this app's store the seat contributes",
    }),
    stake: amountField.optional().meta({ description: 'stake rule: the stake of the seat' }),
  })
  .meta({ id: 'PoolJoin' });

export const poolPurchaseBody = z
  .strictObject({
    rounds: z.number().int().min(1).max(1000),
    expectedPrice: amountField.meta({ description: 'the per-round price the buyer agreed to' }),
    expectedDeposit: amountField,
  })
  .meta({ id: 'PoolPurchase' });

export const poolPartialsBody = z
  .strictObject({
    valueCount: z.number().int().min(1),
    partialHashes: z.array(sha256Field).min(2).max(16),
  })
  .meta({ id: 'PoolPartials' });

/** An F1 score as the contract takes it: 0 to 1, at most 6 decimals, as text (exact). */
const f1Score = z
  .string()
  .regex(
    /^(0(\.\d{1,6})?|1(\.0{1,6})?)$/,
    'expected an F1 score from 0 to 1 with at most 6 decimals, e.g. "0.8125"',
  );

/** shapley-f1: one F1 score per coalition, indexed by seat bitmask (2^n − 1 of them, n ≤ 5). */
export const poolScoresBody = z
  .strictObject({
    scores: z.array(f1Score).min(3).max(31).meta({
      description:
        "the F1 score of each coalition's model, [v(1), …, v(2^n − 1)]: entry c − 1 is coalition c (bit i = seat i)",
    }),
  })
  .meta({ id: 'PoolScores' });

export const poolSchema = z
  .object({
    docType: z.literal('pool'),
    id: z.string(),
    lead: z.string(),
    state: z.enum(['FORMING', 'READY', 'CLOSED']),
    splitRule: z.string(),
    price: z.string(),
    deposit: z.string(),
    seats: z
      .array(z.unknown())
      .meta({ description: 'seats: invite, stake, member (account, rows, schema hash, mask key)' }),
  })
  .meta({ id: 'Pool' });

export const poolTradeSchema = z
  .object({
    docType: z.literal('pool-trade'),
    tradeId: z.string(),
    poolId: z.string(),
    buyer: z.string(),
    state: z.string(),
    round: z.number().int(),
    rounds: z.number().int(),
    escrow: z.string(),
    members: z
      .array(z.unknown())
      .meta({ description: 'members: account, rows, stake, bundle and partial hashes, paid' }),
  })
  .meta({ id: 'PoolTrade' });

const page = <T extends z.ZodType>(records: T, id: string) =>
  z
    .object({
      records: z.array(records),
      fetchedRecordsCount: z.number().int(),
      bookmark: z.string(),
    })
    .meta({ id });
export const poolPageSchema = page(poolSchema, 'PoolPage');
export const poolTradePageSchema = page(poolTradeSchema, 'PoolTradePage');

export const poolSeatSchema = z
  .object({
    channel: z.string(),
    poolId: z.string(),
    user: z.string(),
    datasetId: z.string(),
    maskPublicKey: z.string(),
    pool: poolSchema,
  })
  .meta({ id: 'PoolSeat' });

export const poolUploadSchema = z
  .object({
    tradeId: txIdField,
    round: z.number().int(),
    seat: z.number().int(),
    sha256: sha256Field,
    bytes: z.number().int(),
  })
  .meta({ id: 'PoolPartialUpload' });

export const poolAggregateSchema = z
  .object({
    tradeId: txIdField,
    round: z.number().int(),
    /** The pool's aggregate (every member). */
    values: z.array(z.number()),
    /** Under shapley-f1: every coalition's aggregate, by seat bitmask. */
    coalitions: z.array(z.object({ coalition: z.number().int(), values: z.array(z.number()) })),
  })
  .meta({ id: 'PoolAggregate' });
