/**
 * What applications need from the contract, without loading any of its Fabric code: record,
 * input and event types, error codes and limits. Imported as `@datamarket/chaincode/api`.
 */
export * from './types.js';
export * from './constants.js';
export { ERROR_CODES, isErrorCode, type ErrorCode } from './errors.js';
export type { OrgApp } from './org-apps.js';
export {
  builtinHash,
  DEFAULT_MAX_VALUES_PER_KEY,
  MAX_VALUES_PER_KEY,
  sampleDisclosure,
} from './privacy.js';
export * from './pool/types.js';
export * from './pool/limits.js';
