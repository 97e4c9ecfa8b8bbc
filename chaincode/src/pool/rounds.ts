// The joint computation: bundles, then per round the buyer's partials and each member's share.
import { createHash } from 'node:crypto';
import { MAX_ENCRYPTED_RESULT } from '../constants.js';
import { ContractError } from '../errors.js';
import type { Tx } from '../ledger.js';
import {
  base64,
  invalid,
  jsonObject,
  onlyKeys,
  positiveIntArg,
  positiveIntField,
  sha256Hex,
} from '../validate.js';
import { before, requireBuyer, requireMember, requireState } from './guards.js';
import { F1_SCALE, MAX_POOL_JSON } from './limits.js';
import { getPoolTrade, shareKey } from './record.js';
import { settlementPayout, weightsOf } from './settlement.js';
import { poolTransition } from './transition.js';
import type { PoolShare, PoolTrade } from './types.js';

/** A member records the bundle it delivered; the last one opens round 1. */
export async function deliverBundle(
  tx: Tx,
  tradeId: string,
  bundleHashArg: string,
  bundleBytesArg: string,
): Promise<PoolTrade> {
  const bundleHash = sha256Hex('bundleHash', bundleHashArg);
  const bundleBytes = positiveIntArg('bundleBytes', bundleBytesArg);
  const trade = await getPoolTrade(tx, tradeId);
  requireState(trade, 'DeliverBundle', ['PAID'], 'applies only in PAID (before round 1)');
  const seat = requireMember(tx, trade, 'DeliverBundle');
  before(tx, trade, trade.deliverBy, 'delivery deadline', 'the buyer may Refund the whole trade');
  if (trade.members[seat]?.bundleHash !== null) {
    throw new ContractError(
      'WRONG_STATE',
      `joint trade ${trade.tradeId}: this member already delivered its bundle`,
    );
  }
  const members = trade.members.map((m, i) =>
    i === seat ? { ...m, bundleHash, bundleBytes, deliveredAt: tx.now } : m,
  );
  const all = members.every((m) => m.bundleHash !== null);
  return poolTransition(tx, trade, all ? 'COMPUTING' : 'PAID', 'BundleDelivered', {
    members,
    ...(all ? { round: 1, partialsBy: tx.now + trade.terms.partialsWithin * 1000 } : {}),
  });
}

/**
 * The buyer records one encrypted partial per member for the current round:
 * `{"round": r, "valueCount": k, "partialHashes": [sha256 per seat]}`. The round's values
 * (k per aggregate, every aggregate released) count against the trade's leakage bound.
 */
export async function submitPartials(tx: Tx, tradeId: string, json: string): Promise<PoolTrade> {
  const raw = jsonObject('partials', json, MAX_POOL_JSON);
  onlyKeys('partials', raw, ['round', 'valueCount', 'partialHashes']);
  const round = positiveIntField('round', raw.round);
  const valueCount = positiveIntField('valueCount', raw.valueCount);
  if (!Array.isArray(raw.partialHashes)) throw invalid('partialHashes must be an array');
  const hashes = raw.partialHashes.map((h, i) => sha256Hex(`partialHashes[${i}]`, h));
  const trade = await getPoolTrade(tx, tradeId);
  requireState(
    trade,
    'SubmitPartials',
    ['COMPUTING'],
    'applies only in COMPUTING (one set of partials per round)',
  );
  requireBuyer(tx, trade, 'SubmitPartials');
  before(tx, trade, trade.partialsBy, 'partials deadline', 'the members may Claim the escrow');
  if (round !== trade.round) {
    throw invalid(`round ${round} is not the joint trade's current round ${trade.round}`);
  }
  if (hashes.length !== trade.members.length) {
    throw invalid(
      `partialHashes has ${hashes.length} entries; the trade has ${trade.members.length} members`,
    );
  }
  const released = valueCount * trade.terms.aggregatesPerRound;
  if (trade.leakageUsed + released > trade.terms.leakageBound) {
    throw invalid(
      `round ${round} would release ${released} values (${valueCount} × ${trade.terms.aggregatesPerRound} aggregates) after ${trade.leakageUsed}: above the leakage bound ${trade.terms.leakageBound} over all rounds`,
    );
  }
  return poolTransition(tx, trade, 'SHARING', 'PartialsSubmitted', {
    members: trade.members.map((m, i) => ({ ...m, partialHash: hashes[i] ?? null })),
    valueCount,
    leakageUsed: trade.leakageUsed + released,
    sharesBy: tx.now + trade.terms.sharesWithin * 1000,
  });
}

/** What the last share of a round leads to: the next round, the scores, or settlement. */
async function afterLastShare(
  tx: Tx,
  trade: PoolTrade,
  changes: Partial<PoolTrade>,
): Promise<PoolTrade> {
  if (trade.round < trade.rounds) {
    return poolTransition(tx, trade, 'COMPUTING', 'RoundCompleted', {
      ...changes,
      round: trade.round + 1,
      partialsBy: tx.now + trade.terms.partialsWithin * 1000,
      sharesBy: null,
    });
  }
  if (trade.terms.splitRule === 'shapley-f1') {
    return poolTransition(tx, trade, 'SCORING', 'RoundCompleted', {
      ...changes,
      scoresBy: tx.now + trade.terms.partialsWithin * 1000,
    });
  }
  return poolTransition(
    tx,
    trade,
    'SETTLED',
    'PoolSettled',
    changes,
    settlementPayout(trade, weightsOf(trade, null)),
  );
}

/**
 * A member submits its masked share of the current round, encrypted to the buyer's result key.
 * The last share of the last round settles the trade in the same transaction.
 */
export async function submitShare(
  tx: Tx,
  tradeId: string,
  roundArg: string,
  encryptedShareArg: string,
  shareDigestArg: string,
): Promise<PoolTrade> {
  const round = positiveIntArg('round', roundArg);
  const encryptedShare = base64('encryptedShare', encryptedShareArg, MAX_ENCRYPTED_RESULT);
  const shareDigest = sha256Hex('shareDigest', shareDigestArg);
  const trade = await getPoolTrade(tx, tradeId);
  requireState(
    trade,
    'SubmitShare',
    ['SHARING'],
    "applies only in SHARING (after the buyer submitted the round's partials)",
  );
  const seat = requireMember(tx, trade, 'SubmitShare');
  before(tx, trade, trade.sharesBy, 'share deadline', 'the buyer may Refund the whole trade');
  const member = trade.members[seat];
  if (!member?.partialHash) throw new Error(`corrupt joint trade ${trade.tradeId}: no partial`);
  if (round !== trade.round)
    throw invalid(`round ${round} is not the current round ${trade.round}`);
  if (member.sharedRound >= round) {
    throw new ContractError(
      'WRONG_STATE',
      `joint trade ${trade.tradeId}: this member already shared round ${round}`,
    );
  }
  const share: PoolShare = {
    docType: 'pool-share',
    tradeId: trade.tradeId,
    round,
    member: seat,
    account: member.account,
    partialHash: member.partialHash,
    encryptedShare,
    shareDigest,
    encryptedShareSha256: createHash('sha256').update(encryptedShare, 'utf8').digest('hex'),
    submittedAt: tx.now,
    txId: tx.txId,
  };
  await tx.putJson(shareKey(tx, trade.tradeId, round, seat), share);
  const members = trade.members.map((m, i) => (i === seat ? { ...m, sharedRound: round } : m));
  if (members.some((m) => m.sharedRound < round)) {
    return poolTransition(tx, trade, 'SHARING', 'ShareSubmitted', { members });
  }
  return afterLastShare(tx, trade, { members });
}

/** An F1 score in [0, 1] with at most 6 decimals, as micro-units. */
function f1(name: string, value: unknown): bigint {
  const s = typeof value === 'number' ? String(value) : value;
  if (typeof s !== 'string' || !/^(0(\.[0-9]{1,6})?|1(\.0{1,6})?)$/.test(s)) {
    throw invalid(`${name} must be an F1 score from 0 to 1 with at most 6 decimals, e.g. "0.8125"`);
  }
  const [whole = '0', fraction = ''] = s.split('.');
  return BigInt(whole) * BigInt(F1_SCALE) + BigInt(fraction.padEnd(6, '0'));
}

/**
 * shapley-f1: the buyer submits the F1 score of every coalition's model, `[v(1), v(2), …,
 * v(2^n − 1)]` indexed by the coalition's seat bitmask (bit i = seat i), and the trade settles
 * by the members' normalised Shapley values. The buyer's payment is the same whatever it scores.
 */
export async function submitScores(tx: Tx, tradeId: string, json: string): Promise<PoolTrade> {
  const raw = jsonObject('scores', json, MAX_POOL_JSON);
  onlyKeys('scores', raw, ['scores']);
  if (!Array.isArray(raw.scores)) throw invalid('scores must be an array of F1 scores');
  const scores = raw.scores.map((v, i) => f1(`scores[${i}]`, v));
  const trade = await getPoolTrade(tx, tradeId);
  requireState(
    trade,
    'SubmitScores',
    ['SCORING'],
    'applies only in SCORING (shapley-f1, after the last round)',
  );
  requireBuyer(tx, trade, 'SubmitScores');
  before(tx, trade, trade.scoresBy, 'scores deadline', 'the members may Claim the escrow');
  const expected = 2 ** trade.members.length - 1;
  if (scores.length !== expected) {
    throw invalid(
      `scores has ${scores.length} entries; ${trade.members.length} members make ${expected} coalitions`,
    );
  }
  const weights = weightsOf(trade, scores);
  return poolTransition(
    tx,
    trade,
    'SETTLED',
    'PoolSettled',
    { scores: scores.map(Number), shapleyWeights: weights.map(String) },
    settlementPayout(trade, weights),
  );
}
