/**
 * The demo's two buyer computations on the CKKS engine (application/src/ckks): what a buyer
 * runs on its own machine between downloading a bundle and submitting the encrypted result.
 */
import {
  columnMeans,
  loadBundle,
  logisticGradient,
  serializeResult,
  SIGMOID_THESIS,
} from '../ckks/index.js';

export interface Computed {
  result: Uint8Array;
  valueCount: number;
}

export interface DemoComputations {
  /**
   * CKKS presets of the two listings: two multiplications at a 2^38 scale for statistics (the
   * flooding noise of a release grows with the preset's depth), four for one epoch of logistic
   * regression.
   */
  presets: { mean: string; logistic: string };
  logistic: { epochs: number; learningRate: number; initialWeight: number };
  /** Encrypted means of the named columns (one value each). */
  mean(bundle: Uint8Array, columns: string[], progress: (m: string) => void): Promise<Computed>;
  /**
   * Encrypted logistic-regression training, one epoch of full-batch gradient descent from
   * w = 0, b = 0 with the thesis's sigmoid 0.5 + 0.197x − 0.004x³; the result is the gradient
   * sums (one per weight, then the bias), from which modelFrom makes the model.
   */
  logisticRegression(
    bundle: Uint8Array,
    target: string,
    progress: (m: string) => void,
  ): Promise<Computed>;
  /** The model from the decrypted gradient sums: w = −(lr/n)·g, b = −(lr/n)·Σ(p − y). */
  modelFrom(values: number[], rows: number): number[];
}

/** Initial weights (a zero plaintext would make the encoder pick a degenerate scale). */
export const W0 = 0.01;

export function demoComputations(): DemoComputations {
  const learningRate = 1;
  return {
    presets: { mean: 'n8192-d2', logistic: 'n8192-d4' },
    logistic: { epochs: 1, learningRate, initialWeight: W0 },
    modelFrom: (values: number[], rows: number) =>
      values.map((g, j) => (j < values.length - 1 ? W0 : 0) - (learningRate * g) / rows),
    async mean(bundle, columns, progress) {
      progress('loading the bundle (checking sizes, digest, keys, ciphertexts)');
      const loaded = await loadBundle(bundle);
      try {
        progress(`computing the mean of ${columns.join(', ')} on ciphertexts`);
        // The fast kernel (one rotation tree per ciphertext, at the lowest level that holds the
        // sums; in parallel with DATAMARKET_CKKS_POOL=1): the values of select(columns).mean(0).
        const means = await columnMeans(loaded.table, columns);
        const result = serializeResult(means);
        means.dispose();
        return { result: result.bytes, valueCount: result.valueCount };
      } finally {
        loaded.dispose();
      }
    },
    async logisticRegression(bundle, target, progress) {
      progress('loading the bundle (checking sizes, digest, keys, ciphertexts)');
      const loaded = await loadBundle(bundle);
      try {
        const table = loaded.table;
        const features = table.columnNames.filter((c) => c !== target);
        const n = table.shape()[0];
        progress(`epoch 1: z = Xw + b on ${n} encrypted rows, p = sigmoid(z) (degree 3)`);
        progress('epoch 1: gradient sums Xᵀ(p − y) and Σ(p − y)');
        // The update w − (lr/n)·g is a plain step the buyer applies after decryption: one more
        // ciphertext multiplication would need a deeper preset. The fast kernel computes the
        // same formula as the table operations (general path) with fewer operations.
        const { gradient, bias: biasGradient } = await logisticGradient(table, {
          features,
          target,
          weights: features.map(() => W0),
          bias: 0,
          sigmoid: SIGMOID_THESIS,
        });
        const result = serializeResult({ gradient, biasGradient });
        gradient.dispose();
        biasGradient.dispose();
        return { result: result.bytes, valueCount: result.valueCount };
      } finally {
        loaded.dispose();
      }
    },
  };
}
