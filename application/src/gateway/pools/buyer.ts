/**
 * The buyer's end of a joint round: open every member's share (encrypted to the buyer's
 * result key), check it against the ledger, and add the shares of each aggregate. The masks
 * cancel only in the full sum: the buyer never sees one member's partial in a multi-member
 * aggregate.
 */
import type { PoolShare, PoolTrade } from '@datamarket/chaincode/api';
import {
  chooseRing,
  decode,
  decodeShare,
  sumShares,
  AggregationError,
} from '../../aggregation/index.js';
import { decryptWithResultKey, sha256Hex } from '../crypto/result-envelope.js';
import { sharePayloadSchema, type SharePayload } from './share-payload.js';

/** Opens and checks one share: digest, trade, round, seat and ring must be the ledger's. */
export function openShare(share: PoolShare, trade: PoolTrade, privateKeyPem: string): SharePayload {
  const plain = decryptWithResultKey(privateKeyPem, share.encryptedShare);
  if (sha256Hex(plain) !== share.shareDigest) {
    throw new AggregationError(
      `seat ${String(share.member)}'s share does not match its digest on chain`,
    );
  }
  const payload = sharePayloadSchema.parse(JSON.parse(plain.toString('utf8')));
  if (
    payload.tradeId !== trade.tradeId ||
    payload.round !== share.round ||
    payload.seat !== share.member
  ) {
    throw new AggregationError(
      `seat ${String(share.member)}'s share names another trade, round or seat`,
    );
  }
  return payload;
}

/**
 * The decoded aggregate of every coalition of one round (coalition bitmask → values); the
 * pool's own aggregate is at 2^n − 1. Refuses a share missing, a share in the wrong ring, or
 * shares of different sizes.
 */
export function aggregateRound(
  shares: readonly PoolShare[],
  trade: PoolTrade,
  round: number,
  privateKeyPem: string,
): Map<number, number[]> {
  const n = trade.members.length;
  const ring = chooseRing({ ...trade.terms.aggregation, members: n });
  const encoding = { ring, ...trade.terms.aggregation };
  const bySeat = new Map<number, SharePayload>();
  for (const share of shares.filter((s) => s.round === round)) {
    bySeat.set(share.member, openShare(share, trade, privateKeyPem));
  }
  // Any round's aggregate holds at most the trade's whole leakage bound of values.
  const maxValues = trade.terms.leakageBound;
  const parts = new Map<number, bigint[][]>();
  for (const [seat, payload] of bySeat) {
    if (payload.fractionalBits !== encoding.fractionalBits) {
      throw new AggregationError(
        `seat ${String(seat)} encoded with ${String(payload.fractionalBits)} fractional bits`,
      );
    }
    for (const { coalition, share } of payload.aggregates) {
      const values = decodeShare(Buffer.from(share, 'base64'), ring, maxValues);
      parts.set(coalition, [...(parts.get(coalition) ?? []), values]);
    }
  }
  const result = new Map<number, number[]>();
  for (const [coalition, list] of parts) {
    let members = 0;
    for (let s = 0; s < n; s += 1) if (coalition & (1 << s)) members += 1;
    if (list.length !== members) {
      throw new AggregationError(
        `coalition ${String(coalition)} has ${String(list.length)} of its ${String(members)} shares`,
      );
    }
    result.set(
      coalition,
      sumShares(list, ring).map((v) => decode(v, encoding)),
    );
  }
  if (!result.has(2 ** n - 1))
    throw new AggregationError(`round ${String(round)} lacks the pool's aggregate`);
  return result;
}
