/**
 * A seller crypto worker thread (see client.ts): runs engine-work.ts for one job at a time, so
 * key generation, encryption and decryption never hold the app's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  createBundleHere,
  decryptResultHere,
  reexecuteHere,
  type EngineSettings,
} from './engine-work.js';
import { toWire, type CryptoReply, type CryptoRequest } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('crypto-worker/worker.js runs as a worker thread only');
const settings = workerData as EngineSettings;

async function handle(
  req: CryptoRequest,
): Promise<{ reply: CryptoReply; transfer: ArrayBuffer[] }> {
  if (req.op === 'createBundle') {
    const made = await createBundleHere(settings, req.input);
    const material = { bundle: alone(made.bundle), secretKey: alone(made.secretKey) };
    const transfer = [material.bundle.buffer, material.secretKey.buffer] as ArrayBuffer[];
    return { reply: { id: req.id, ok: true, material }, transfer };
  }
  if (req.op === 'reexecute') {
    const computed = await reexecuteHere(req.input);
    computed.bytes = alone(computed.bytes);
    return {
      reply: { id: req.id, ok: true, computed },
      transfer: [computed.bytes.buffer as ArrayBuffer],
    };
  }
  const values = await decryptResultHere(settings, req.input);
  return { reply: { id: req.id, ok: true, values }, transfer: [] };
}

/** Bytes that own their whole buffer (a pooled Buffer's slab must not be transferred). */
function alone(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return bytes.slice();
}

// One job at a time: a worker holds one SEAL heap, and n8192 keys take ~100 MB of it.
let queue: Promise<unknown> = Promise.resolve();
port.on('message', (req: CryptoRequest) => {
  const work = queue.then(() => handle(req));
  queue = work.catch(() => undefined);
  work.then(
    ({ reply, transfer }) => {
      port.postMessage(reply, transfer);
    },
    (error: unknown) => {
      port.postMessage({ id: req.id, ok: false, error: toWire(error) } satisfies CryptoReply);
    },
  );
});
