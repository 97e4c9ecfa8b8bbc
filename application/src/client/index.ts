export * from './client.js';
export * from './self-custody.js';
export { newRequestId } from './purchase-retry.js';
export { computeApproved } from './approved.js';
