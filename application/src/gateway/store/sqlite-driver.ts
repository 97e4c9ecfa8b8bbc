import { Worker } from 'node:worker_threads';
import { SQLITE } from './dialect.js';
import type { SqlDriver, SqlParam, SqlRow, SqlStatement } from './driver.js';
import { fromWire, type SqliteCall } from './sqlite-batch.js';
import type { SqliteReply, SqliteRequest } from './sqlite-protocol.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * SQLite through node:sqlite (embedded, no native addon): WAL, `synchronous = FULL`, on a
 * thread of its own (sqlite-worker.ts), so a commit's fsync never holds the app's event loop.
 * Calls run one after another in the order they were made, as on one connection; calls made
 * while a commit is syncing share the next commit (sqlite-batch.ts). A call's promise settles
 * only after its commit returned, so a write that resolved is on disk.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = SQLITE;
  /** Settles once the file is open and its tables exist; rejects if it cannot be opened. */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped: Error | undefined;
  private closing: Promise<void> | undefined;

  /** Opens (or creates) the database file (`:memory:` for a private in-memory one). */
  constructor(path: string) {
    // The worker is a module file: flags about the parent's entry (--input-type) do not apply.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    this.worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), {
      execArgv,
      workerData: { path },
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.pending.set(0, {
        resolve: () => {
          resolve();
        },
        reject,
      });
    });
    // Nobody may await `ready`: its rejection is answered again on every call.
    this.ready.catch(() => undefined);
    this.worker.on('message', (reply: SqliteReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (!p) return;
      if (reply.ok) p.resolve(reply.value);
      else p.reject(fromWire(reply.error));
    });
    this.worker.on('error', (error: Error) => {
      this.stop(error);
    });
    this.worker.on('exit', (code) => {
      this.stop(new Error(`the SQLite store's thread exited (code ${String(code)})`));
    });
  }

  async run(sql: string, params: readonly SqlParam[]): Promise<void> {
    await this.call({ kind: 'run', sql, params });
  }

  async get(sql: string, params: readonly SqlParam[]): Promise<SqlRow | undefined> {
    return (await this.call({ kind: 'get', sql, params })) as SqlRow | undefined;
  }

  async all(sql: string, params: readonly SqlParam[]): Promise<SqlRow[]> {
    return (await this.call({ kind: 'all', sql, params })) as SqlRow[];
  }

  async transaction(statements: readonly SqlStatement[]): Promise<void> {
    await this.call({ kind: 'transaction', statements });
  }

  /** Answers every call made before it, closes the file and ends the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.stopped) await this.send('close').catch(() => undefined);
      this.stop(new Error('the store is closed'));
      await this.worker.terminate();
    })();
    return this.closing;
  }

  private async call(call: SqliteCall): Promise<unknown> {
    await this.ready;
    if (this.closing) throw new Error('the store is closed');
    return this.send(call);
  }

  private send(call: SqliteRequest['call']): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Referenced while a call is out, so a pending write keeps the process alive.
      this.worker.ref();
      this.worker.postMessage({ id, call } satisfies SqliteRequest);
    });
  }

  /** Fails every call still out and every later one with `error`. */
  private stop(error: Error): void {
    this.stopped ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
