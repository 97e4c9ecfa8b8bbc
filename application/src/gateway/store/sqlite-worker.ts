/**
 * The SQLite store's thread (sqlite-driver.ts starts it): it owns the only connection, so the
 * app's event loop never waits on a query or on the disk's fsync. Calls are answered in the
 * order they came; those that arrived while a commit was syncing go in the next transaction
 * together (sqlite-batch.ts).
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { SQLITE } from './dialect.js';
import { MAX_BATCH, runBatch, Statements, toWire, type SqliteCall } from './sqlite-batch.js';
import type { SqliteReply, SqliteRequest } from './sqlite-protocol.js';
import { schemaStatements } from './schema.js';

const port = parentPort;
if (!port) throw new Error('sqlite-worker.ts runs as a worker thread');
const { path } = workerData as { path: string };

const BUSY_TIMEOUT_MS = 5000;
const SQLITE_BUSY = 5;

/**
 * Runs `statement` again while SQLite answers SQLITE_BUSY, up to the busy timeout. Switching a
 * new file to WAL needs the exclusive lock, and while another connection (a second app opening
 * the same file) holds the reserved lock SQLite refuses at once instead of calling the busy
 * handler, since waiting could deadlock. Sleeping blocks only this thread.
 */
function whileBusy(statement: () => void): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      statement();
      return;
    } catch (error) {
      // The primary code: SQLITE_BUSY_RECOVERY and the other extended codes are busy too.
      const busy = (((error as { errcode?: number }).errcode ?? 0) & 0xff) === SQLITE_BUSY;
      if (!busy || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

/** Opens the file, sets WAL + synchronous = FULL, creates missing tables. */
function open(): { db: DatabaseSync; statements: Statements } {
  const db = new DatabaseSync(path);
  // The busy timeout first: another app opening the same file may hold the lock right now.
  db.exec(`PRAGMA busy_timeout = ${String(BUSY_TIMEOUT_MS)};`);
  whileBusy(() => {
    db.exec('PRAGMA journal_mode = WAL;');
  });
  db.exec('PRAGMA synchronous = FULL;');
  const statements = new Statements(db);
  const created = runBatch(db, statements, [
    {
      kind: 'transaction',
      statements: schemaStatements(SQLITE).map((sql) => ({ sql, params: [] })),
    },
  ]);
  const [outcome] = created;
  if (outcome && !outcome.ok) {
    db.close();
    throw Object.assign(new Error(outcome.error.message), outcome.error);
  }
  return { db, statements };
}

let opened: ReturnType<typeof open> | undefined;
try {
  opened = open();
  port.postMessage({ id: 0, ok: true, value: undefined } satisfies SqliteReply);
} catch (error) {
  port.postMessage({ id: 0, ok: false, error: toWire(error) } satisfies SqliteReply);
}

let queue: (SqliteRequest & { call: SqliteCall })[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  while (queue.length > 0) {
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(batch.length);
    const outcomes = opened
      ? runBatch(
          opened.db,
          opened.statements,
          batch.map((r) => r.call),
        )
      : batch.map(() => ({
          ok: false as const,
          error: { name: 'Error', message: `the store ${path} did not open` },
        }));
    batch.forEach((request, i) => {
      const outcome = outcomes[i] ?? { ok: false, error: { name: 'Error', message: 'no outcome' } };
      port?.postMessage({ id: request.id, ...outcome } satisfies SqliteReply);
    });
  }
}

port.on('message', (request: SqliteRequest) => {
  if (request.call === 'close') {
    flush();
    if (opened?.db.isOpen) opened.db.close();
    opened = undefined;
    port.postMessage({ id: request.id, ok: true, value: undefined } satisfies SqliteReply);
    port.close();
    return;
  }
  queue.push({ id: request.id, call: request.call });
  // Every message already delivered is queued before this runs: they share one commit.
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
