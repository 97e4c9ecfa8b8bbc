import { parseAmount } from '../amount.js';
import { ContractError, quote } from '../errors.js';
import type { Tx } from '../ledger.js';
import { getListing } from '../listing.js';
import { debit } from '../token.js';
import type { Listing, Trade } from '../types.js';
import { identifier, resultKey } from '../validate.js';
import { findTrade, putIndexes, putTrade } from './record.js';
import { emitTrade } from './transition.js';

/** The terms the buyer saw; Purchase refuses if the listing now asks something else. */
export interface ExpectedTerms {
  price: string;
  deposit: string;
}

interface Amounts {
  price: bigint;
  deposit: bigint;
}

function parseExpected(expected: ExpectedTerms | undefined): Amounts | undefined {
  if (!expected) return undefined;
  return {
    price: parseAmount('expectedPrice', expected.price),
    deposit: parseAmount('expectedDeposit', expected.deposit, true),
  };
}

function requirePurchasable(tx: Tx, listing: Listing): void {
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
}

/** The listing's price and deposit, refused if they differ from what the buyer expected. */
function agreedAmounts(listing: Listing, expected: Amounts | undefined): Amounts {
  const price = parseAmount('price', listing.price);
  const deposit = parseAmount('deposit', listing.deposit, true);
  if (expected !== undefined && (expected.price !== price || expected.deposit !== deposit)) {
    throw new ContractError(
      'TERMS_CHANGED',
      `listing ${quote(listing.id)} now asks price ${price} and deposit ${deposit}, not the ${expected.price} and ${expected.deposit} expected`,
    );
  }
  return { price, deposit };
}

/**
 * The trade id is the purchase's transaction id: one trade per transaction. No read checks
 * that the id is new: Fabric derives a txId from the proposal's nonce and creator, its
 * endorsers refuse a proposal whose txId is already on the ledger, and its committers mark a
 * second transaction with that id DUPLICATE_TXID, so the trade key cannot already exist.
 */
function newTradeId(tx: Tx): string {
  const tradeId = tx.txId;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(tradeId)) {
    throw new Error(`transaction id ${quote(tradeId)} cannot serve as a trade id`);
  }
  return tradeId;
}

function paidTrade(
  tx: Tx,
  tradeId: string,
  listing: Listing,
  amounts: Amounts,
  buyerResultKey: string,
): Trade {
  const { price, deposit } = amounts;
  return {
    docType: 'trade',
    tradeId,
    datasetId: listing.id,
    buyer: tx.caller,
    seller: listing.seller,
    state: 'PAID',
    price: price.toString(),
    deposit: deposit.toString(),
    escrow: (price + deposit).toString(),
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
      computationPolicy: listing.computationPolicy,
      sampleKind: listing.sampleKind,
      maxValuesPerKey: listing.maxValuesPerKey,
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
    computation: null,
    updatedAt: tx.now,
    lastTxId: tx.txId,
  };
}

/** World-state key of a buyer's purchase request id: its value is the trade id it opened. */
export const PURCHASE_REQUEST = 'purchase-request';

/**
 * The trade a buyer's earlier purchase with this request id opened, if any: a retried
 * purchase (the client never learnt the first one's outcome) gets it instead of a second trade.
 */
async function earlierTrade(tx: Tx, requestKey: string): Promise<Trade | undefined> {
  const tradeId = await tx.getText(requestKey);
  if (tradeId === undefined) return undefined;
  const trade = await findTrade(tx, tradeId);
  if (!trade) throw new Error(`internal error: purchase request names missing trade ${tradeId}`);
  return trade;
}

/**
 * Opens a trade: the caller pays price + deposit into escrow and the trade starts in PAID.
 * This creates the record, so it is the one write that does not go through transition().
 * With a `requestId` (chosen by the buyer's client, unique per purchase it means to make) a
 * retry returns the trade the first call opened, unchanged and without a new event.
 */
export async function purchase(
  tx: Tx,
  datasetId: string,
  buyerResultKeyArg: string,
  expected?: ExpectedTerms,
  requestIdArg?: string,
): Promise<Trade> {
  const buyerResultKey = resultKey('buyerResultKey', buyerResultKeyArg);
  const requestKey =
    requestIdArg === undefined
      ? undefined
      : tx.key(PURCHASE_REQUEST, [tx.caller, identifier('requestId', requestIdArg)]);
  if (requestKey !== undefined) {
    const earlier = await earlierTrade(tx, requestKey);
    if (earlier && earlier.datasetId !== datasetId) {
      throw new ContractError(
        'ALREADY_EXISTS',
        `request id ${quote(requestIdArg ?? '')} already opened trade ${earlier.tradeId} on dataset ${quote(earlier.datasetId)}; use a new request id per purchase`,
      );
    }
    if (earlier) return earlier;
  }
  const expectedAmounts = parseExpected(expected);
  const listing = await getListing(tx, datasetId);
  requirePurchasable(tx, listing);
  const amounts = agreedAmounts(listing, expectedAmounts);
  const tradeId = newTradeId(tx);
  const { price, deposit } = amounts;
  await debit(
    tx,
    tx.caller,
    price + deposit,
    `Purchase of ${quote(listing.id)} (price ${price} + deposit ${deposit})`,
  );
  const trade = paidTrade(tx, tradeId, listing, amounts, buyerResultKey);
  await putTrade(tx, trade);
  await putIndexes(tx, trade);
  if (requestKey !== undefined) await tx.putText(requestKey, tradeId);
  emitTrade(tx, 'Purchased', trade, null);
  return trade;
}
