/** The plaintext of a member's share (before it is encrypted to the buyer's result key). */
import { z } from 'zod';

export const SHARE_PAYLOAD_VERSION = 1;

export const sharePayloadSchema = z
  .object({
    v: z.literal(SHARE_PAYLOAD_VERSION),
    tradeId: z.string().min(1).max(128),
    round: z.number().int().min(1),
    seat: z.number().int().min(0).max(15),
    ringBits: z.number().int().min(8).max(1024),
    fractionalBits: z.number().int().min(0).max(64),
    /** One masked share (share codec, base64) per aggregate: coalition = seat bitmask. */
    aggregates: z
      .array(z.object({ coalition: z.number().int().min(1), share: z.string().max(1 << 20) }))
      .min(1)
      .max(31),
  })
  .strict();

export type SharePayload = z.infer<typeof sharePayloadSchema>;
