import '../support/quiet.js';
import { expect } from 'chai';
import { ChaincodeStub } from 'fabric-shim';
import { compareKeys, FakeLedger, FakeStub, identity } from '../support/fake-fabric.js';
import { messageOf } from '../support/message-of.js';

const who = identity('BuyerMSP', 'User1', 'buyer');
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function tx(ledger: FakeLedger, at = 1_000_000) {
  return new FakeStub(ledger, { txId: ledger.nextTxId(), timestampMs: at, creator: who });
}

async function drain<T>(iterator: {
  next(): Promise<{ value?: T; done?: boolean }>;
  close(): Promise<void>;
}) {
  const out: T[] = [];
  for (;;) {
    const r = await iterator.next();
    if (r.value !== undefined) out.push(r.value);
    if (r.done) break;
  }
  await iterator.close();
  return out;
}

describe('the fake Fabric stub', () => {
  it('encodes and splits composite keys exactly as fabric-shim does', () => {
    const real = ChaincodeStub.prototype as unknown as {
      createCompositeKey(t: string, a: string[]): string;
      splitCompositeKey(k: string): unknown;
    };
    const stub = tx(new FakeLedger());
    for (const [type, attrs] of [
      ['balance', ['BuyerMSP::/CN=a::/CN=b']],
      ['trade-by-state', ['PAID', 'abc']],
      ['listing', []],
    ] as [string, string[]][]) {
      const key = stub.createCompositeKey(type, attrs);
      expect(key).to.equal(real.createCompositeKey.call(undefined, type, attrs));
      expect(key.startsWith('\u0000')).to.equal(true);
      expect(stub.splitCompositeKey(key)).to.deep.equal(
        real.splitCompositeKey.call(undefined, key),
      );
    }
    expect(() => stub.createCompositeKey('trade', [''])).to.throw(/non-zero length/);
  });

  it('sorts keys by UTF-8 bytes, as LevelDB does', () => {
    const keys = ['b', 'a', '\u{10ffff}', '\uffff', 'ab', '\u0000x', 'é'];
    const sorted = [...keys].sort(compareKeys);
    const bytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(sorted).to.deep.equal(bytes);
  });

  it('applies writes only on commit, and a transaction does not read its own writes', async () => {
    const ledger = new FakeLedger();
    const t1 = tx(ledger);
    await t1.putState('k', enc('1'));
    expect(dec(await t1.getState('k'))).to.equal('');
    expect(ledger.get('k')).to.equal(undefined);
    t1.commit();
    expect(ledger.getText('k')).to.equal('1');
    const t2 = tx(ledger);
    await t2.putState('k', enc('2'));
    await t2.deleteState('k');
    // t2 is abandoned (as after a thrown error): nothing changes.
    expect(ledger.getText('k')).to.equal('1');
  });

  it('refuses an empty value, which Fabric would turn into a delete', async () => {
    const stub = tx(new FakeLedger());
    let message = '';
    await stub.putState('k', new Uint8Array()).catch((e: unknown) => (message = messageOf(e)));
    expect(message).to.match(/empty value/);
  });

  it('scans ranges in order, keeps composite keys out of simple ranges, paginates with bookmarks', async () => {
    const ledger = new FakeLedger();
    const t = tx(ledger);
    for (const k of ['c', 'a', 'b', 'd']) await t.putState(k, enc(k));
    for (const id of ['3', '1', '2']) await t.putState(t.createCompositeKey('item', [id]), enc(id));
    await t.putState(t.createCompositeKey('other', ['0']), enc('x'));
    t.commit();
    const q = tx(ledger);
    expect((await drain(await q.getStateByRange('', ''))).map((kv) => kv.key)).to.deep.equal([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect((await drain(await q.getStateByRange('b', 'd'))).map((kv) => kv.key)).to.deep.equal([
      'b',
      'c',
    ]);
    const items = await drain(await q.getStateByPartialCompositeKey('item', []));
    expect(items.map((kv) => dec(kv.value))).to.deep.equal(['1', '2', '3']);

    const p1 = await q.getStateByPartialCompositeKeyWithPagination('item', [], 2, '');
    expect((await drain(p1.iterator)).map((kv) => dec(kv.value))).to.deep.equal(['1', '2']);
    expect(p1.metadata.fetchedRecordsCount).to.equal(2);
    expect(p1.metadata.bookmark).to.equal(q.createCompositeKey('item', ['3']));
    const p2 = await q.getStateByPartialCompositeKeyWithPagination(
      'item',
      [],
      2,
      p1.metadata.bookmark,
    );
    expect((await drain(p2.iterator)).map((kv) => dec(kv.value))).to.deep.equal(['3']);
    expect(p2.metadata.bookmark).to.equal('');

    const r1 = await q.getStateByRangeWithPagination('', '', 3, '');
    expect((await drain(r1.iterator)).map((kv) => kv.key)).to.deep.equal(['a', 'b', 'c']);
    expect(r1.metadata.bookmark).to.equal('d');
  });

  it('keeps every version of a key, newest first, with tx id and timestamp', async () => {
    const ledger = new FakeLedger();
    const a = tx(ledger, 1000);
    await a.putState('k', enc('v1'));
    a.commit();
    const b = tx(ledger, 2500);
    await b.putState('k', enc('v2'));
    b.commit();
    const c = tx(ledger, 4000);
    await c.deleteState('k');
    c.commit();
    const history = await drain(await tx(ledger).getHistoryForKey('k'));
    expect(history.map((h) => [h.isDelete, dec(h.value), h.timestamp.seconds])).to.deep.equal([
      [true, '', 4],
      [false, 'v2', 2],
      [false, 'v1', 1],
    ]);
    expect(history[2]?.txId).to.equal(a.getTxID());
  });

  it('reports the transaction timestamp as seconds + nanos and captures the event', () => {
    const stub = tx(new FakeLedger(), 1_700_000_123_456);
    const ts = stub.getTxTimestamp();
    expect(String(ts.seconds)).to.equal('1700000123');
    expect(ts.nanos).to.equal(456_000_000);
    stub.setEvent('E', enc('{"a":1}'));
    expect(stub.setEventCalls).to.equal(1);
    expect(() => {
      stub.setEvent('', enc('x'));
    }).to.throw(/non-empty/);
  });
});
