/**
 * Pools and joint trades (docs/pools.md). Each transaction is a pure function of a Tx; every
 * joint-trade change after PurchasePool goes through poolTransition().
 */
export { getPool, joinPool, leavePool, listPools, proposePool } from './membership.js';
export { purchasePool, type PoolPurchaseArgs } from './purchase.js';
export { deliverBundle, submitPartials, submitScores, submitShare } from './rounds.js';
export { claimPool, refundPool, rejectPool } from './closing.js';
export { getPoolTrade } from './record.js';
export { getPoolShares, listPoolTrades } from './queries.js';
export { auditPoolEscrow } from './audit.js';
