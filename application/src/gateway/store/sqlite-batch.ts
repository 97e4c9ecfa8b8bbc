/**
 * Group commit for SQLite: the calls that queued up while the previous commit was syncing run
 * in one transaction, one fsync for all of them. Each call keeps its own all-or-nothing (a
 * SAVEPOINT of its own, rolled back alone if it fails) and its place in the order, so the
 * outcome is the one the calls would have had one transaction each; only the commit is
 * shared. No call's outcome is answered before that commit returned: with `synchronous = FULL`
 * an answered write is on disk.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SqlParam, SqlStatement } from './driver.js';

/** One driver call, as the worker receives it. */
export type SqliteCall =
  | { kind: 'run' | 'get' | 'all'; sql: string; params: readonly SqlParam[] }
  | { kind: 'transaction'; statements: readonly SqlStatement[] };

/** An error as it crosses the thread boundary (node:sqlite's own fields kept). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  errcode?: number;
  errstr?: string;
}

export type SqliteOutcome = { ok: true; value: unknown } | { ok: false; error: WireError };

/** The most calls one transaction takes; the rest wait for the next one. */
export const MAX_BATCH = 256;

export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, errcode, errstr } = error as Error & Partial<Omit<WireError, 'name' | 'message'>>;
  return {
    name: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
    ...(errcode === undefined ? {} : { errcode }),
    ...(errstr === undefined ? {} : { errstr }),
  };
}

export function fromWire(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  const { code, errcode, errstr } = wire;
  Object.assign(error, {
    ...(code === undefined ? {} : { code }),
    ...(errcode === undefined ? {} : { errcode }),
    ...(errstr === undefined ? {} : { errstr }),
  });
  return error;
}

/** Prepared once per SQL text: the store runs a handful of distinct queries. */
export class Statements {
  private readonly cache = new Map<string, StatementSync>();
  constructor(private readonly db: DatabaseSync) {}

  get(sql: string): StatementSync {
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }
}

function execute(statements: Statements, call: SqliteCall): unknown {
  switch (call.kind) {
    case 'run':
      statements.get(call.sql).run(...call.params);
      return undefined;
    case 'get':
      return statements.get(call.sql).get(...call.params);
    case 'all':
      return statements.get(call.sql).all(...call.params);
    case 'transaction':
      for (const { sql, params } of call.statements) statements.get(sql).run(...params);
      return undefined;
  }
}

/**
 * Runs `calls` in order in one BEGIN IMMEDIATE … COMMIT (BEGIN IMMEDIATE takes the write lock
 * first, so nothing fails half-way on it). A call that throws is rolled back to its savepoint
 * and answered with its error; the others still commit. If the commit itself fails, every call
 * is answered with that failure (nothing of the batch was written).
 */
export function runBatch(
  db: DatabaseSync,
  statements: Statements,
  calls: readonly SqliteCall[],
): SqliteOutcome[] {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    return calls.map(() => ({ ok: false, error: toWire(error) }));
  }
  const outcomes = calls.map((call): SqliteOutcome => {
    db.exec('SAVEPOINT call');
    try {
      const value = execute(statements, call);
      db.exec('RELEASE call');
      return { ok: true, value };
    } catch (error) {
      db.exec('ROLLBACK TO call');
      db.exec('RELEASE call');
      return { ok: false, error: toWire(error) };
    }
  });
  try {
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    const failed = toWire(error);
    return calls.map(() => ({
      ok: false,
      error: { ...failed, message: `commit failed, nothing written: ${failed.message}` },
    }));
  }
  return outcomes;
}
