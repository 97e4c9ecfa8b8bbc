/**
 * node-seal frees nothing by itself: every SEAL object must be deleted. These tests run whole
 * workflows many times and check that SEAL's WebAssembly heap does not grow (WASM memory never
 * shrinks, so any leak shows up as growth once the allocator's free lists are warm).
 */
import { expect } from 'chai';
import {
  decryptTable,
  encryptTable,
  loadBundle,
  loadResult,
  safeDecrypt,
  serializeBundle,
  serializeResult,
  tidy,
  wasmHeapBytes,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { keysFor, randomMatrix } from './helpers.js';

describe('ckks memory', function () {
  let keys: TradeKeys;
  before(async () => {
    keys = await keysFor('n4096-d1');
  });

  it('keeps the WASM heap flat over 1,000 encrypt-compute-decrypt cycles', () => {
    const data = randomMatrix(16, 2, 5);
    const cycle = () => {
      const t = encryptTable(keys, data);
      const p = t.mul(t); // ciphertext multiplication, relinearisation, rescale
      const q = p.add(t); // level and scale alignment
      const s = q.sum(0); // rotations
      const m = s.mul(1 / 16);
      const out = decryptTable(m, keys);
      for (const x of [t, p, q, s, m]) x.dispose();
      return out;
    };
    for (let i = 0; i < 30; i++) cycle();
    const before = wasmHeapBytes();
    let last: number[][] = [];
    for (let i = 0; i < 1000; i++) last = cycle();
    const after = wasmHeapBytes();
    expect(last[0]).to.have.length(2);
    expect(after - before, `heap grew from ${before} to ${after} bytes`).to.equal(0);
  });

  it('keeps the heap flat across bundles, results, safe release and views (tidy)', async () => {
    const data = randomMatrix(30, 3, 6);
    const cycle = async () => {
      const t = encryptTable(keys, data, ['a', 'b', 'c']);
      const bundle = serializeBundle(t);
      t.dispose();
      const b = await loadBundle(bundle.bytes);
      const outputs = tidy(() => {
        const T = b.table;
        return {
          means: T.mean(0),
          dot: T.col('a').dot(T.col('b')),
          row: T.row(3).add([1, 2, 3]),
          xw: T.select(['a', 'c']).matmul([0.5, -1]),
          tr: T.t().matmul(T.col('c')),
        };
      });
      const res = serializeResult(outputs);
      for (const o of Object.values(outputs)) o.dispose();
      b.dispose();
      const r = await loadResult(res.bytes, keys, { maxValues: 100 });
      const rel = safeDecrypt(r, keys, { maxValues: 100, decimals: 3 });
      r.dispose();
      return rel.values.length;
    };
    for (let i = 0; i < 5; i++) await cycle();
    const before = wasmHeapBytes();
    for (let i = 0; i < 15; i++) expect(await cycle()).to.equal(3 + 1 + 3 + 30 + 3);
    expect(wasmHeapBytes() - before).to.equal(0);
  });

  it('frees intermediate tables of failed operations', () => {
    const t = encryptTable(keys, randomMatrix(8, 2, 7));
    const attempt = () => {
      using sq = t.square();
      try {
        sq.sigmoid(); // needs depth 2: throws DEPTH_EXHAUSTED after creating temporaries
      } catch {
        // expected
      }
    };
    for (let i = 0; i < 5; i++) attempt();
    const before = wasmHeapBytes();
    for (let i = 0; i < 100; i++) attempt();
    expect(wasmHeapBytes() - before).to.equal(0);
    t.dispose();
  });
});
