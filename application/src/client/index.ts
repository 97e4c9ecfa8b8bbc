export * from './client.js';
export { computeApproved } from './approved.js';
