/**
 * Runs an approved computation on a bundle and serializes its result: the one code path the
 * buyer's client (to make the result) and the seller's app (to re-execute it before
 * decrypting) share, so an honest result is reproduced byte for byte.
 */
import { createHash } from 'node:crypto';
import {
  builtinHash,
  BUILTIN_COMPUTATIONS,
  type BuiltinComputation,
} from '@datamarket/chaincode/api';
import * as engine from '../ckks/index.js';
import { BUILTIN_RUNNERS, type Outputs, type RunOptions } from './builtins.js';
import {
  canonicalJson,
  MAX_PARAMS_JSON,
  ParamsError,
  paramsHash,
  parseBuiltinParams,
} from './params.js';

/** What a buyer names for its result: the computation, and its parameters (plain JSON). */
export interface ComputationRequest {
  computationId: string;
  params: unknown;
}

/** A seller-registered computation script: its code (an ES module) and its SHA-256. */
export interface ComputationScript {
  id: string;
  code: string;
}

/**
 * A script's default export: given the encrypted table, its parameters and the engine, it
 * returns named encrypted outputs. It must be deterministic (no encryption, no randomness).
 */
export type ScriptFunction = (input: {
  table: engine.EncryptedTable;
  params: unknown;
  engine: typeof engine;
}) => Outputs | Promise<Outputs>;

export interface ComputedResult {
  bytes: Uint8Array;
  sha256: string;
  valueCount: number;
  computationId: string;
  /** SHA-256 of the built-in's descriptor or of the script's code (as on chain). */
  computationHash: string;
  paramsHash: string;
}

export function isBuiltinComputation(id: string): id is BuiltinComputation {
  return (BUILTIN_COMPUTATIONS as readonly string[]).includes(id);
}

export function scriptHash(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/** The script module from its code text (a data: URL, so it imports nothing from disk). */
async function loadScript(script: ComputationScript): Promise<ScriptFunction> {
  const url = `data:text/javascript;base64,${Buffer.from(script.code, 'utf8').toString('base64')}`;
  const module = (await import(url)) as { default?: unknown };
  if (typeof module.default !== 'function') {
    throw new ParamsError(`script ${script.id} has no default export function`);
  }
  return module.default as ScriptFunction;
}

function checkParamsSize(params: unknown): void {
  const text = canonicalJson(params);
  if (text.length > MAX_PARAMS_JSON) {
    throw new ParamsError(
      `parameters are ${text.length} characters; the limit is ${MAX_PARAMS_JSON}`,
    );
  }
}

/**
 * Runs the named computation on the bundle's table. Built-ins take validated parameters; a
 * script must be given (the seller's registered code, or the code the buyer fetched).
 * `options.pool` runs the fast kernels' independent work in worker threads (default: the
 * DATAMARKET_CKKS_POOL setting); the bytes are the same either way.
 */
export async function runComputation(
  bundle: Uint8Array,
  request: ComputationRequest,
  scripts: readonly ComputationScript[] = [],
  options: RunOptions = {},
): Promise<ComputedResult> {
  checkParamsSize(request.params);
  const { computationId } = request;
  let run: (table: engine.EncryptedTable) => Outputs | Promise<Outputs>;
  let computationHash: string;
  if (isBuiltinComputation(computationId)) {
    const params = parseBuiltinParams(computationId, request.params);
    const runner = BUILTIN_RUNNERS[computationId] as (
      t: engine.EncryptedTable,
      p: unknown,
      o: RunOptions,
    ) => Outputs | Promise<Outputs>;
    run = (table) => runner(table, params, options);
    computationHash = builtinHash(computationId);
  } else {
    const script = scripts.find((s) => s.id === computationId);
    if (!script) throw new ParamsError(`no computation named ${computationId}`);
    const fn = await loadScript(script);
    run = (table) => fn({ table, params: request.params, engine });
    computationHash = scriptHash(script.code);
  }
  const loaded = await engine.loadBundle(bundle);
  try {
    const outputs = await run(loaded.table);
    try {
      const result = engine.serializeResult(outputs);
      return {
        bytes: result.bytes,
        sha256: result.sha256,
        valueCount: result.valueCount,
        computationId,
        computationHash,
        paramsHash: paramsHash(request.params),
      };
    } finally {
      for (const t of Object.values(outputs)) t.dispose();
    }
  } finally {
    loaded.dispose();
  }
}
