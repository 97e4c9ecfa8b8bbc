/**
 * A CKKS pool worker (see pool.ts): its own SEAL module and context, the evaluation keys of the
 * latest trade loaded once (a new trade replaces them), and {@link runProgram} for the work.
 */
import { parentPort } from 'node:worker_threads';
import { arithFor } from './scope.js';
import { CkksContext } from './context.js';
import { CkksError } from './errors.js';
import { EvaluationKeys, TradeKeys } from './keys.js';
import { runProgram } from './program.js';
import { free, owned, sealLoad } from './seal.js';
import type { WorkerReply, WorkerRequest } from './pool-protocol.js';

// One trade at a time: Galois keys of n8192-d4 take about 100 MB of a worker's WASM heap.
const KEEP_KEYS = 1;
const keySets = new Map<string, EvaluationKeys>();

async function keysFor(req: Extract<WorkerRequest, { type: 'program' }>): Promise<EvaluationKeys> {
  const known = keySets.get(req.keyId);
  if (known) {
    keySets.delete(req.keyId);
    keySets.set(req.keyId, known);
    return known;
  }
  if (!req.keys) throw new CkksError('INVALID_ARGUMENT', 'the worker has no keys for this trade');
  const ctx = await CkksContext.forPreset(req.preset);
  const keys = EvaluationKeys.fromBytes(ctx, req.keys);
  keySets.set(req.keyId, keys);
  for (const [id, old] of keySets) {
    if (keySets.size <= KEEP_KEYS) break;
    keySets.delete(id);
    old.dispose();
  }
  return keys;
}

async function program(req: Extract<WorkerRequest, { type: 'program' }>): Promise<WorkerReply> {
  const keys = await keysFor(req);
  const ctx = keys.ctx;
  const inputs = req.inputs.map(() => new ctx.seal.Ciphertext());
  try {
    req.inputs.forEach((bytes, i) => {
      const ct = inputs[i];
      if (ct) sealLoad('program input', ct, ctx.context, bytes, 'INVALID_CIPHERTEXT');
    });
    const { ct, counts } = runProgram(arithFor(keys), inputs, req.steps);
    using out = owned(ct);
    const bytes = (out.saveToArray(ctx.seal.ComprModeType.none) as Uint8Array).slice();
    return { id: req.id, ok: true, ct: bytes, counts };
  } finally {
    free(...inputs);
  }
}

async function encrypt(req: Extract<WorkerRequest, { type: 'encrypt' }>): Promise<WorkerReply> {
  const ctx = await CkksContext.forPreset(req.preset);
  // The secret key lives here only for this job (same process; freed right after).
  using keys = TradeKeys.restore(ctx, req.secretKey, req.publicKey, []);
  const seeded = req.vectors.map((vec) => {
    using pt = owned(ctx.encode(vec, req.scale, 0));
    using ser = owned(keys.encryptor.encryptSymmetricSerializable(pt));
    return (ser.saveToArray(ctx.seal.ComprModeType.none) as Uint8Array).slice();
  });
  return { id: req.id, ok: true, seeded };
}

const port = parentPort;
if (!port) throw new Error('pool-worker.js runs as a worker thread only');
// One job at a time, in arrival order (a job may rely on keys sent with an earlier one).
let queue: Promise<unknown> = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  const work = queue.then(() => (req.type === 'program' ? program(req) : encrypt(req)));
  queue = work.catch(() => undefined);
  work.then(
    (reply) => {
      const transfer = reply.ok
        ? [...(reply.ct ? [reply.ct.buffer] : []), ...(reply.seeded ?? []).map((b) => b.buffer)]
        : [];
      port.postMessage(reply, transfer as ArrayBuffer[]);
    },
    (e: unknown) => {
      const code = e instanceof CkksError ? e.code : 'SEAL_ERROR';
      port.postMessage({
        id: req.id,
        ok: false,
        code,
        message: e instanceof Error ? e.message : String(e),
      });
    },
  );
});
