// The encrypted-result round: the buyer submits one, the seller decrypts it or rejects it.
import { createHash } from 'node:crypto';
import { storedAmount } from '../amount.js';
import { MAX_ENCRYPTED_RESULT, MAX_REASON } from '../constants.js';
import { RESULT } from '../keys.js';
import type { Tx } from '../ledger.js';
import type { DeliveredResult, Trade } from '../types.js';
import { base64, invalid, positiveIntArg, sha256Hex, text } from '../validate.js';
import { before, requireParty, requireState } from './guards.js';
import { getTrade } from './record.js';
import { transition } from './transition.js';

/** The buyer announces its encrypted result: DELIVERED → RESULT_SUBMITTED. */
export async function submitResult(
  tx: Tx,
  tradeId: string,
  resultHashArg: string,
  valueCountArg: string,
): Promise<Trade> {
  const resultHash = sha256Hex('resultHash', resultHashArg);
  const valueCount = positiveIntArg('valueCount', valueCountArg);
  const trade = await getTrade(tx, tradeId);
  requireState(
    trade,
    'SubmitResult',
    ['DELIVERED'],
    'applies only in DELIVERED (the buyer submits one result after delivery)',
  );
  requireParty(tx, trade, 'buyer', 'SubmitResult');
  before(tx, trade, trade.resultBy, 'result deadline', 'the seller may Claim the escrow');
  if (valueCount > trade.terms.leakageBound) {
    throw invalid(
      `trade ${trade.tradeId} is ${trade.state}: valueCount ${valueCount} exceeds the listing's leakage bound of ${trade.terms.leakageBound} values per result`,
    );
  }
  return transition(tx, trade, 'RESULT_SUBMITTED', 'ResultSubmitted', {
    resultSubmittedAt: tx.now,
    resultHash,
    valueCount,
    decryptBy: tx.now + trade.terms.decryptWithin * 1000,
  });
}

/**
 * The seller stores the result re-encrypted for the buyer: RESULT_SUBMITTED → SETTLED, the
 * seller is paid the price and the buyer gets its deposit back.
 */
export async function deliverResult(
  tx: Tx,
  tradeId: string,
  encryptedResultArg: string,
  resultDigestArg: string,
): Promise<Trade> {
  const encryptedResult = base64('encryptedResult', encryptedResultArg, MAX_ENCRYPTED_RESULT);
  const resultDigest = sha256Hex('resultDigest', resultDigestArg);
  const trade = await getTrade(tx, tradeId);
  requireState(
    trade,
    'DeliverResult',
    ['RESULT_SUBMITTED'],
    'applies only in RESULT_SUBMITTED (the seller delivers the decrypted result once the buyer has submitted one)',
  );
  requireParty(tx, trade, 'seller', 'DeliverResult');
  before(tx, trade, trade.decryptBy, 'decrypt deadline', 'the buyer may Refund');
  const encryptedResultSha256 = createHash('sha256').update(encryptedResult, 'utf8').digest('hex');
  const result: DeliveredResult = {
    docType: 'result',
    tradeId: trade.tradeId,
    buyer: trade.buyer,
    seller: trade.seller,
    encryptedResult,
    resultDigest,
    encryptedResultSha256,
    deliveredAt: tx.now,
    txId: tx.txId,
  };
  await tx.putJson(tx.key(RESULT, [trade.tradeId]), result);
  const price = storedAmount('price', trade.price);
  const deposit = storedAmount('deposit', trade.deposit);
  return transition(
    tx,
    trade,
    'SETTLED',
    'ResultDelivered',
    { resultDigest, encryptedResultSha256 },
    { toSeller: price, toBuyer: deposit },
  );
}

/** The seller refuses a submitted result: RESULT_SUBMITTED → REJECTED, buyer refunded in full. */
export async function rejectResult(tx: Tx, tradeId: string, reasonArg: string): Promise<Trade> {
  const reason = text('reason', reasonArg, { max: MAX_REASON, multiline: true });
  const trade = await getTrade(tx, tradeId);
  requireState(
    trade,
    'RejectResult',
    ['RESULT_SUBMITTED'],
    'applies only in RESULT_SUBMITTED (the seller may refuse a submitted result, refunding the buyer in full)',
  );
  requireParty(tx, trade, 'seller', 'RejectResult');
  const escrow = storedAmount('escrow', trade.escrow);
  return transition(
    tx,
    trade,
    'REJECTED',
    'ResultRejected',
    { rejectReason: reason },
    { toSeller: 0n, toBuyer: escrow },
  );
}
