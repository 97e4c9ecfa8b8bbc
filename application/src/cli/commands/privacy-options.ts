/** `datamarket sell … --approve column-means,xtx --sample-kind marginals --max-values-per-key 64`. */
import {
  BUILTIN_COMPUTATIONS,
  SAMPLE_KINDS,
  type BuiltinComputation,
  type ComputationPolicy,
  type SampleKind,
} from '@datamarket/chaincode/api';
import { UsageError, type CommandInput, type OptionTable } from '../command.js';

export const PRIVACY_OPTIONS: OptionTable = {
  approve: {
    type: 'string',
    value: 'A,B',
    description: `approved computations only (${BUILTIN_COMPUTATIONS.join(', ')}); default: open`,
  },
  'sample-kind': {
    type: 'string',
    value: 'KIND',
    description: `synthetic sample: ${SAMPLE_KINDS.join(', ')} (default schema-uniform)`,
  },
  'max-values-per-key': {
    type: 'string',
    value: 'N',
    description: 'values ever released under one key (default 64, at most 256)',
  },
};

/** The listing's privacy terms from the options (only those given). */
export function privacyTerms(input: CommandInput): {
  computationPolicy?: ComputationPolicy;
  sampleKind?: SampleKind;
  maxValuesPerKey?: number;
} {
  const approve = input.string('approve');
  const kind = input.string('sample-kind');
  const budget = input.string('max-values-per-key');
  const terms: ReturnType<typeof privacyTerms> = {};
  if (approve !== undefined) {
    const ids = approve.split(',').map((s) => s.trim());
    for (const id of ids) {
      if (!(BUILTIN_COMPUTATIONS as readonly string[]).includes(id)) {
        throw new UsageError(`--approve: '${id}' is not one of ${BUILTIN_COMPUTATIONS.join(', ')}`);
      }
    }
    terms.computationPolicy = {
      mode: 'approved',
      computations: ids.map((id) => ({ id: id as BuiltinComputation, kind: 'builtin' })),
    };
  }
  if (kind !== undefined) {
    if (!(SAMPLE_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(`--sample-kind must be one of ${SAMPLE_KINDS.join(', ')}`);
    }
    terms.sampleKind = kind as SampleKind;
  }
  if (budget !== undefined) terms.maxValuesPerKey = input.number('max-values-per-key', 64);
  return terms;
}
