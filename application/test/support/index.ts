/**
 * Application test support: the in-process MarketLedger (the real contract on the fake stub,
 * no network) and a funded three-org network built on it.
 */
export * from './in-process-network.js';
export * from './in-process-market-ledger.js';
export type { FaultKind, FaultOptions } from './in-process-faults.js';
export * from './funded-network.js';
export { inProcessEventStream } from './in-process-events.js';
export { blockOf, chainInfoOf, decodedTransaction } from './in-process-blocks.js';
export { HostileApp } from './hostile-app.js';
