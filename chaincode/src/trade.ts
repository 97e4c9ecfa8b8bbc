import { MAX_ENCRYPTED_RESULT, MAX_REASON, TRADE_EVENT } from './constants.js';
import { createHash } from 'node:crypto';
import { parseAmount, storedAmount } from './amount.js';
import { ContractError, quote } from './errors.js';
import {
  RESULT,
  TRADE,
  TRADE_BY_BUYER,
  TRADE_BY_DATASET,
  TRADE_BY_SELLER,
  TRADE_BY_STATE,
  INDEX_VALUE,
} from './keys.js';
import { accountIdArg, iso, timestampMs, type Tx } from './ledger.js';
import { getListing } from './listing.js';
import { credit, debit } from './token.js';
import {
  isTradeState,
  OPEN_STATES,
  TRADE_STATES,
  type DeliveredResult,
  type Page,
  type RefundBasis,
  type Trade,
  type TradeEvent,
  type TradeEventType,
  type TradeState,
  type TradeHistoryEntry,
} from './types.js';
import {
  base64,
  bookmark as bookmarkArg,
  identifier,
  invalid,
  pageSize as pageSizeArg,
  positiveIntArg,
  resultKey,
  sha256Hex,
  text,
} from './validate.js';

/** DeliverResult's encryptedResult: base64 text of at most 256 KiB. */

function tradeKey(tx: Tx, tradeId: string): string {
  return tx.key(TRADE, [tradeId]);
}

function tradeIdArg(value: string): string {
  return identifier('tradeId', value, 128);
}

export async function getTrade(tx: Tx, tradeIdRaw: string): Promise<Trade> {
  const tradeId = tradeIdArg(tradeIdRaw);
  const trade = await tx.getJson<Trade>(tradeKey(tx, tradeId));
  if (!trade) throw new ContractError('NOT_FOUND', `no trade with id ${quote(tradeId)}`);
  return trade;
}

// ---------------------------------------------------------------------------------------------
// Guards. Order everywhere: argument syntax, trade exists, state, caller, deadline, semantics.

function requireState(
  trade: Trade,
  action: string,
  allowed: readonly TradeState[],
  rule: string,
): void {
  if (!allowed.includes(trade.state)) {
    throw new ContractError(
      'WRONG_STATE',
      `trade ${trade.tradeId} is ${trade.state}: ${action} ${rule}`,
    );
  }
}

function requireParty(tx: Tx, trade: Trade, party: 'buyer' | 'seller', action: string): void {
  if (tx.caller !== trade[party]) {
    throw new ContractError(
      'FORBIDDEN',
      `trade ${trade.tradeId} is ${trade.state}: ${action} may be called only by the trade's ${party}`,
    );
  }
}

function before(
  tx: Tx,
  trade: Trade,
  deadline: number | null,
  what: string,
  consequence: string,
): void {
  if (deadline === null) throw new Error(`corrupt trade ${trade.tradeId}: ${what} missing`);
  if (tx.now >= deadline) {
    throw new ContractError(
      'DEADLINE',
      `trade ${trade.tradeId} is ${trade.state}: the ${what} ${iso(deadline)} has passed (transaction time ${iso(tx.now)}); ${consequence}`,
    );
  }
}

function after(
  tx: Tx,
  trade: Trade,
  deadline: number | null,
  what: string,
  consequence: string,
): void {
  if (deadline === null) throw new Error(`corrupt trade ${trade.tradeId}: ${what} missing`);
  if (tx.now < deadline) {
    throw new ContractError(
      'DEADLINE',
      `trade ${trade.tradeId} is ${trade.state}: the ${what} ${iso(deadline)} has not passed yet (transaction time ${iso(tx.now)}); ${consequence}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Writing a trade: every state change and every payout goes through here.

async function putIndexes(tx: Tx, trade: Trade): Promise<void> {
  await tx.putText(tx.key(TRADE_BY_DATASET, [trade.datasetId, trade.tradeId]), INDEX_VALUE);
  await tx.putText(tx.key(TRADE_BY_BUYER, [trade.buyer, trade.tradeId]), INDEX_VALUE);
  await tx.putText(tx.key(TRADE_BY_SELLER, [trade.seller, trade.tradeId]), INDEX_VALUE);
  await tx.putText(tx.key(TRADE_BY_STATE, [trade.state, trade.tradeId]), INDEX_VALUE);
}

function deadlineOf(trade: Trade): number | null {
  switch (trade.state) {
    case 'PAID':
      return trade.deliverBy;
    case 'DELIVERED':
      return trade.resultBy;
    case 'RESULT_SUBMITTED':
      return trade.decryptBy;
    default:
      return null;
  }
}

function emitTrade(
  tx: Tx,
  type: TradeEventType,
  trade: Trade,
  previousState: TradeState | null,
  toSeller: bigint,
  toBuyer: bigint,
): void {
  const event: TradeEvent = {
    type,
    tradeId: trade.tradeId,
    datasetId: trade.datasetId,
    buyer: trade.buyer,
    seller: trade.seller,
    previousState,
    state: trade.state,
    price: trade.price,
    deposit: trade.deposit,
    escrow: trade.escrow,
    toSeller: toSeller.toString(),
    toBuyer: toBuyer.toString(),
    deadline: deadlineOf(trade),
    txId: tx.txId,
    timestamp: tx.now,
  };
  tx.emit(TRADE_EVENT, event);
}

/**
 * Moves a trade to its next state. Pays `toSeller` and `toBuyer` out of the trade's escrow
 * (never more than it holds; a closing state must empty it), re-indexes the state, writes the
 * trade and emits the one TradeEvent of the transaction.
 */
async function transition(
  tx: Tx,
  current: Trade,
  next: TradeState,
  type: TradeEventType,
  changes: Partial<Trade>,
  payout: { toSeller: bigint; toBuyer: bigint } = { toSeller: 0n, toBuyer: 0n },
): Promise<Trade> {
  const escrow = storedAmount(`escrow of trade ${current.tradeId}`, current.escrow);
  const { toSeller, toBuyer } = payout;
  if (toSeller < 0n || toBuyer < 0n || toSeller + toBuyer > escrow) {
    throw new Error(`internal error: payout ${toSeller}+${toBuyer} from escrow ${escrow}`);
  }
  const remaining = escrow - toSeller - toBuyer;
  const closing = !OPEN_STATES.includes(next);
  if (closing !== (remaining === 0n)) {
    throw new Error(`internal error: ${next} with ${remaining} left in escrow`);
  }
  await credit(tx, current.seller, toSeller);
  await credit(tx, current.buyer, toBuyer);
  const trade: Trade = {
    ...current,
    ...changes,
    state: next,
    escrow: remaining.toString(),
    paidToSeller: (storedAmount('paidToSeller', current.paidToSeller) + toSeller).toString(),
    paidToBuyer: (storedAmount('paidToBuyer', current.paidToBuyer) + toBuyer).toString(),
    closedAt: closing ? tx.now : null,
    updatedAt: tx.now,
    lastTxId: tx.txId,
  };
  if (next !== current.state) {
    await tx.delete(tx.key(TRADE_BY_STATE, [current.state, current.tradeId]));
    await tx.putText(tx.key(TRADE_BY_STATE, [next, current.tradeId]), INDEX_VALUE);
  }
  await tx.putJson(tradeKey(tx, trade.tradeId), trade);
  emitTrade(tx, type, trade, current.state, toSeller, toBuyer);
  return trade;
}

// ---------------------------------------------------------------------------------------------
// Transitions

export async function purchase(
  tx: Tx,
  datasetId: string,
  buyerResultKeyArg: string,
  expected?: { price: string; deposit: string },
): Promise<Trade> {
  const buyerResultKey = resultKey('buyerResultKey', buyerResultKeyArg);
  const expectedPrice = expected ? parseAmount('expectedPrice', expected.price) : undefined;
  const expectedDeposit = expected
    ? parseAmount('expectedDeposit', expected.deposit, true)
    : undefined;
  const listing = await getListing(tx, datasetId);
  if (listing.state !== 'ACTIVE') {
    throw new ContractError(
      'WRONG_STATE',
      `listing ${quote(listing.id)} is ${listing.state}: Purchase needs an ACTIVE listing (open trades on it continue)`,
    );
  }
  if (listing.seller === tx.caller) {
    throw new ContractError(
      'FORBIDDEN',
      `listing ${quote(listing.id)}: the seller cannot buy its own dataset`,
    );
  }
  const price = parseAmount('price', listing.price);
  const deposit = parseAmount('deposit', listing.deposit, true);
  if (expectedPrice !== undefined && (expectedPrice !== price || expectedDeposit !== deposit)) {
    throw new ContractError(
      'TERMS_CHANGED',
      `listing ${quote(listing.id)} now asks price ${price} and deposit ${deposit}, not the ${expectedPrice} and ${expectedDeposit} expected`,
    );
  }
  const tradeId = tx.txId;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(tradeId)) {
    throw new Error(`transaction id ${quote(tradeId)} cannot serve as a trade id`);
  }
  if (await tx.getBytes(tradeKey(tx, tradeId))) {
    throw new ContractError(
      'ALREADY_EXISTS',
      `trade ${tradeId} exists: one purchase per transaction`,
    );
  }
  const escrow = price + deposit;
  await debit(
    tx,
    tx.caller,
    escrow,
    `Purchase of ${quote(listing.id)} (price ${price} + deposit ${deposit})`,
  );
  const trade: Trade = {
    docType: 'trade',
    tradeId,
    datasetId: listing.id,
    buyer: tx.caller,
    seller: listing.seller,
    state: 'PAID',
    price: price.toString(),
    deposit: deposit.toString(),
    escrow: escrow.toString(),
    paidToSeller: '0',
    paidToBuyer: '0',
    buyerResultKey,
    terms: {
      listingVersion: listing.version,
      deliverWithin: listing.deliverWithin,
      resultWithin: listing.resultWithin,
      decryptWithin: listing.decryptWithin,
      leakageBound: listing.leakageBound,
      ckksPreset: listing.ckksPreset,
      sellerGatewayUrl: listing.sellerGatewayUrl,
    },
    paidAt: tx.now,
    deliverBy: tx.now + listing.deliverWithin * 1000,
    deliveredAt: null,
    bundleHash: null,
    bundleBytes: null,
    resultBy: null,
    resultSubmittedAt: null,
    resultHash: null,
    valueCount: null,
    decryptBy: null,
    closedAt: null,
    resultDigest: null,
    encryptedResultSha256: null,
    rejectReason: null,
    refundBasis: null,
    updatedAt: tx.now,
    lastTxId: tx.txId,
  };
  await tx.putJson(tradeKey(tx, tradeId), trade);
  await putIndexes(tx, trade);
  emitTrade(tx, 'Purchased', trade, null, 0n, 0n);
  return trade;
}

export async function confirmDelivery(
  tx: Tx,
  tradeId: string,
  bundleHashArg: string,
  bundleBytesArg: string,
): Promise<Trade> {
  const bundleHash = sha256Hex('bundleHash', bundleHashArg);
  const bundleBytes = positiveIntArg('bundleBytes', bundleBytesArg);
  const trade = await getTrade(tx, tradeId);
  requireState(
    trade,
    'ConfirmDelivery',
    ['PAID'],
    'applies only in PAID (the seller records the bundle once, after purchase)',
  );
  requireParty(tx, trade, 'seller', 'ConfirmDelivery');
  before(
    tx,
    trade,
    trade.deliverBy,
    'delivery deadline',
    'the seller can no longer deliver and the buyer may Refund',
  );
  return transition(tx, trade, 'DELIVERED', 'DeliveryConfirmed', {
    deliveredAt: tx.now,
    bundleHash,
    bundleBytes,
    resultBy: tx.now + trade.terms.resultWithin * 1000,
  });
}

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

export async function refund(tx: Tx, tradeId: string): Promise<Trade> {
  const trade = await getTrade(tx, tradeId);
  requireState(
    trade,
    'Refund',
    OPEN_STATES,
    'applies only to an open trade (PAID, DELIVERED before the result deadline, RESULT_SUBMITTED after the decrypt deadline)',
  );
  requireParty(tx, trade, 'buyer', 'Refund');
  let refundBasis: RefundBasis;
  if (trade.state === 'PAID') {
    refundBasis = tx.now >= trade.deliverBy ? 'DELIVERY_DEADLINE_MISSED' : 'BUYER_WITHDREW';
  } else if (trade.state === 'DELIVERED') {
    before(
      tx,
      trade,
      trade.resultBy,
      'result deadline',
      'the buyer can withdraw only before it; the escrow is now the seller’s to Claim',
    );
    refundBasis = 'BUYER_WITHDREW';
  } else {
    after(
      tx,
      trade,
      trade.decryptBy,
      'decrypt deadline',
      'after submitting a result the buyer can get a refund only once the seller has missed this deadline',
    );
    refundBasis = 'DECRYPT_DEADLINE_MISSED';
  }
  const escrow = storedAmount('escrow', trade.escrow);
  return transition(
    tx,
    trade,
    'REFUNDED',
    'Refunded',
    { refundBasis },
    { toSeller: 0n, toBuyer: escrow },
  );
}

export async function claim(tx: Tx, tradeId: string): Promise<Trade> {
  const trade = await getTrade(tx, tradeId);
  requireState(
    trade,
    'Claim',
    ['DELIVERED'],
    'applies only in DELIVERED (the seller claims when the buyer submitted no result before the result deadline)',
  );
  requireParty(tx, trade, 'seller', 'Claim');
  after(
    tx,
    trade,
    trade.resultBy,
    'result deadline',
    'the buyer may still submit a result or withdraw',
  );
  // The buyer missed its own deadline: the seller gets the price and keeps the deposit.
  const escrow = storedAmount('escrow', trade.escrow);
  return transition(tx, trade, 'CLAIMED', 'Claimed', {}, { toSeller: escrow, toBuyer: 0n });
}

// ---------------------------------------------------------------------------------------------
// Queries

export async function getDeliveredResult(tx: Tx, tradeIdRaw: string): Promise<DeliveredResult> {
  const tradeId = tradeIdArg(tradeIdRaw);
  const result = await tx.getJson<DeliveredResult>(tx.key(RESULT, [tradeId]));
  if (!result) {
    throw new ContractError('NOT_FOUND', `trade ${quote(tradeId)} has no delivered result`);
  }
  return result;
}

/** Every committed version of the trade, oldest first (Fabric returns newest first). */
export async function getTradeHistory(tx: Tx, tradeIdRaw: string): Promise<TradeHistoryEntry[]> {
  const tradeId = tradeIdArg(tradeIdRaw);
  const iterator = await tx.stub.getHistoryForKey(tradeKey(tx, tradeId));
  const entries: TradeHistoryEntry[] = [];
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.value) {
        const m = next.value;
        const value = m.value && m.value.length > 0 ? decoder.decode(m.value) : '';
        entries.push({
          txId: m.txId,
          timestamp: timestampMs(m.timestamp),
          isDelete: m.isDelete,
          trade: m.isDelete || value === '' ? null : (JSON.parse(value) as Trade),
        });
      }
      if (next.done) break;
    }
  } finally {
    await iterator.close();
  }
  if (entries.length === 0) {
    throw new ContractError('NOT_FOUND', `no committed history for trade ${quote(tradeId)}`);
  }
  return entries.reverse();
}

export type TradeIndex = 'dataset' | 'buyer' | 'seller' | 'state';

const INDEXES: Record<TradeIndex, string> = {
  dataset: TRADE_BY_DATASET,
  buyer: TRADE_BY_BUYER,
  seller: TRADE_BY_SELLER,
  state: TRADE_BY_STATE,
};

export async function listTrades(
  tx: Tx,
  index: TradeIndex,
  valueArg: string,
  size: string,
  bookmarkRaw: string,
): Promise<Page<Trade>> {
  let value: string;
  switch (index) {
    case 'dataset':
      value = identifier('datasetId', valueArg);
      break;
    case 'buyer':
      value = accountIdArg('buyer', valueArg);
      break;
    case 'seller':
      value = accountIdArg('seller', valueArg);
      break;
    case 'state':
      if (!isTradeState(valueArg)) {
        throw invalid(
          `state ${quote(valueArg)} is not a trade state; use one of ${TRADE_STATES.join(', ')}`,
        );
      }
      value = valueArg;
      break;
  }
  const objectType = INDEXES[index];
  const limit = pageSizeArg(size);
  const bookmark = bookmarkArg(bookmarkRaw, tx.key(objectType, [value]));
  const page = await tx.page(objectType, [value], limit, bookmark);
  const records: Trade[] = [];
  for (const entry of page.records) {
    const { attributes } = tx.stub.splitCompositeKey(entry.key);
    const tradeId = attributes[attributes.length - 1];
    if (tradeId === undefined) throw new Error(`corrupt index key under ${objectType}`);
    const trade = await tx.getJson<Trade>(tradeKey(tx, tradeId));
    if (!trade) throw new Error(`corrupt index: ${objectType} names missing trade ${tradeId}`);
    records.push(trade);
  }
  return { records, fetchedRecordsCount: page.fetchedRecordsCount, bookmark: page.bookmark };
}
