// The encrypted-result round: the buyer submits one, the seller decrypts it or rejects it.
import { createHash } from 'node:crypto';
import { storedAmount } from '../amount.js';
import { MAX_ENCRYPTED_RESULT, MAX_REASON } from '../constants.js';
import { RESULT } from '../keys.js';
import type { Tx } from '../ledger.js';
import { builtinHash, isBuiltin } from '../privacy.js';
import type {
  ComputationPolicy,
  DeliveredResult,
  Trade,
  TradeComputation,
  TradeTerms,
} from '../types.js';
import { base64, identifier, invalid, positiveIntArg, sha256Hex, text } from '../validate.js';
import { before, requireParty, requireState } from './guards.js';
import { getTrade } from './record.js';
import { transition } from './transition.js';

/** The trade's computation policy (trades bought before policies existed are open). */
function policyOf(trade: Trade): ComputationPolicy {
  return (trade.terms as Partial<TradeTerms>).computationPolicy ?? { mode: 'open' };
}

/** The computation a buyer names, checked against the trade's frozen policy. */
function namedComputation(trade: Trade, idArg: string, paramsHashArg: string): TradeComputation {
  const computationId = identifier('computationId', idArg, 64);
  const paramsHash = sha256Hex('paramsHash', paramsHashArg);
  const policy = policyOf(trade);
  let computationHash: string;
  if (policy.mode === 'approved') {
    const approved = policy.computations.find((c) => c.id === computationId);
    if (!approved) {
      throw invalid(
        `trade ${trade.tradeId}: computation '${computationId}' is not approved by the listing (approved: ${policy.computations.map((c) => c.id).join(', ')})`,
      );
    }
    computationHash = approved.kind === 'script' ? approved.sha256 : builtinHash(approved.id);
  } else if (isBuiltin(computationId)) {
    computationHash = builtinHash(computationId);
  } else {
    throw invalid(
      `trade ${trade.tradeId}: an open listing can verify only built-in computations, not '${computationId}'`,
    );
  }
  return {
    computationId,
    computationHash,
    paramsHash,
    verification: 'pending',
    reexecutedHash: null,
  };
}

/** The buyer announces its encrypted result: DELIVERED → RESULT_SUBMITTED. */
export async function submitResult(
  tx: Tx,
  tradeId: string,
  resultHashArg: string,
  valueCountArg: string,
): Promise<Trade> {
  const trade = await getTrade(tx, tradeId);
  if (policyOf(trade).mode === 'approved') {
    throw invalid(
      `trade ${trade.tradeId}: the listing decrypts only approved computations; name one with SubmitComputedResult`,
    );
  }
  return submit(tx, trade, resultHashArg, valueCountArg, null);
}

/**
 * The buyer announces a result of a named computation with the hash of its parameters:
 * DELIVERED → RESULT_SUBMITTED. The seller re-executes it before decrypting.
 */
export async function submitComputedResult(
  tx: Tx,
  tradeId: string,
  resultHashArg: string,
  valueCountArg: string,
  computationId: string,
  paramsHash: string,
): Promise<Trade> {
  const trade = await getTrade(tx, tradeId);
  const computation = namedComputation(trade, computationId, paramsHash);
  return submit(tx, trade, resultHashArg, valueCountArg, computation);
}

async function submit(
  tx: Tx,
  trade: Trade,
  resultHashArg: string,
  valueCountArg: string,
  computation: TradeComputation | null,
): Promise<Trade> {
  const resultHash = sha256Hex('resultHash', resultHashArg);
  const valueCount = positiveIntArg('valueCount', valueCountArg);
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
    computation,
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
    {
      resultDigest,
      encryptedResultSha256,
      // The seller's app delivers a named computation only after re-executing it.
      computation: trade.computation ? { ...trade.computation, verification: 'verified' } : null,
    },
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

/**
 * The seller's re-execution of the named computation gave other bytes than the buyer's
 * result: RESULT_SUBMITTED → REJECTED, nothing decrypted. The buyer gets price and deposit
 * back (docs/privacy.md: the ledger cannot tell a cheat from a version skew, and a seller
 * must never gain by calling a mismatch); the reason and the seller's re-executed hash stay
 * on chain for auditors, who can replay the computation on the bundle.
 */
export async function rejectUnverifiedResult(
  tx: Tx,
  tradeId: string,
  reasonArg: string,
  reexecutedHashArg: string,
): Promise<Trade> {
  const reason = text('reason', reasonArg, { max: MAX_REASON, multiline: true });
  const reexecutedHash = sha256Hex('reexecutedHash', reexecutedHashArg);
  const trade = await getTrade(tx, tradeId);
  requireState(
    trade,
    'RejectUnverifiedResult',
    ['RESULT_SUBMITTED'],
    'applies only in RESULT_SUBMITTED (the seller refuses a result its re-execution did not reproduce)',
  );
  requireParty(tx, trade, 'seller', 'RejectUnverifiedResult');
  if (!trade.computation) {
    throw invalid(`trade ${trade.tradeId} names no computation to verify; use RejectResult`);
  }
  const escrow = storedAmount('escrow', trade.escrow);
  return transition(
    tx,
    trade,
    'REJECTED',
    'ResultRejected',
    {
      rejectReason: `COMPUTATION_MISMATCH: ${reason}`.slice(0, MAX_REASON),
      computation: { ...trade.computation, verification: 'mismatch', reexecutedHash },
    },
    { toSeller: 0n, toBuyer: escrow },
  );
}
