export * from './client.js';
export * from './self-custody.js';
export { newRequestId } from './purchase-retry.js';
export { computeApproved } from './approved.js';
export { PoolClient, type PoolAggregate, type PoolSeatJoined } from './pool-client.js';
