/** Runs a buyer's computation script on a bundle with the project's CKKS engine. */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../command.js';

export interface ScriptOutput {
  result: Uint8Array;
  valueCount: number;
}

type Script = (input: {
  bundle: Uint8Array;
  engine: unknown;
  progress: (message: string) => void;
}) => Promise<ScriptOutput>;

export async function runScript(
  script: string,
  bundle: Uint8Array,
  progress: (message: string) => void,
): Promise<ScriptOutput> {
  const module = (await import(pathToFileURL(path.resolve(script)).href)) as { default?: unknown };
  if (typeof module.default !== 'function') {
    throw new UsageError(`${script} has no default export function`);
  }
  // Loaded only here, so the other commands start without node-seal.
  const enginePath = '../../ckks/index.js';
  const engine: unknown = await import(enginePath);
  return (module.default as Script)({ bundle, engine, progress });
}
