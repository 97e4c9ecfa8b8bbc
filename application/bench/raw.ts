/**
 * The bench's reference: raw node-seal calls doing the same operations as the engine's fast
 * kernels (no tables, no bounds, no programs), so the table shows what the engine's bookkeeping
 * costs on top of SEAL itself.
 */
import type { Ciphertext } from 'node-seal';
import type { EncryptedTable } from '../src/ckks/index.js';

type Ct = Ciphertext;

function rotateSum(t: EncryptedTable, acc: Ct, from: number, to: number): void {
  const ev = t.ctx.evaluator;
  const gk = t.keys.galoisKeys;
  if (!gk) throw new Error('no Galois keys');
  const r = new t.ctx.seal.Ciphertext();
  for (let k = from; k < to; k *= 2) {
    ev.rotateVector(acc, k, gk, r);
    ev.addInplace(acc, r);
  }
  r.delete();
}

function ctAt(cts: readonly Ct[], i: number): Ct {
  const c = cts[i];
  if (!c) throw new Error(`no ciphertext ${i}`);
  return c;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Mean of column j at `level`: its blocks added (a row-blocked table) or its one ciphertext,
 * mod-switched, rotated and added over a run, scaled; returns the ciphertext.
 */
export function rawMean(t: EncryptedTable, j: number, level: number): Ct {
  const ctx = t.ctx;
  const L = t.layout;
  const cts = t.ciphertexts();
  const blocks = L.place[j] ?? [];
  const acc = ctAt(cts, blocks[0]?.ct ?? 0).copy();
  for (const seg of blocks.slice(1)) ctx.evaluator.addInplace(acc, ctAt(cts, seg.ct));
  if (level > 0) ctx.evaluator.cipherModSwitchToInplace(acc, ctx.parmsId(level));
  rotateSum(t, acc, 1, blocks.length > 1 ? L.stride : nextPow2(t.rows));
  acc.setScale(acc.scale() * t.rows);
  return acc;
}

/** Slot vector with value v on rows [off, off + n) for each [off, v]. */
function runs(slots: number, n: number, cells: [number, number][]): Float64Array {
  const out = new Float64Array(slots);
  for (const [off, v] of cells) out.fill(v, off, off + n);
  return out;
}

/**
 * One gradient of logistic regression with the same operations as `logisticGradient` (features
 * in the packed layout, sigmoid c0 + c1 z + c3 z³, bias through a free run), single-threaded.
 * Returns the gradient ciphertexts (one per feature ciphertext).
 */
export function rawGradient(
  t: EncryptedTable,
  featureIdx: number[],
  targetIdx: number,
  w: number[],
  b: number,
  s: number,
): Ct[] {
  const ctx = t.ctx;
  const ev = ctx.evaluator;
  const L = t.layout;
  const n = L.rows;
  const base = ctx.depth - 4;
  const S = (k: number) => ctx.scaleAt(base + k);
  const q = (k: number) => ctx.droppedPrime(base + k);
  const cts = t.ciphertexts();
  const sIn = cts[0]?.scale() ?? 0;
  const tmp: Ct[] = [];
  const encode = (v: Float64Array, scale: number, level: number) => ctx.encode(v, scale, level);
  const mulPlain = (c: Ct, v: Float64Array, scale: number, level: number, rescale: boolean) => {
    const pt = encode(v, scale, level);
    ev.multiplyPlainInplace(c, pt);
    pt.delete();
    if (rescale) ev.rescaleToNextInplace(c);
  };
  const copyAt = (c: Ct, level: number): Ct => {
    const out = c.copy();
    tmp.push(out);
    if (level > ctx.level(c)) ev.cipherModSwitchToInplace(out, ctx.parmsId(level));
    return out;
  };
  const seg = (j: number) => L.place[j]?.[0] ?? { ct: 0, offset: 0 };
  const featureCts = [...new Set(featureIdx.map((j) => seg(j).ct))];
  const constant = (v: number) => new Float64Array(L.slots).fill(v);
  try {
    let z: Ct | undefined;
    for (const c of featureCts) {
      const p = copyAt(ctAt(cts, c), base);
      const cells = featureIdx.flatMap((j, k): [number, number][] =>
        seg(j).ct === c ? [[seg(j).offset, w[k] ?? 0]] : [],
      );
      mulPlain(p, runs(L.slots, n, cells), (S(1) * q(0)) / sIn, base, false);
      if (z) ev.addInplace(z, p);
      else z = p;
    }
    if (!z) throw new Error('no features');
    ev.rescaleToNextInplace(z);
    z.setScale(S(1));
    rotateSum(t, z, L.stride, L.slots);
    const bias = Array.from({ length: L.slots / L.stride }, (_, k): [number, number] => [
      k * L.stride,
      b,
    ]);
    const bp = encode(runs(L.slots, n, bias), z.scale(), base + 1);
    ev.addPlainInplace(z, bp);
    bp.delete();
    const u = copyAt(z, base + 1);
    mulPlain(u, constant(-0.004), S(1), base + 1, true);
    const t1 = copyAt(z, base + 2);
    mulPlain(t1, constant(0.197), (S(3) * q(2)) / S(1), base + 2, true);
    t1.setScale(S(3));
    const y = copyAt(ctAt(cts, seg(targetIdx).ct), base + 2);
    mulPlain(
      y,
      runs(L.slots, n, [[seg(targetIdx).offset, 1]]),
      (S(3) * q(2)) / sIn,
      base + 2,
      true,
    );
    y.setScale(S(3));
    rotateSum(t, y, L.stride, L.slots);
    const r = copyAt(z, base + 1);
    ev.squareInplace(r);
    ev.relinearizeInplace(r, t.keys.relinKeys);
    ev.rescaleToNextInplace(r);
    ev.multiplyInplace(r, u);
    ev.relinearizeInplace(r, t.keys.relinKeys);
    ev.rescaleToNextInplace(r);
    t1.setScale(r.scale());
    ev.addInplace(r, t1);
    const c0 = encode(constant(0.5), r.scale(), base + 3);
    ev.addPlainInplace(r, c0);
    c0.delete();
    y.setScale(r.scale());
    ev.subInplace(r, y);
    const out: Ct[] = [];
    for (const c of featureCts) {
      const x = copyAt(ctAt(cts, c), base + 2);
      const cells = featureIdx.flatMap((j): [number, number][] =>
        seg(j).ct === c ? [[seg(j).offset, s]] : [],
      );
      mulPlain(x, runs(L.slots, n, cells), (S(3) * q(2)) / sIn, base + 2, true);
      x.setScale(S(3));
      ev.multiplyInplace(x, r);
      ev.relinearizeInplace(x, t.keys.relinKeys);
      ev.rescaleToNextInplace(x);
      rotateSum(t, x, 1, nextPow2(n));
      out.push(x.copy());
    }
    return out;
  } finally {
    for (const c of tmp) c.delete();
  }
}
