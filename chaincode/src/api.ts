/**
 * What applications need from the contract, without loading any of its Fabric code: record,
 * input and event types, error codes and limits. Imported as `@datamarket/chaincode/api`.
 */
export * from './types.js';
export * from './constants.js';
export { ERROR_CODES, isErrorCode, type ErrorCode } from './errors.js';
export * from './pool/types.js';
export * from './pool/limits.js';
