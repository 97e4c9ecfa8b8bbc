/** Messages between the CKKS pool (pool.ts) and its workers (pool-worker.ts). */
import type { CkksErrorCode } from './errors.js';
import type { EvaluationKeyBytes } from './keys.js';
import type { PresetName } from './presets.js';
import type { OpCounts, Step } from './program.js';

export type WorkerRequest =
  | {
      type: 'program';
      id: number;
      preset: PresetName;
      keyId: string;
      /** Sent with the first job of a trade to a worker; the worker keeps them. */
      keys?: EvaluationKeyBytes;
      inputs: Uint8Array[];
      steps: Step[];
    }
  | {
      type: 'encrypt';
      id: number;
      preset: PresetName;
      secretKey: Uint8Array;
      publicKey: Uint8Array;
      vectors: Float64Array[];
      scale: number;
    };

export type WorkerReply =
  | { id: number; ok: true; ct?: Uint8Array; counts?: OpCounts; seeded?: Uint8Array[] }
  | { id: number; ok: false; code: CkksErrorCode; message: string };
