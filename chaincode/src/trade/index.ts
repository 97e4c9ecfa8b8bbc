/**
 * Escrowed trades. Each transaction is a pure function of a Tx; every state change after
 * Purchase goes through transition() (transition.ts), and every refusal is a ContractError.
 */
export { getTrade, type TradeIndex } from './record.js';
export { purchase, type ExpectedTerms } from './purchase.js';
export { confirmDelivery } from './delivery.js';
export {
  deliverResult,
  rejectResult,
  rejectUnverifiedResult,
  submitComputedResult,
  submitResult,
} from './result.js';
export { claim, refund } from './refund-and-claim.js';
export { getDeliveredResult, getTradeHistory, listTrades } from './queries.js';
