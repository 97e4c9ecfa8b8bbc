/**
 * The built-in approved computations on an encrypted table: the buyer runs them to make its
 * result, the seller runs the very same code on the same bundle to check the result's bytes
 * before decrypting. Each is a fixed sequence of engine operations (no randomness, no
 * encryption), so equal inputs give equal ciphertexts.
 */
import { SIGMOID_THESIS, type EncryptedTable } from '../ckks/index.js';
import type { BuiltinComputation } from '@datamarket/chaincode/api';
import type { BuiltinParams } from './params.js';

/** A computation's outputs: named encrypted tables, serialized as one result. */
export type Outputs = Record<string, EncryptedTable>;

/** Runs `body` with a list of intermediates that are all freed afterwards (not the outputs). */
function scoped(body: (keep: <T extends EncryptedTable>(t: T) => T) => Outputs): Outputs {
  const temporaries: EncryptedTable[] = [];
  try {
    return body((t) => {
      temporaries.push(t);
      return t;
    });
  } finally {
    for (const t of temporaries) t.dispose();
  }
}

function columnMeans(table: EncryptedTable, p: BuiltinParams['column-means']): Outputs {
  return scoped((tmp) => ({ means: tmp(table.select(p.columns)).mean(0) }));
}

function columnSums(table: EncryptedTable, p: BuiltinParams['column-sums']): Outputs {
  return scoped((tmp) => ({ sums: tmp(table.select(p.columns)).sum(0) }));
}

/** XᵀX as its upper triangle: output j holds Σ x_i·x_j for i ≥ j (d(d+1)/2 values). */
function xtx(table: EncryptedTable, p: BuiltinParams['xtx']): Outputs {
  return scoped((tmp) => {
    const outputs: Outputs = {};
    p.columns.forEach((name, j) => {
      const rest = tmp(table.select(p.columns.slice(j)));
      outputs[`xtx.${name}`] = tmp(rest.t()).matmul(tmp(table.col(name)));
    });
    return outputs;
  });
}

function xty(table: EncryptedTable, p: BuiltinParams['xty']): Outputs {
  return scoped((tmp) => ({
    xty: tmp(tmp(table.select(p.columns)).t()).matmul(tmp(table.col(p.target))),
  }));
}

/**
 * k epochs of full-batch gradient descent for logistic regression with the thesis's sigmoid
 * 0.5 + 0.197z − 0.004z³: w ← w − (lr/n)·Xᵀ(σ(Xw + b) − y), b ← b − (lr/n)·Σ(σ − y). The
 * result is the model after the last epoch. Each epoch costs four levels; the engine refuses
 * when the preset has too few.
 */
function lrEpochs(table: EncryptedTable, p: BuiltinParams['lr-epochs']): Outputs {
  let w: EncryptedTable | undefined;
  let b: EncryptedTable | undefined;
  try {
    scoped((tmp) => {
      const x = tmp(table.select(p.features));
      const y = tmp(table.col(p.target));
      const step = p.learningRate / table.rows;
      for (let epoch = 0; epoch < p.epochs; epoch++) {
        const xw = tmp(w === undefined ? x.matmul(p.initialWeights) : x.matmul(w));
        const z = tmp(b === undefined ? xw.add(p.initialBias) : xw.add(b));
        const residual = tmp(tmp(z.sigmoid(SIGMOID_THESIS)).sub(y));
        const gw = tmp(tmp(tmp(x.t()).matmul(residual)).mul(step));
        const gb = tmp(tmp(residual.sum()).mul(step));
        const nextW = w === undefined ? gw.rsub(p.initialWeights) : w.sub(gw);
        const nextB = b === undefined ? gb.rsub(p.initialBias) : b.sub(gb);
        w?.dispose();
        b?.dispose();
        w = nextW;
        b = nextB;
      }
      return {};
    });
  } catch (error) {
    w?.dispose();
    b?.dispose();
    throw error;
  }
  if (w === undefined || b === undefined) throw new Error('lr-epochs needs at least one epoch');
  return { weights: w, bias: b };
}

type Runner<K extends BuiltinComputation> = (t: EncryptedTable, p: BuiltinParams[K]) => Outputs;

export const BUILTIN_RUNNERS: { [K in BuiltinComputation]: Runner<K> } = {
  'column-means': columnMeans,
  'column-sums': columnSums,
  xtx,
  xty,
  'lr-epochs': lrEpochs,
};
