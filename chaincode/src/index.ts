/**
 * Chaincode entry point (package.json "main"). fabric-chaincode-node loads this module and
 * registers every class in `contracts`; the first is the default, so clients call functions
 * by bare name ("Mint") or qualified ("datamarket:Mint").
 */
import { DataMarketContract } from './contract.js';
import { guardLogLevels } from './log-level-guard.js';

guardLogLevels();

export { DataMarketContract } from './contract.js';
export type { ContractOptions } from './ledger.js';
export { ContractError, type ErrorCode } from './errors.js';
export * from './types.js';

export const contracts = [DataMarketContract];
