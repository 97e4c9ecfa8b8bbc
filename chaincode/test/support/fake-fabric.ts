/**
 * A small in-memory stand-in for the parts of Fabric the contract touches: a ledger (committed
 * world state, per-key history, committed events) and, per transaction, a ChaincodeStub and a
 * ClientIdentity.
 *
 * It keeps Fabric's rules that matter for correctness:
 * - writes are buffered and reach the ledger only when the transaction succeeds (commit());
 *   a thrown error leaves the ledger untouched, like a failed endorsement;
 * - getState and range scans read committed state only: a transaction does not see its own
 *   writes (Fabric's simulator does not offer read-your-writes);
 * - keys sort by UTF-8 bytes (LevelDB order); composite keys are "\u0000type\u0000a\u0000b\u0000";
 *   range scans on simple keys never return composite keys (an empty start key becomes "\u0001");
 * - paginated scans return a bookmark naming the next key (empty when the range is exhausted);
 * - history comes newest first; one event per transaction (setEvent replaces the previous one:
 *   the fake counts calls so tests can insist on exactly one).
 */
import { createHash } from 'node:crypto';
import { Context } from 'fabric-contract-api';
import type { ChaincodeStub, ClientIdentity } from 'fabric-shim-api';

const NS = '\u0000';
const MAX_RUNE = '\u{10ffff}';
const EMPTY_KEY_SUBSTITUTE = '\u0001';

/** Compares strings in code point order, which is UTF-8 byte order (LevelDB's key order). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca !== cb) {
      // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF: move them above 0xFFFF.
      if (ca >= 0xd800 && cb >= 0xd800) {
        ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
        cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
      }
      return ca - cb;
    }
  }
  return a.length - b.length;
}

export interface Identity {
  mspId: string;
  subject: string;
  issuer: string;
}

/** An identity as Fabric's cryptogen would issue it, e.g. identity('BuyerMSP', 'User1', 'buyer'). */
export function identity(mspId: string, user: string, org: string): Identity {
  const domain = `${org}.example.com`;
  return {
    mspId,
    subject: `/C=US/ST=North Carolina/L=Durham/OU=client/CN=${user}@${domain}`,
    issuer: `/C=US/ST=North Carolina/L=Durham/O=${domain}/CN=ca.${domain}`,
  };
}

/** An org's admin as cryptogen issues it with NodeOUs (OU=admin): it may register org apps. */
export function orgAdmin(mspId: string, org: string): Identity {
  const domain = `${org}.example.com`;
  return {
    mspId,
    subject: `/C=US/ST=North Carolina/L=Durham/OU=admin/CN=Admin@${domain}`,
    issuer: `/C=US/ST=North Carolina/L=Durham/O=${domain}/CN=ca.${domain}`,
  };
}

/** The account id the contract derives for an identity. */
export function accountOf(id: Identity): string {
  return `${id.mspId}::${id.subject}::${id.issuer}`;
}

export class FakeClientIdentity implements ClientIdentity {
  constructor(private readonly id: Identity) {}
  getID(): string {
    return `x509::${this.id.subject}::${this.id.issuer}`;
  }
  getMSPID(): string {
    return this.id.mspId;
  }
  getIDBytes(): Uint8Array {
    return new TextEncoder().encode(this.getID());
  }
  getAttributeValue(): string | null {
    return null;
  }
  assertAttributeValue(): boolean {
    return false;
  }
}

export interface HistoryEntry {
  txId: string;
  timestampMs: number;
  isDelete: boolean;
  value: Uint8Array;
}

export interface CommittedEvent {
  txId: string;
  name: string;
  payload: unknown;
}

export class FakeLedger {
  private readonly state = new Map<string, Uint8Array>();
  /** Committed keys in LevelDB order. */
  private readonly keys: string[] = [];
  private readonly histories = new Map<string, HistoryEntry[]>();
  readonly events: CommittedEvent[] = [];
  private txCounter = 0;

  nextTxId(): string {
    this.txCounter += 1;
    return createHash('sha256').update(`tx-${this.txCounter}`).digest('hex');
  }

  get(key: string): Uint8Array | undefined {
    return this.state.get(key);
  }

  getText(key: string): string | undefined {
    const v = this.state.get(key);
    return v === undefined ? undefined : new TextDecoder().decode(v);
  }

  size(): number {
    return this.state.size;
  }

  /** A deep copy of the committed state, to compare before and after a refused call. */
  snapshot(): Map<string, string> {
    const decoder = new TextDecoder();
    return new Map([...this.state].map(([k, v]) => [k, decoder.decode(v)]));
  }

  history(key: string): HistoryEntry[] {
    return [...(this.histories.get(key) ?? [])].reverse();
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.keyAt(mid), key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private keyAt(i: number): string {
    const key = this.keys[i];
    if (key === undefined) throw new Error(`fake ledger: no key at position ${i}`);
    return key;
  }

  private committed(key: string): Uint8Array {
    const value = this.state.get(key);
    if (value === undefined) throw new Error(`fake ledger: key index names missing ${key}`);
    return value;
  }

  /** Committed entries with start <= key < end (end '' = unbounded). */
  range(start: string, end: string): { key: string; value: Uint8Array }[] {
    const out: { key: string; value: Uint8Array }[] = [];
    for (let i = this.lowerBound(start); i < this.keys.length; i += 1) {
      const key = this.keyAt(i);
      if (end !== '' && compareKeys(key, end) >= 0) break;
      out.push({ key, value: this.committed(key) });
    }
    return out;
  }

  apply(
    txId: string,
    timestampMs: number,
    writes: Map<string, Uint8Array | null>,
    event: { name: string; payload: Uint8Array } | undefined,
  ): void {
    for (const [key, value] of writes) {
      const i = this.lowerBound(key);
      const present = this.keys[i] === key;
      if (value === null) {
        if (present) this.keys.splice(i, 1);
        this.state.delete(key);
      } else {
        if (!present) this.keys.splice(i, 0, key);
        this.state.set(key, value);
      }
      const list = this.histories.get(key) ?? [];
      list.push({ txId, timestampMs, isDelete: value === null, value: value ?? new Uint8Array() });
      this.histories.set(key, list);
    }
    if (event) {
      this.events.push({
        txId,
        name: event.name,
        payload: JSON.parse(new TextDecoder().decode(event.payload)),
      });
    }
  }
}

interface KV {
  key: string;
  value: Uint8Array;
  namespace: string;
}

/**
 * Runs `body` at once and hands over its result, or its exception as a rejection, the way the
 * real stub's async calls do.
 */
function settled<T>(body: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(body());
  });
}

function iteratorOver<T>(items: T[]) {
  const pending = items[Symbol.iterator]();
  let closed = false;
  return {
    next(): Promise<{ value: T; done: false } | { done: true; value?: undefined }> {
      return settled(() => {
        if (closed) throw new Error('iterator used after close()');
        const step = pending.next();
        return step.done ? { done: true } : { value: step.value, done: false };
      });
    },
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
}

function validateAttribute(value: unknown): void {
  if (!value || typeof value !== 'string') {
    throw new Error('object type or attribute not a non-zero length string');
  }
}

export interface TxOptions {
  txId: string;
  timestampMs: number;
  creator: Identity;
  channelId?: string;
}

/** The stub one transaction sees. */
export class FakeStub {
  readonly writes = new Map<string, Uint8Array | null>();
  event: { name: string; payload: Uint8Array } | undefined;
  setEventCalls = 0;
  private readonly namespace = 'datamarket';

  constructor(
    private readonly ledger: FakeLedger,
    private readonly options: TxOptions,
  ) {}

  getTxID(): string {
    return this.options.txId;
  }

  getChannelID(): string {
    return this.options.channelId ?? 'market';
  }

  getCreator(): { mspid: string; idBytes: Uint8Array } {
    return {
      mspid: this.options.creator.mspId,
      idBytes: new TextEncoder().encode(this.options.creator.subject),
    };
  }

  getMspID(): string {
    return this.options.creator.mspId;
  }

  /** Fabric's shape: seconds is a Long (here: an object printing as its decimal value). */
  getTxTimestamp(): { seconds: { toString(): string; toNumber(): number }; nanos: number } {
    const ms = this.options.timestampMs;
    const seconds = Math.floor(ms / 1000);
    return {
      seconds: { toString: () => String(seconds), toNumber: () => seconds },
      nanos: (ms - seconds * 1000) * 1e6,
    };
  }

  getDateTimestamp(): Date {
    return new Date(this.options.timestampMs);
  }

  private checkKey(key: unknown): string {
    if (typeof key !== 'string' || key.length === 0)
      throw new Error('key must be a non-empty string');
    return key;
  }

  getState(key: string): Promise<Uint8Array> {
    return settled(() => {
      this.checkKey(key);
      // Committed value only, as in Fabric: no read-your-writes.
      return this.ledger.get(key) ?? new Uint8Array();
    });
  }

  putState(key: string, value: Uint8Array): Promise<void> {
    return settled(() => {
      this.checkKey(key);
      if (!(value instanceof Uint8Array)) throw new Error('putState value must be bytes');
      if (value.length === 0) {
        throw new Error(
          `putState(${JSON.stringify(key)}) with an empty value: Fabric would delete the key`,
        );
      }
      this.writes.set(key, value);
    });
  }

  deleteState(key: string): Promise<void> {
    return settled(() => {
      this.checkKey(key);
      this.writes.set(key, null);
    });
  }

  private kvs(start: string, end: string): KV[] {
    return this.ledger.range(start, end).map((e) => ({ ...e, namespace: this.namespace }));
  }

  private paginate(start: string, end: string, pageSize: number, bookmark = '') {
    if (!Number.isInteger(pageSize) || pageSize < 1)
      throw new Error('pageSize must be a positive integer');
    const from = bookmark === '' ? start : bookmark;
    const all = this.kvs(from, end);
    const page = all.slice(0, pageSize);
    const next = all[pageSize];
    return {
      iterator: iteratorOver(page),
      metadata: { fetchedRecordsCount: page.length, bookmark: next ? next.key : '' },
    };
  }

  private static simpleRange(startKey: string, endKey: string): [string, string] {
    for (const key of [startKey, endKey]) {
      if (key.startsWith(NS)) {
        throw new Error(
          `first character of the key [${key}] contains a null character which is not allowed`,
        );
      }
    }
    return [startKey === '' ? EMPTY_KEY_SUBSTITUTE : startKey, endKey];
  }

  getStateByRange(startKey: string, endKey: string) {
    return settled(() => {
      const [start, end] = FakeStub.simpleRange(startKey, endKey);
      return iteratorOver(this.kvs(start, end));
    });
  }

  getStateByRangeWithPagination(
    startKey: string,
    endKey: string,
    pageSize: number,
    bookmark?: string,
  ) {
    return settled(() => {
      const [start, end] = FakeStub.simpleRange(startKey, endKey);
      return this.paginate(start, end, pageSize, bookmark);
    });
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]) {
    return settled(() => {
      const prefix = this.createCompositeKey(objectType, attributes);
      return iteratorOver(this.kvs(prefix, prefix + MAX_RUNE));
    });
  }

  getStateByPartialCompositeKeyWithPagination(
    objectType: string,
    attributes: string[],
    pageSize: number,
    bookmark?: string,
  ) {
    return settled(() => {
      const prefix = this.createCompositeKey(objectType, attributes);
      return this.paginate(prefix, prefix + MAX_RUNE, pageSize, bookmark);
    });
  }

  getHistoryForKey(key: string) {
    return settled(() => {
      this.checkKey(key);
      return iteratorOver(
        this.ledger.history(key).map((h) => {
          const seconds = Math.floor(h.timestampMs / 1000);
          return {
            txId: h.txId,
            isDelete: h.isDelete,
            value: h.value,
            // fabric-shim hands over the protobuf Timestamp's toObject(): plain numbers.
            timestamp: { seconds, nanos: (h.timestampMs - seconds * 1000) * 1e6 },
          };
        }),
      );
    });
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    validateAttribute(objectType);
    if (!Array.isArray(attributes)) throw new Error('attributes must be an array');
    let key = NS + objectType + NS;
    for (const attribute of attributes) {
      validateAttribute(attribute);
      key += attribute + NS;
    }
    return key;
  }

  splitCompositeKey(compositeKey: string): { objectType: string | null; attributes: string[] } {
    const result: { objectType: string | null; attributes: string[] } = {
      objectType: null,
      attributes: [],
    };
    if (compositeKey.length > 1 && compositeKey.startsWith(NS)) {
      const parts = compositeKey.substring(1).split(NS);
      result.objectType = parts[0] ?? null;
      parts.pop();
      if (parts.length > 1) {
        parts.shift();
        result.attributes = parts;
      }
    }
    return result;
  }

  setEvent(name: string, payload: Uint8Array): void {
    if (typeof name !== 'string' || name === '')
      throw new Error('Event name must be a non-empty string');
    this.setEventCalls += 1;
    this.event = { name, payload };
  }

  /** Applies this transaction's writes and event to the ledger. */
  commit(): void {
    this.ledger.apply(this.options.txId, this.options.timestampMs, this.writes, this.event);
  }
}

/** A contract Context around a fake stub and identity (the real fabric-contract-api class). */
export function contextFor(stub: FakeStub, id: Identity): Context {
  const ctx = new Context();
  ctx.stub = stub as unknown as ChaincodeStub;
  ctx.clientIdentity = new FakeClientIdentity(id);
  return ctx;
}
