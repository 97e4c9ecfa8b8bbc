// The privacy terms of a listing: sample kind, column ranges, computation policy, key budget.
import { createHash } from 'node:crypto';
import { quote } from './errors.js';
import {
  BUILTIN_COMPUTATIONS,
  SAMPLE_KINDS,
  type ApprovedComputation,
  type BuiltinComputation,
  type ColumnRange,
  type ComputationPolicy,
  type ListingTerms,
  type SampleKind,
} from './types.js';
import { identifier, invalid, onlyKeys, positiveIntField, sha256Hex } from './validate.js';

/**
 * Default budget of released values per secret key. Li and Micciancio (2021) recover a CKKS
 * key from about N released decryptions of crafted ciphertexts; 64 is far below any preset's
 * N (4096 and up), and every fresh key starts again at zero (docs/ckks.md).
 */
export const DEFAULT_MAX_VALUES_PER_KEY = 64;
/** The largest budget a listing may choose: N/16 at the smallest preset (N = 4096). */
export const MAX_VALUES_PER_KEY = 256;
/** Most computations an approved listing may name. */
export const MAX_APPROVED_COMPUTATIONS = 32;

/** The SHA-256 a built-in computation is identified by on chain (its name and version). */
export function builtinHash(id: BuiltinComputation): string {
  return createHash('sha256').update(`datamarket/builtin-computation/${id}/v1`).digest('hex');
}

export function isBuiltin(id: string): id is BuiltinComputation {
  return (BUILTIN_COMPUTATIONS as readonly string[]).includes(id);
}

/** What a sample of each kind discloses, as the listing states it. */
export function sampleDisclosure(kind: SampleKind): string[] {
  switch (kind) {
    case 'schema-uniform':
      return ['column names', 'declared column ranges'];
    case 'marginals':
      return [
        'column names',
        'declared column ranges',
        'each column mean',
        'each column standard deviation',
      ];
    case 'seller-file':
      return ['column names', 'whatever the seller put in its dummy file'];
  }
}

function parseSampleKind(value: unknown): SampleKind {
  const kind = value ?? 'schema-uniform';
  if (typeof kind !== 'string' || !(SAMPLE_KINDS as readonly string[]).includes(kind)) {
    throw invalid(`sampleKind must be one of ${SAMPLE_KINDS.join(', ')}`);
  }
  return kind as SampleKind;
}

function finite(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(`${name} must be a finite JSON number`);
  }
  return value;
}

function parseRange(name: string, value: unknown): ColumnRange {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${name} must be an object {"min", "max", "decimals"}`);
  }
  const raw = value as Record<string, unknown>;
  onlyKeys(name, raw, ['min', 'max', 'decimals']);
  const min = finite(`${name}.min`, raw.min);
  const max = finite(`${name}.max`, raw.max);
  if (!(min <= max)) throw invalid(`${name}: min ${min} is above max ${max}`);
  const decimals = raw.decimals ?? 0;
  if (
    typeof decimals !== 'number' ||
    !Number.isInteger(decimals) ||
    decimals < 0 ||
    decimals > 12
  ) {
    throw invalid(`${name}.decimals must be a whole number from 0 to 12`);
  }
  return { min, max, decimals };
}

function parseRanges(value: unknown, columns: number): ColumnRange[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length !== columns) {
    throw invalid(`columnRanges must be an array of ${columns} ranges, one per schema column`);
  }
  return value.map((r, i) => parseRange(`columnRanges[${i}]`, r));
}

function parseComputation(value: unknown, i: number): ApprovedComputation {
  const name = `computationPolicy.computations[${i}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${name} must be an object {"id", "kind"[, "sha256"]}`);
  }
  const raw = value as Record<string, unknown>;
  const id = identifier(`${name}.id`, raw.id, 64);
  if (raw.kind === 'builtin') {
    onlyKeys(name, raw, ['id', 'kind']);
    if (!isBuiltin(id)) {
      throw invalid(
        `${name}: ${quote(id)} is not a built-in computation (${BUILTIN_COMPUTATIONS.join(', ')})`,
      );
    }
    return { id, kind: 'builtin' };
  }
  if (raw.kind === 'script') {
    onlyKeys(name, raw, ['id', 'kind', 'sha256']);
    if (isBuiltin(id))
      throw invalid(`${name}: a script may not take the built-in name ${quote(id)}`);
    return { id, kind: 'script', sha256: sha256Hex(`${name}.sha256`, raw.sha256) };
  }
  throw invalid(`${name}.kind must be "builtin" or "script"`);
}

function parsePolicy(value: unknown): ComputationPolicy {
  if (value === undefined) return { mode: 'open' };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(
      'computationPolicy must be {"mode": "open"} or {"mode": "approved", "computations": [...]}',
    );
  }
  const raw = value as Record<string, unknown>;
  if (raw.mode === 'open') {
    onlyKeys('computationPolicy', raw, ['mode']);
    return { mode: 'open' };
  }
  if (raw.mode !== 'approved') throw invalid('computationPolicy.mode must be "open" or "approved"');
  onlyKeys('computationPolicy', raw, ['mode', 'computations']);
  const list = raw.computations;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_APPROVED_COMPUTATIONS) {
    throw invalid(
      `computationPolicy.computations must list 1..${MAX_APPROVED_COMPUTATIONS} approved computations`,
    );
  }
  const computations = list.map(parseComputation);
  const ids = new Set(computations.map((c) => c.id));
  if (ids.size !== computations.length)
    throw invalid('computationPolicy names a computation twice');
  return { mode: 'approved', computations };
}

export type PrivacyTerms = Pick<
  ListingTerms,
  'sampleKind' | 'columnRanges' | 'computationPolicy' | 'maxValuesPerKey'
>;

/** Validates the privacy terms; the leakage bound must fit within one key's budget. */
export function parsePrivacyTerms(
  raw: Record<string, unknown>,
  columns: number,
  leakageBound: number,
): PrivacyTerms {
  const sampleKind = parseSampleKind(raw.sampleKind);
  const columnRanges = parseRanges(raw.columnRanges, columns);
  const computationPolicy = parsePolicy(raw.computationPolicy);
  const maxValuesPerKey =
    raw.maxValuesPerKey === undefined
      ? DEFAULT_MAX_VALUES_PER_KEY
      : positiveIntField('maxValuesPerKey', raw.maxValuesPerKey, MAX_VALUES_PER_KEY);
  if (leakageBound > maxValuesPerKey) {
    throw invalid(
      `leakageBound ${leakageBound} exceeds maxValuesPerKey ${maxValuesPerKey}: one result could spend more than a key's whole decryption budget`,
    );
  }
  return { sampleKind, columnRanges, computationPolicy, maxValuesPerKey };
}
