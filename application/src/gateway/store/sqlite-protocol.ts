import type { SqliteCall, SqliteOutcome } from './sqlite-batch.js';

/** Driver → worker: a call to run, or 'close' (answered once every earlier call is). */
export interface SqliteRequest {
  id: number;
  call: SqliteCall | 'close';
}

/** Worker → driver: the outcome of request `id`; id 0 answers the opening of the file. */
export type SqliteReply = { id: number } & SqliteOutcome;
