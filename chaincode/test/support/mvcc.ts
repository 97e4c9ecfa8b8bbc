/**
 * Fabric's endorse-then-validate on the fake ledger: transactions are endorsed against the
 * same committed state, then committed in block order, each one checked the way a peer's
 * validator does. A key read at a version since overwritten is an MVCC_READ_CONFLICT; a range
 * read whose keys or versions changed is a PHANTOM_READ_CONFLICT. Versions are the length of
 * a key's history, so a rewrite of the same value still counts as a new version.
 */
import { DataMarketContract } from '../../src/contract.js';
import { contextFor, FakeLedger, FakeStub, type Identity } from './fake-fabric.js';
import type { TxName } from './in-process-market.js';

const MAX_RUNE = '\u{10ffff}';

function versionOf(ledger: FakeLedger, key: string): number {
  return ledger.history(key).length;
}

function rangeVersions(ledger: FakeLedger, start: string, end: string): string {
  return ledger
    .range(start, end)
    .map((e) => `${e.key}@${versionOf(ledger, e.key)}`)
    .join('|');
}

/** A stub that keeps a read set: point reads with their versions, range reads with theirs. */
class ReadSetStub extends FakeStub {
  readonly reads = new Map<string, number>();
  readonly ranges: { start: string; end: string; seen: string }[] = [];

  constructor(
    private readonly book: FakeLedger,
    options: ConstructorParameters<typeof FakeStub>[1],
  ) {
    super(book, options);
  }

  override getState(key: string): Promise<Uint8Array> {
    if (!this.reads.has(key)) this.reads.set(key, versionOf(this.book, key));
    return super.getState(key);
  }

  private noteRange(start: string, end: string): void {
    this.ranges.push({ start, end, seen: rangeVersions(this.book, start, end) });
  }

  override getStateByRange(
    startKey: string,
    endKey: string,
  ): ReturnType<FakeStub['getStateByRange']> {
    this.noteRange(startKey === '' ? '\u0001' : startKey, endKey);
    return super.getStateByRange(startKey, endKey);
  }

  override getStateByPartialCompositeKey(
    objectType: string,
    attributes: string[],
  ): ReturnType<FakeStub['getStateByPartialCompositeKey']> {
    const prefix = this.createCompositeKey(objectType, attributes);
    this.noteRange(prefix, prefix + MAX_RUNE);
    return super.getStateByPartialCompositeKey(objectType, attributes);
  }
}

export interface Endorsed {
  fn: TxName;
  txId: string;
  stub: ReadSetStub;
  result: string;
}

export type Validation = 'VALID' | 'MVCC_READ_CONFLICT' | 'PHANTOM_READ_CONFLICT';

/** Runs a transaction against the committed state without committing it (an endorsement). */
export async function endorse(
  ledger: FakeLedger,
  contract: DataMarketContract,
  who: Identity,
  fn: TxName,
  args: string[],
  timestampMs: number,
): Promise<Endorsed> {
  const txId = ledger.nextTxId();
  const stub = new ReadSetStub(ledger, { txId, timestampMs, creator: who });
  const method: unknown = Reflect.get(contract, fn);
  if (typeof method !== 'function') throw new Error(`no such function ${fn}`);
  const result: unknown = await Reflect.apply(method, contract, [contextFor(stub, who), ...args]);
  return { fn, txId, stub, result: String(result) };
}

/** Validates and commits endorsed transactions in order, as one block. */
export function commitBlock(ledger: FakeLedger, block: Endorsed[]): Validation[] {
  return block.map(({ stub }) => {
    for (const [key, version] of stub.reads) {
      if (versionOf(ledger, key) !== version) return 'MVCC_READ_CONFLICT';
    }
    for (const r of stub.ranges) {
      if (rangeVersions(ledger, r.start, r.end) !== r.seen) return 'PHANTOM_READ_CONFLICT';
    }
    stub.commit();
    return 'VALID';
  });
}
