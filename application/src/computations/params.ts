/**
 * Parameters of the built-in approved computations: one zod schema each (the buyer's client,
 * the CLI and the seller's re-execution read them the same way), and the canonical form whose
 * SHA-256 goes on chain with SubmitComputedResult.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { BuiltinComputation } from '@datamarket/chaincode/api';

const column = z.string().min(1).max(128);
const columns = z.array(column).min(1).max(64);
const weight = z.number().min(-1e6).max(1e6);

export const builtinParams = {
  'column-means': z.strictObject({ columns }),
  'column-sums': z.strictObject({ columns }),
  xtx: z.strictObject({ columns }),
  xty: z.strictObject({ columns, target: column }),
  'lr-epochs': z.strictObject({
    features: columns,
    target: column,
    epochs: z.number().int().min(1).max(8),
    learningRate: z.number().positive().max(100),
    initialWeights: z.array(weight).min(1).max(64),
    initialBias: weight,
  }),
} as const satisfies Record<BuiltinComputation, z.ZodType>;

export type BuiltinParams = { [K in BuiltinComputation]: z.output<(typeof builtinParams)[K]> };

/** The largest parameters text a buyer may send (canonical JSON, characters). */
export const MAX_PARAMS_JSON = 8192;

/** JSON with object keys sorted at every level: the same parameters always give the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 (hex) of the canonical JSON of the parameters: what goes on chain. */
export function paramsHash(params: unknown): string {
  return createHash('sha256').update(canonicalJson(params)).digest('hex');
}

export class ParamsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamsError';
  }
}

/** Validates a built-in's parameters (a ParamsError says what is wrong). */
export function parseBuiltinParams<K extends BuiltinComputation>(
  id: K,
  params: unknown,
): BuiltinParams[K] {
  const parsed = builtinParams[id].safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new ParamsError(
      `parameters of ${id}: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`,
    );
  }
  const value = parsed.data as BuiltinParams[K];
  if (id === 'lr-epochs') {
    const lr = value as BuiltinParams['lr-epochs'];
    if (lr.initialWeights.length !== lr.features.length) {
      throw new ParamsError(
        `parameters of lr-epochs: ${lr.initialWeights.length} initial weights for ${lr.features.length} features`,
      );
    }
  }
  return value;
}
