import { DEFAULT_MAX_CLOCK_SKEW_SECONDS, MAX_ACCOUNT_ID } from './constants.js';
import type { Context } from 'fabric-contract-api';
import type { ChaincodeStub, Iterators } from 'fabric-shim-api';
import { ContractError } from './errors.js';
import { invalid, text } from './validate.js';
import type { Page } from './types.js';

export interface ContractOptions {
  /** The endorsing peer's clock in epoch milliseconds (default Date.now). */
  clock?: () => number;
  /**
   * How far (seconds) a transaction's timestamp may be from the peer's clock before a submit
   * is refused. Default: the DATAMARKET_MAX_CLOCK_SKEW_SECONDS environment variable, else 300.
   */
  maxClockSkewSeconds?: number;
}

export function resolveOptions(options: ContractOptions = {}): Required<ContractOptions> {
  let skew = options.maxClockSkewSeconds;
  if (skew === undefined) {
    const env = process.env.DATAMARKET_MAX_CLOCK_SKEW_SECONDS;
    skew = env && /^[0-9]+$/.test(env) ? Number(env) : DEFAULT_MAX_CLOCK_SKEW_SECONDS;
  }
  return { clock: options.clock ?? (() => Date.now()), maxClockSkewSeconds: skew };
}

/** The transaction timestamp (set by the client, the same on every endorser) in epoch ms. */
export function txTimeMs(stub: ChaincodeStub): number {
  // protobuf leaves `nanos` out when it is zero, whatever the typings say.
  return timestampMs(stub.getTxTimestamp());
}

/** Fabric's wording of a timestamp from the history database ({seconds, nanos}) in epoch ms. */
export function timestampMs(ts: { seconds: unknown; nanos?: number }): number {
  return Number(String(ts.seconds)) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Account ids: `${mspId}::${subjectDN}::${issuerDN}`, built from the caller's MSP ID and the
 * X.509 subject and issuer as fabric-shim formats them in ClientIdentity.getID()
 * ("x509::/C=US/.../CN=User1@buyer.example.com::/C=US/.../CN=ca.buyer.example.com").
 */
export function accountIdOf(ctx: Context): string {
  const mspId = ctx.clientIdentity.getMSPID();
  const id = ctx.clientIdentity.getID();
  const rest = id.startsWith('x509::') ? id.slice('x509::'.length) : id;
  return `${mspId}::${rest}`;
}

export function accountIdArg(name: string, value: unknown): string {
  const s = text(name, value, { max: MAX_ACCOUNT_ID });
  if (
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u{10FFFF}/u.test(s)
  ) {
    throw invalid(`${name} holds characters that cannot be part of a ledger key`);
  }
  const parts = s.split('::');
  if (
    parts.length < 3 ||
    !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(parts[0] ?? '') ||
    parts.slice(1).some((part) => part.length === 0)
  ) {
    throw invalid(
      `${name} is not an account id: expected "<mspId>::<subject DN>::<issuer DN>" as ClientAccountID returns it`,
    );
  }
  return s;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * One transaction's view of the world state. Fabric does not let a transaction read its own
 * writes (getState returns the committed value), so every write is also kept here and later
 * reads in the same transaction see it: a transfer to oneself, say, can never credit a stale
 * balance.
 */
export class Tx {
  readonly stub: ChaincodeStub;
  readonly txId: string;
  /** Transaction timestamp, epoch ms. */
  readonly now: number;
  readonly caller: string;
  readonly callerMsp: string;
  private readonly writes = new Map<string, Uint8Array | null>();
  /** Values written once, when the transaction function has finished (see putAtEnd). */
  private readonly atEnd = new Map<string, string>();
  private eventName: string | null = null;
  private sequence = 0;

  private constructor(ctx: Context) {
    this.stub = ctx.stub;
    this.txId = ctx.stub.getTxID();
    this.now = txTimeMs(ctx.stub);
    this.caller = accountIdOf(ctx);
    this.callerMsp = ctx.clientIdentity.getMSPID();
  }

  /** For transactions that write: refuses timestamps too far from the peer's clock. */
  static submit(ctx: Context, options: Required<ContractOptions>): Tx {
    const tx = new Tx(ctx);
    const peerNow = options.clock();
    const skewMs = tx.now - peerNow;
    if (Math.abs(skewMs) > options.maxClockSkewSeconds * 1000) {
      const seconds = Math.round(Math.abs(skewMs) / 1000);
      throw new ContractError(
        'CLOCK_SKEW',
        `the transaction timestamp ${iso(tx.now)} is ${seconds} s ${skewMs > 0 ? 'ahead of' : 'behind'} this peer's clock (${iso(peerNow)}); the limit is ${options.maxClockSkewSeconds} s`,
      );
    }
    return tx;
  }

  /** For queries: no clock check (nothing is written). */
  static query(ctx: Context): Tx {
    return new Tx(ctx);
  }

  key(objectType: string, attributes: string[]): string {
    return this.stub.createCompositeKey(objectType, attributes);
  }

  async getBytes(key: string): Promise<Uint8Array | undefined> {
    if (this.writes.has(key)) {
      return this.writes.get(key) ?? undefined;
    }
    // Fabric reads an absent key as empty bytes.
    const value = await this.stub.getState(key);
    return value.length > 0 ? value : undefined;
  }

  async getText(key: string): Promise<string | undefined> {
    const bytes = await this.getBytes(key);
    return bytes === undefined ? undefined : decoder.decode(bytes);
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const s = await this.getText(key);
    return s === undefined ? undefined : (JSON.parse(s) as T);
  }

  async putText(key: string, value: string): Promise<void> {
    const bytes = encoder.encode(value);
    if (bytes.length === 0)
      throw new Error('refusing to write an empty value (Fabric treats it as a delete)');
    this.writes.set(key, bytes);
    await this.stub.putState(key, bytes);
  }

  async putJson(key: string, value: unknown): Promise<void> {
    await this.putText(key, JSON.stringify(value));
  }

  async delete(key: string): Promise<void> {
    this.writes.set(key, null);
    await this.stub.deleteState(key);
  }

  /**
   * Sets the value `key` gets when the transaction function ends (undefined: none), for a
   * value that several steps of one transaction add to: it costs one PutState, not one per
   * step. Such a key is never read back within its transaction.
   */
  putAtEnd(key: string, value: string | undefined): void {
    if (value === undefined) this.atEnd.delete(key);
    else this.atEnd.set(key, value);
  }

  /** Writes the putAtEnd values; the contract calls it once the transaction function returned. */
  async finish(): Promise<void> {
    for (const [key, value] of this.atEnd) await this.putText(key, value);
    this.atEnd.clear();
  }

  /** Fabric keeps one event per transaction; a second would silently replace the first. */
  emit(name: string, payload: unknown): void {
    if (this.eventName !== null) {
      throw new Error(
        `internal error: a second event ${name} after ${this.eventName} in one transaction`,
      );
    }
    this.eventName = name;
    this.stub.setEvent(name, encoder.encode(JSON.stringify(payload)));
  }

  /** Every committed key under a composite-key prefix (queries only: not paginated). */
  async *scan(
    objectType: string,
    attributes: string[] = [],
  ): AsyncGenerator<{ key: string; value: string }> {
    const iterator = await this.stub.getStateByPartialCompositeKey(objectType, attributes);
    for await (const kv of drain(iterator)) {
      yield { key: kv.key, value: decoder.decode(kv.value) };
    }
  }

  /** Every committed simple key in [start, end) (range reads are phantom-checked in a submit). */
  async *range(start: string, end: string): AsyncGenerator<{ key: string; value: string }> {
    const iterator = await this.stub.getStateByRange(start, end);
    for await (const kv of drain(iterator)) {
      yield { key: kv.key, value: decoder.decode(kv.value) };
    }
  }

  /** A number unique within this transaction (unique keys written by one transaction). */
  nextSequence(): number {
    this.sequence += 1;
    return this.sequence;
  }

  /** One page of keys under a composite-key prefix (read-only transactions only, as in Fabric). */
  async page(
    objectType: string,
    attributes: string[],
    size: number,
    bookmark: string,
  ): Promise<Page<{ key: string; value: string }>> {
    const response = await this.stub.getStateByPartialCompositeKeyWithPagination(
      objectType,
      attributes,
      size,
      bookmark,
    );
    // Typed as always present, but fabric-shim leaves it out when the peer sends none.
    const metadata = response.metadata as typeof response.metadata | undefined;
    const records: { key: string; value: string }[] = [];
    for await (const kv of drain(response.iterator)) {
      records.push({ key: kv.key, value: decoder.decode(kv.value) });
    }
    return {
      records,
      fetchedRecordsCount: metadata?.fetchedRecordsCount ?? records.length,
      bookmark: metadata?.bookmark ?? '',
    };
  }
}

/** The end of a query as peers send it: fabric-shim's typings claim `value` is always set. */
interface QueryStep<T> {
  value?: T;
  done?: boolean;
}

/** Every item of a Fabric query iterator in the order sent; closes the iterator afterwards. */
export async function* drain<T>(iterator: Iterators.CommonIterator<T>): AsyncGenerator<T> {
  try {
    for (;;) {
      const next: QueryStep<T> = await iterator.next();
      if (next.value) yield next.value;
      if (next.done) break;
    }
  } finally {
    await iterator.close();
  }
}

export function decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
