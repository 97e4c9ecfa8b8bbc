/**
 * Test support for the contract, exported as `@datamarket/chaincode/testing`: the fake Fabric
 * ledger and stub, and the real contract running on them in process.
 */
export * from './fake-fabric.js';
export * from './in-process-market.js';
export { messageOf } from './message-of.js';
export { AUDITOR_CERT, BUYER_CERT } from './test-certs.js';
