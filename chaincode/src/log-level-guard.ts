/**
 * fabric-shim and fabric-contract-api log through winston, and winston runs every message
 * through its whole format chain (timestamp, metadata, colours, printf with JSON of the
 * arguments) before the transport drops it by level. fabric-shim logs several debug lines per
 * ledger call, so at the default info level a quarter of the chaincode server's CPU went into
 * formatting lines nobody sees (a profile under a Purchase load, docs/network.md). This drops
 * a message at the logger when no transport would take it: the same lines reach the log.
 */
import winston from 'winston';

interface Guardable {
  write: (this: Guardable, chunk: unknown, ...rest: unknown[]) => boolean;
  isLevelEnabled: (this: Guardable, level: string) => boolean;
}

const GUARDED = Symbol.for('datamarket.logLevelGuard');

function levelOf(chunk: unknown): string | undefined {
  if (typeof chunk !== 'object' || chunk === null) return undefined;
  const level = (chunk as { level?: unknown }).level;
  return typeof level === 'string' ? level : undefined;
}

/** Installs the guard on every winston logger of this process (once; later calls do nothing). */
export function guardLogLevels(): void {
  const proto = winston.Logger.prototype as unknown as Guardable & { [GUARDED]?: true };
  if (proto[GUARDED]) return;
  const write = proto.write;
  proto.write = function (this: Guardable, chunk: unknown, ...rest: unknown[]): boolean {
    const level = levelOf(chunk);
    if (level !== undefined && !this.isLevelEnabled(level)) return true;
    return write.call(this, chunk, ...rest);
  };
  proto[GUARDED] = true;
}
