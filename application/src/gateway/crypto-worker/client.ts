/**
 * Seller crypto workers: worker threads (worker.ts) that do the seller app's CKKS work, so the
 * app's event loop keeps answering (/health, routes, ledger events) while a bundle is made or a
 * result decrypted. Each worker loads its own SEAL module and runs one job at a time; a job goes
 * to the worker with the fewest pending jobs. Idle workers are unref'd (they never keep the
 * process alive); a worker that exits fails its pending jobs and is replaced on the next job.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { TradeMaterial } from '../seller-crypto.js';
import type { ComputedResult } from '../../computations/index.js';
import type { BundleInput, DecryptInput, EngineSettings, ReexecuteInput } from './engine-work.js';
import { fromWire, type CryptoReply, type CryptoRequest } from './protocol.js';

/** Most workers (the target machine has two cores; each holds a SEAL heap of up to ~200 MB). */
export const MAX_CRYPTO_WORKERS = 2;

type Job =
  | { op: 'createBundle'; input: BundleInput }
  | { op: 'decryptResult'; input: DecryptInput }
  | { op: 'reexecute'; input: ReexecuteInput };

interface Pending {
  resolve: (reply: Extract<CryptoReply, { ok: true }>) => void;
  reject: (error: unknown) => void;
}

class CryptoWorker {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  alive = true;

  constructor(settings: EngineSettings) {
    // The worker is a module file: flags about the parent's entry (--input-type) do not apply.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    this.worker = new Worker(new URL('./worker.js', import.meta.url), {
      execArgv,
      workerData: settings,
    });
    this.worker.unref();
    this.worker.on('message', (reply: CryptoReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (!p) return;
      if (reply.ok) p.resolve(reply);
      else p.reject(fromWire(reply.error));
    });
    this.worker.on('error', (error) => {
      this.fail(error);
    });
    this.worker.on('exit', (code) => {
      this.fail(new Error(`a seller crypto worker exited (code ${code})`));
    });
  }

  private fail(error: unknown): void {
    this.alive = false;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  send(req: CryptoRequest, transfer: ArrayBuffer[]): Promise<Extract<CryptoReply, { ok: true }>> {
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(req, transfer);
    });
  }
}

/** The seller app's crypto workers (started on first use). */
export class CryptoWorkers {
  private readonly workers: (CryptoWorker | undefined)[];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly settings: EngineSettings,
    size = Math.min(MAX_CRYPTO_WORKERS, Math.max(1, availableParallelism())),
  ) {
    this.workers = new Array<CryptoWorker | undefined>(
      Math.max(1, Math.min(MAX_CRYPTO_WORKERS, size)),
    ).fill(undefined);
  }

  get size(): number {
    return this.workers.length;
  }

  private pick(): CryptoWorker {
    if (this.closed) throw new Error('the seller crypto workers were closed');
    let best: CryptoWorker | undefined;
    for (const [i, known] of this.workers.entries()) {
      let w = known;
      if (!w?.alive) {
        w = new CryptoWorker(this.settings);
        this.workers[i] = w;
      }
      if (!best || w.pending.size < best.pending.size) best = w;
      if (best.pending.size === 0) break;
    }
    if (!best) throw new Error('no seller crypto worker');
    return best;
  }

  private run(job: Job) {
    // The input is cloned into the worker: the caller keeps its own bytes.
    const req: CryptoRequest = { ...job, id: this.nextId++ };
    return this.pick().send(req, []);
  }

  async createBundle(input: BundleInput): Promise<TradeMaterial> {
    const reply = await this.run({ op: 'createBundle', input });
    if (!reply.material) throw new Error('a seller crypto worker returned no bundle');
    return reply.material;
  }

  async decryptResult(input: DecryptInput): Promise<number[]> {
    const reply = await this.run({ op: 'decryptResult', input });
    if (!reply.values) throw new Error('a seller crypto worker returned no values');
    return reply.values;
  }

  async reexecute(input: ReexecuteInput): Promise<ComputedResult> {
    const reply = await this.run({ op: 'reexecute', input });
    if (!reply.computed) throw new Error('a seller crypto worker returned no result');
    return reply.computed;
  }

  /** Ends the workers (pending jobs fail). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.flatMap((w) => (w ? [w.worker.terminate()] : [])));
  }
}
