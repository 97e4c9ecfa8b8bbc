/**
 * CKKS homomorphic-encryption engine of datamarket (no Fabric dependency).
 *
 * Seller:  createTradeKeys → encryptTable → serializeBundle (bytes + sha256) → sealSecretKey;
 *          later openSecretKey → loadResult (untrusted, bounded) → safeDecrypt.
 * Buyer:   loadBundle → compute on `bundle.table` (EncryptedTable) → serializeResult.
 * See docs/ckks.md.
 */
export { CkksError, type CkksErrorCode } from './errors.js';
export {
  PRESETS,
  PRESET_NAMES,
  getPreset,
  presetById,
  type Preset,
  type PresetName,
} from './presets.js';
export { CkksContext, disposeContexts } from './context.js';
export {
  createTradeKeys,
  galoisStepsFor,
  allPowerOfTwoSteps,
  EvaluationKeys,
  TradeKeys,
  type GaloisNeed,
  type TradeKeyOptions,
} from './keys.js';
export {
  SIGMOID_THESIS,
  sigmoid,
  polyvalPlain,
  chebyshevFit,
  absApproximation,
  type Approximation,
} from './approx.js';
export { EncryptedTable, tidy, matmulPlain, type Operand, type PlainOperand } from './table.js';
export { encryptTable, encryptTableAsync, decryptTable, type EncryptOptions } from './encrypt.js';
export {
  serializeBundle,
  loadBundle,
  type BundleOptions,
  type LoadBundleOptions,
  type LoadedBundle,
  type SerializedBundle,
} from './bundle.js';
export {
  serializeResult,
  loadResult,
  EncryptedResult,
  type LoadResultOptions,
  type ResultOutput,
  type SerializedResult,
} from './result.js';
export {
  safeDecrypt,
  estimateNoise,
  floodingSigma,
  NOISE_CONSTANT,
  type ReleasePolicy,
  type SafeRelease,
} from './safe-decrypt.js';
export { sealSecretKey, openSecretKey, type ScryptParams } from './secret-store.js';
export { sha256Hex } from './container.js';
export { wasmHeapBytes } from './seal.js';
export type { Layout } from './layout.js';
export {
  CkksPool,
  MAX_POOL_WORKERS,
  sharedPool,
  closeSharedPool,
  poolFromEnvironment,
  type PoolOption,
} from './pool.js';
export { columnMeans, type KernelOptions } from './fast-mean.js';
export { logisticGradient, type GradientOptions, type Gradients } from './fast-logistic.js';
export type { OpCounts } from './program.js';
