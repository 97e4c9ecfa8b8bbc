/**
 * A pool of worker threads for CKKS work (node:worker_threads). Each worker loads its own SEAL
 * module and context and keeps the evaluation keys of a trade once they have been sent to it;
 * independent ciphertext programs (program.ts) then run on all cores. Results are byte for byte
 * those of the same programs run in this thread (see {@link runPrograms}).
 *
 * Optional: kernels take `{ pool: true | false | CkksPool }`; without it, the environment
 * variable DATAMARKET_CKKS_POOL=1 turns the shared pool on. Idle workers do not keep the process
 * alive (they are unref'd between jobs); {@link closeSharedPool} ends them explicitly.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Ciphertext } from 'node-seal';
import { arithFor } from './scope.js';
import { CkksError } from './errors.js';
import type { EvaluationKeys, TradeKeys } from './keys.js';
import { addCounts, runProgram, zeroCounts, type OpCounts, type Step } from './program.js';
import { free, sealLoad } from './seal.js';
import type { WorkerReply, WorkerRequest } from './pool-protocol.js';

/** Most workers a pool starts (the target machine has two cores; each holds a SEAL context). */
export const MAX_POOL_WORKERS = 2;

interface Pending {
  resolve: (r: WorkerReply) => void;
  reject: (e: unknown) => void;
}

class PoolWorker {
  readonly worker: Worker;
  /** Key set the worker holds (it keeps only the latest one it was sent, like this mirror). */
  keyId: string | undefined;
  readonly pending = new Map<number, Pending>();
  /** False once the worker exited or failed: it gets no more jobs. */
  alive = true;

  constructor() {
    // The worker is a module file: flags about the parent's entry (--input-type) do not apply.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    this.worker = new Worker(new URL('./pool-worker.js', import.meta.url), { execArgv });
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      p?.resolve(reply);
    });
    this.worker.on('error', (e) => {
      this.alive = false;
      this.failAll(e);
    });
    this.worker.on('exit', () => {
      this.alive = false;
      this.failAll(new CkksError('SEAL_ERROR', 'a CKKS pool worker exited'));
    });
  }

  private failAll(e: unknown): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  send(req: WorkerRequest, transfer: ArrayBuffer[]): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      if (!this.alive) {
        reject(new CkksError('SEAL_ERROR', 'a CKKS pool worker exited'));
        return;
      }
      this.pending.set(req.id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(req, transfer);
    });
  }
}

function unwrap(reply: WorkerReply): Extract<WorkerReply, { ok: true }> {
  if (!reply.ok) throw new CkksError(reply.code, `pool worker: ${reply.message}`);
  return reply;
}

/** A job for {@link runPrograms}: inputs (not consumed) and the steps to apply. */
export interface ProgramJob {
  inputs: readonly Ciphertext[];
  steps: readonly Step[];
}

/** Worker threads running ciphertext programs and encryptions. */
export class CkksPool {
  private readonly workers: PoolWorker[];
  private nextId = 1;
  private closed = false;

  constructor(size = Math.min(MAX_POOL_WORKERS, Math.max(1, availableParallelism()))) {
    this.workers = Array.from(
      { length: Math.max(1, Math.min(MAX_POOL_WORKERS, size)) },
      () => new PoolWorker(),
    );
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /** True until closed or until every worker has exited. */
  get usable(): boolean {
    return !this.closed && this.workers.some((w) => w.alive);
  }

  private pick(): PoolWorker {
    if (this.closed) throw new CkksError('DISPOSED', 'this CKKS pool was closed');
    let best: PoolWorker | undefined;
    for (const w of this.workers) {
      if (w.alive && (!best || w.pending.size < best.pending.size)) best = w;
    }
    if (!best) throw new CkksError('SEAL_ERROR', 'every worker of this CKKS pool has exited');
    return best;
  }

  /** Runs one program in a worker; the caller owns the returned ciphertext. */
  async program(
    keys: EvaluationKeys,
    job: ProgramJob,
  ): Promise<{ ct: Ciphertext; counts: OpCounts }> {
    keys.assertLive();
    const ctx = keys.ctx;
    const none = ctx.seal.ComprModeType.none;
    const w = this.pick();
    const first = w.keyId !== keys.keyId;
    w.keyId = keys.keyId;
    const inputs = job.inputs.map((ct) => (ct.saveToArray(none) as Uint8Array).slice());
    const request: WorkerRequest = {
      type: 'program',
      id: this.nextId++,
      preset: keys.preset.name,
      keyId: keys.keyId,
      keys: first ? keys.bytes : undefined,
      inputs,
      steps: [...job.steps],
    };
    const reply = unwrap(
      await w.send(
        request,
        inputs.map((b) => b.buffer),
      ),
    );
    if (!reply.ct) throw new CkksError('SEAL_ERROR', 'pool worker returned no ciphertext');
    const ct = new ctx.seal.Ciphertext();
    try {
      sealLoad('pool result', ct, ctx.context, reply.ct, 'SEAL_ERROR');
    } catch (e) {
      ct.delete();
      throw e;
    }
    return { ct, counts: reply.counts ?? zeroCounts() };
  }

  /**
   * Encrypts slot vectors with the seller's secret key in the workers (seeded serialized
   * ciphertexts, in order). The secret key is copied to a worker for the job only.
   */
  async encrypt(
    keys: TradeKeys,
    vectors: readonly Float64Array[],
    scale: number,
  ): Promise<Uint8Array[]> {
    keys.assertLive();
    const parts = Array.from({ length: Math.min(this.size, vectors.length) }, () => [] as number[]);
    vectors.forEach((_v, i) => parts[i % parts.length]?.push(i));
    const secretKey = keys.secretKeyBytes();
    const replies = await Promise.all(
      parts.map((idx) =>
        this.pick().send(
          {
            type: 'encrypt',
            id: this.nextId++,
            preset: keys.preset.name,
            secretKey: secretKey.slice(),
            publicKey: keys.publicKeyBytes.slice(),
            vectors: idx.map((i) => vectors[i] ?? new Float64Array()),
            scale,
          },
          [],
        ),
      ),
    );
    secretKey.fill(0);
    const out: Uint8Array[] = new Array<Uint8Array>(vectors.length);
    replies.forEach((r, k) => {
      const seeded = unwrap(r).seeded ?? [];
      parts[k]?.forEach((i, j) => {
        const b = seeded[j];
        if (!b) throw new CkksError('SEAL_ERROR', 'pool worker returned too few ciphertexts');
        out[i] = b;
      });
    });
    return out;
  }

  /** Closes the workers (pending jobs fail). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

let shared: CkksPool | undefined;

/** The process's shared pool (started on first use). */
export function sharedPool(): CkksPool {
  if (!shared?.usable) shared = new CkksPool();
  return shared;
}

/** Ends the shared pool's workers (a later use starts a new pool). */
export async function closeSharedPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  await p?.close();
}

/** What kernels accept: on, off, a given pool, or undefined (the environment decides). */
export type PoolOption = boolean | CkksPool | undefined;

/** True if DATAMARKET_CKKS_POOL asks for the pool (1, true, on, yes). */
export function poolFromEnvironment(): boolean {
  const v = (process.env.DATAMARKET_CKKS_POOL ?? '').trim().toLowerCase();
  return ['1', 'true', 'on', 'yes'].includes(v);
}

/** The pool to use for `option`, or undefined to work in this thread. */
export function resolvePool(option: PoolOption): CkksPool | undefined {
  if (option instanceof CkksPool) return option;
  const on = option ?? poolFromEnvironment();
  return on ? sharedPool() : undefined;
}

/**
 * Runs independent programs, in the pool's workers when `pool` is given, else one after the
 * other in this thread; the same bytes come out either way. Operation counts are added to the
 * key set's counters. The caller owns the returned ciphertexts (in job order).
 */
export async function runPrograms(
  keys: EvaluationKeys,
  jobs: readonly ProgramJob[],
  pool: CkksPool | undefined,
  options: { here?: number } = {},
): Promise<Ciphertext[]> {
  const arith = arithFor(keys);
  // The last `here` jobs run in this thread while the workers run the others (this thread would
  // otherwise wait idle); a lone job gains nothing from a worker.
  const hereCount =
    pool && jobs.length > 1 ? Math.min(options.here ?? 0, jobs.length - 1) : jobs.length;
  const split = jobs.length - hereCount;
  const remote = pool ? jobs.slice(0, split).map((job) => pool.program(keys, job)) : [];
  const local: { ct: Ciphertext; counts: OpCounts }[] = [];
  let localError: unknown;
  try {
    for (const job of jobs.slice(split)) local.push(runProgram(arith, job.inputs, job.steps));
  } catch (e) {
    localError = e ?? new Error('program failed');
  }
  const settled = await Promise.allSettled(remote);
  const results = [
    ...settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])),
    ...local,
  ];
  const failed = settled.find((s) => s.status === 'rejected');
  if (localError !== undefined || failed) {
    free(...results.map((r) => r.ct));
    throw localError ?? failed?.reason;
  }
  const total = zeroCounts();
  for (const r of results) addCounts(total, r.counts);
  record(keys, total);
  return results.map((r) => r.ct);
}

/** Adds a program's operation counts to the key set's counters. */
function record(keys: EvaluationKeys, counts: OpCounts): void {
  const stats = arithFor(keys).stats;
  stats.rotations += counts.rotations;
  stats.multiplications += counts.multiplications;
  stats.rescales += counts.rescales;
  stats.relinearizations += counts.relinearizations;
}

/** Runs one program in this thread (sequential steps of a kernel); the caller owns the result. */
export function runHere(
  keys: EvaluationKeys,
  inputs: readonly Ciphertext[],
  steps: readonly Step[],
): Ciphertext {
  const { ct, counts } = runProgram(arithFor(keys), inputs, steps);
  record(keys, counts);
  return ct;
}
