/**
 * The built-in approved computations on an encrypted table: the buyer runs them to make its
 * result, the seller runs the very same code on the same bundle to check the result's bytes
 * before decrypting. Each is a fixed sequence of engine operations (no randomness, no
 * encryption), so equal inputs give equal ciphertexts.
 */
import { columnMeans, type EncryptedTable, type PoolOption } from '../ckks/index.js';
import type { BuiltinComputation } from '@datamarket/chaincode/api';
import { lrEpochs } from './lr-epochs.js';
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

/** The fast kernel (it falls back to select(columns).mean(0) on tables it does not handle). */
async function means(
  table: EncryptedTable,
  p: BuiltinParams['column-means'],
  o: RunOptions,
): Promise<Outputs> {
  return { means: await columnMeans(table, p.columns, { pool: o.pool }) };
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

/** How a built-in runs: the worker pool for the fast kernels (results are the same bytes). */
export interface RunOptions {
  pool?: PoolOption;
}

type Runner<K extends BuiltinComputation> = (
  t: EncryptedTable,
  p: BuiltinParams[K],
  o: RunOptions,
) => Outputs | Promise<Outputs>;

export const BUILTIN_RUNNERS: { [K in BuiltinComputation]: Runner<K> } = {
  'column-means': means,
  'column-sums': columnSums,
  xtx,
  xty,
  'lr-epochs': async (table, p, o) => {
    const model = await lrEpochs(table, p, o.pool);
    return { weights: model.weights, bias: model.bias };
  },
};
