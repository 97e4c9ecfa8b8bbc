export * from './client.js';
export { newRequestId } from './purchase-retry.js';
