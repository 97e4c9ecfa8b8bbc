/**
 * Approved computations (docs/privacy.md): the built-in catalogue, seller scripts by the hash
 * of their code, their parameters and the canonical hash that goes on chain.
 */
export { BUILTIN_RUNNERS, type Outputs, type RunOptions } from './builtins.js';
export { maxLrEpochs } from './lr-epochs.js';
export {
  builtinParams,
  canonicalJson,
  MAX_PARAMS_JSON,
  ParamsError,
  paramsHash,
  parseBuiltinParams,
  type BuiltinParams,
} from './params.js';
export {
  isBuiltinComputation,
  runComputation,
  scriptHash,
  type ComputationRequest,
  type ComputationScript,
  type ComputedResult,
  type ScriptFunction,
} from './run.js';
export { plainLrEpochs, plainMeans, plainSums, plainXtx, plainXty } from './plain.js';
