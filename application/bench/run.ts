/**
 * CKKS benchmark: the thesis's two examples (encrypted mean, one epoch of encrypted logistic
 * regression) on the Framingham data, per-operation costs of the library next to raw node-seal,
 * and bundle sizes. Usage: node application/dist/bench/run.js [csvPath]
 * (default: ../shared/data/framingham.csv relative to the repository root).
 *
 * Timings are medians of several runs after a warm-up; "buyer compute" covers the homomorphic
 * computation only (bundle loading and result serialization are listed separately).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createTradeKeys,
  decryptTable,
  encryptTable,
  galoisStepsFor,
  loadBundle,
  loadResult,
  PRESETS,
  safeDecrypt,
  serializeBundle,
  serializeResult,
  tidy,
  type PresetName,
} from '../src/ckks/index.js';
import { arithFor } from '../src/ckks/table.js';
import { loadFramingham, FEATURES, TARGET } from './data.js';
import {
  accuracy,
  approxSigmoid,
  encryptedEpoch,
  exactSigmoid,
  initialModel,
  plainEpoch,
  type Model,
} from './lr.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const csvPath = process.argv[2]
  ? resolve(process.argv[2])
  : resolve(repoRoot, '../shared/data/framingham.csv');

function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 2 : 1)} ms`;
}

function bytes(n: number): string {
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  const at = (k: number): number => s[k] ?? NaN;
  return s.length % 2 ? at(m) : (at(m - 1) + at(m)) / 2;
}

/** Median time of `runs` calls after one warm-up; `fn` returns tables to dispose. */
function time(runs: number, fn: () => unknown): number {
  const once = () => {
    const t0 = performance.now();
    tidy(() => {
      fn();
    });
    return performance.now() - t0;
  };
  once();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(once());
  return median(xs);
}

function table(title: string, head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    '  ' +
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  console.log(`\n${title}`);
  console.log(line(head));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

function fmt(x: number, d = 6): string {
  return x.toFixed(d);
}

async function meanBenchmark(raw: number[][], columns: string[]) {
  const preset: PresetName = 'n4096-d0';
  const rows = raw.length;
  const keys = await createTradeKeys(preset, {
    galoisSteps: galoisStepsFor(preset, [rows, columns.length], ['sum-rows']),
  });
  const enc = encryptTable(keys, raw, columns);
  const bundle = serializeBundle(enc);
  const bundleNoGalois = serializeBundle(enc, { galoisKeys: false });
  enc.dispose();

  const t0 = performance.now();
  const loaded = await loadBundle(bundle.bytes, { expectedSha256: bundle.sha256 });
  const loadTime = performance.now() - t0;
  const T = loaded.table;
  const ageIdx = columns.indexOf('age');
  const plainMean = raw.reduce((s, r) => s + (r[ageIdx] ?? NaN), 0) / rows;

  const meanOne = time(30, () => T.col('age').mean());
  const meanAll = time(10, () => T.mean(0));
  const m = T.col('age').mean();
  const t1 = performance.now();
  const result = serializeResult({ meanAge: m });
  const serTime = performance.now() - t1;
  const rawValue = decryptTable(m, keys)[0]?.[0] ?? NaN;
  m.dispose();
  const loadedResult = await loadResult(result.bytes, keys, { maxValues: 16 });
  const release = safeDecrypt(loadedResult, keys, { maxValues: 16, decimals: 3 });
  loadedResult.dispose();
  loaded.dispose();
  keys.dispose();
  return {
    preset,
    loadTime,
    meanOne,
    meanAll,
    serTime,
    plainMean,
    rawValue,
    release,
    bundle,
    bundleNoGalois,
    resultBytes: result.bytes.length,
  };
}

async function lrBenchmark(std: number[][], columns: string[], holdout: number[][]) {
  const preset: PresetName = 'n8192-d4';
  const n = std.length;
  const lr = 1;
  const keys = await createTradeKeys(preset, {
    galoisSteps: galoisStepsFor(preset, [n, columns.length], ['sum-rows', 'sum-columns']),
  });
  const enc = encryptTable(keys, std, columns);
  const bundle = serializeBundle(enc);
  const bundleNoGalois = serializeBundle(enc, { galoisKeys: false });
  enc.dispose();
  const t0 = performance.now();
  const loaded = await loadBundle(bundle.bytes, { expectedSha256: bundle.sha256 });
  const loadTime = performance.now() - t0;
  const T = loaded.table;
  const init = initialModel(FEATURES.length);

  // Mean of a column under this preset, as is and after dropping to the last level.
  const meanD4 = time(5, () => T.col('age').mean());
  const meanD4Low = time(5, () => T.col('age').finalize().mean());

  const arith = arithFor(T.keys);
  const before = { ...arith.stats };
  const epoch = time(3, () => encryptedEpoch(T, FEATURES, TARGET, init, lr));
  const { w, b } = encryptedEpoch(T, FEATURES, TARGET, init, lr);
  const after = arith.stats;
  const runs = 5; // warm-up + 3 timed + 1 final
  const perEpoch = {
    rotations: (after.rotations - before.rotations) / runs,
    multiplications: (after.multiplications - before.multiplications) / runs,
  };
  const t1 = performance.now();
  const result = serializeResult({ weights: w, bias: b });
  const serTime = performance.now() - t1;
  const rawW = decryptTable(w, keys).map((r) => r[0] ?? NaN);
  const rawB = decryptTable(b, keys)[0]?.[0] ?? NaN;
  const levels = w.level;
  w.dispose();
  b.dispose();
  const loadedResult = await loadResult(result.bytes, keys, { maxValues: 10 });
  const release = safeDecrypt(loadedResult, keys, { maxValues: 10, decimals: 4 });
  const release20 = safeDecrypt(loadedResult, keys, {
    maxValues: 10,
    decimals: 4,
    statisticalSecurityBits: 20,
  });
  loadedResult.dispose();
  loaded.dispose();
  keys.dispose();

  const X = std.map((r) => r.slice(0, FEATURES.length));
  const y = std.map((r) => r[FEATURES.length] ?? NaN);
  const Xh = holdout.map((r) => r.slice(0, FEATURES.length));
  const yh = holdout.map((r) => r[FEATURES.length] ?? NaN);
  const plainApprox = plainEpoch(X, y, init, lr, approxSigmoid);
  const plainExact = plainEpoch(X, y, init, lr, exactSigmoid);
  const encrypted: Model = { w: rawW, b: rawB };
  const modelOf = (r: typeof release): Model => ({
    w: (r.outputs.weights ?? []).map((row) => row[0] ?? NaN),
    b: r.outputs.bias?.[0]?.[0] ?? NaN,
  });
  const released = modelOf(release);
  const released20 = modelOf(release20);
  const maxDiff = Math.max(
    ...rawW.map((v, j) => Math.abs(v - (plainApprox.w[j] ?? NaN))),
    Math.abs(rawB - plainApprox.b),
  );
  return {
    preset,
    loadTime,
    epoch,
    serTime,
    meanD4,
    meanD4Low,
    perEpoch,
    levels,
    models: { init, plainApprox, plainExact, encrypted, released, released20 },
    acc: (m: Model) => [accuracy(X, y, m), accuracy(Xh, yh, m)] as const,
    maxDiff,
    release,
    release20,
    bundle,
    bundleNoGalois,
    resultBytes: result.bytes.length,
  };
}

async function opCosts() {
  const preset: PresetName = 'n8192-d4';
  const keys = await createTradeKeys(preset, { galoisSteps: [1] });
  const ctx = keys.ctx;
  const seal = ctx.seal;
  const ev = ctx.evaluator;
  const slots = ctx.slots;
  const values = Float64Array.from({ length: slots }, (_, i) => Math.sin(i));
  const column = Array.from(values, (v) => [v]);
  const scale = ctx.scaleAt(0);
  const evalKeys = keys.evaluation;
  const gk = evalKeys.galoisKeys;
  if (!gk) throw new Error('no Galois keys');
  const pt = new seal.Plaintext();
  const ct = new seal.Ciphertext();
  const out = new seal.Ciphertext();
  ctx.encoder.encode(values, scale, pt);
  keys.encryptor.encryptSymmetric(pt, ct);
  const raw = {
    encrypt: time(10, () => {
      ctx.encoder.encode(values, scale, pt);
      keys.encryptor.encryptSymmetric(pt, out);
    }),
    mul: time(10, () => {
      ev.multiply(ct, ct, out);
      ev.relinearizeInplace(out, evalKeys.relinKeys);
      ev.rescaleToNextInplace(out);
    }),
    rotate: time(10, () => {
      ev.rotateVector(ct, 1, gk, out);
    }),
    decrypt: time(10, () => {
      keys.decryptor.decrypt(ct, pt);
      ctx.encoder.decodeFloat64(pt);
    }),
  };
  const T = encryptTable(keys, column);
  const U = encryptTable(keys, column);
  const arith = arithFor(T.keys);
  const lib = {
    encrypt: time(10, () => encryptTable(keys, column)),
    mul: time(10, () => T.mul(U)),
    rotate: time(10, () => {
      arith.rotate(T.ciphertexts()[0] as never, 1).delete();
    }),
    decrypt: time(10, () => decryptTable(T, keys)),
  };
  T.dispose();
  U.dispose();
  pt.delete();
  ct.delete();
  out.delete();
  keys.dispose();
  return { preset, raw, lib, slots };
}

async function main() {
  if (!existsSync(csvPath)) {
    console.error(`benchmark data not found: ${csvPath}`);
    console.error('pass the path of framingham.csv: npm run bench -- /path/to/framingham.csv');
    process.exit(1);
  }
  const data = await loadFramingham(csvPath, 1000);
  console.log('datamarket CKKS benchmark');
  console.log(`  node ${process.version}, data ${csvPath}`);
  console.log(
    `  ${data.raw.length} rows × ${FEATURES.length} features + ${TARGET} (rows with NA dropped; ` +
      'features standardized for logistic regression)',
  );

  const mean = await meanBenchmark(data.raw, data.columns);
  const lrb = await lrBenchmark(data.standardized, data.columns, data.holdout);
  const ops = await opCosts();

  table(
    '1. Encrypted mean of a column (age, raw values), buyer compute',
    ['measurement', 'value', 'thesis', 'goal'],
    [
      [`mean of one column (${mean.preset})`, ms(mean.meanOne), '0.153 s', '< 15 ms'],
      [`mean of all 10 columns (${mean.preset})`, ms(mean.meanAll), '', ''],
      [`mean of one column (${lrb.preset})`, ms(lrb.meanD4), '', ''],
      [`  same after finalize() (${lrb.preset})`, ms(lrb.meanD4Low), '', ''],
      ['load bundle (checks + SEAL load)', ms(mean.loadTime), '', ''],
      ['serialize result', ms(mean.serTime), '', ''],
      ['plain mean', fmt(mean.plainMean), '', ''],
      ['encrypted mean (raw decryption)', fmt(mean.rawValue), '', ''],
      [
        `released (3 decimals, flooding σ=${mean.release.sigma.toExponential(1)})`,
        String(mean.release.values[0]),
        '',
        '',
      ],
    ],
  );

  const { models, acc } = lrb;
  table(
    `2. One epoch of encrypted logistic regression (${lrb.preset}, 1000 × 9, lr = 1, full batch)`,
    ['measurement', 'value', 'thesis', 'goal'],
    [
      ['buyer compute, one epoch', ms(lrb.epoch), '119.91 s', '< 12 s'],
      [
        'rotations / ciphertext multiplications per epoch',
        `${lrb.perEpoch.rotations} / ${lrb.perEpoch.multiplications}`,
        '',
        '',
      ],
      ['levels used', `${lrb.levels} of ${PRESETS[lrb.preset].depth}`, '', ''],
      ['load bundle', ms(lrb.loadTime), '', ''],
      ['serialize result (10 values)', ms(lrb.serTime), '', ''],
      ['max |encrypted − plain| over weights', lrb.maxDiff.toExponential(2), '', ''],
      [
        'release flooding σ (s = 30 / s = 20)',
        `${lrb.release.sigma.toExponential(2)} / ${lrb.release20.sigma.toExponential(2)}`,
        '',
        '',
      ],
    ],
  );
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  table(
    '   accuracy after one epoch (threshold 0.5 on the exact sigmoid)',
    ['model', 'train (1000)', `holdout (${data.holdout.length})`],
    [
      ['initial weights', ...acc(models.init).map(pct)],
      ['plain, thesis sigmoid approximation', ...acc(models.plainApprox).map(pct)],
      ['plain, exact sigmoid', ...acc(models.plainExact).map(pct)],
      ['encrypted (raw decryption)', ...acc(models.encrypted).map(pct)],
      ['encrypted, safe release (4 decimals, flooding s = 30)', ...acc(models.released).map(pct)],
      ['encrypted, safe release (4 decimals, flooding s = 20)', ...acc(models.released20).map(pct)],
    ],
  );
  table(
    '   weights',
    ['weight', 'plain approx', 'encrypted', 'released s=30', 'released s=20'],
    [...FEATURES, 'bias'].map((f, j) => [
      f,
      fmt(j < FEATURES.length ? (models.plainApprox.w[j] ?? NaN) : models.plainApprox.b),
      fmt(j < FEATURES.length ? (models.encrypted.w[j] ?? NaN) : models.encrypted.b),
      String(j < FEATURES.length ? models.released.w[j] : models.released.b),
      String(j < FEATURES.length ? models.released20.w[j] : models.released20.b),
    ]),
  );

  table(
    `3. Per-operation cost, ${ops.preset} (one ciphertext, ${ops.slots} slots, level 0)`,
    ['operation', 'library', 'raw node-seal', 'overhead'],
    (['encrypt', 'mul', 'rotate', 'decrypt'] as const).map((k) => [
      {
        encrypt: 'encrypt (encode + encrypt)',
        mul: 'multiply + relinearise + rescale',
        rotate: 'rotate by 1',
        decrypt: 'decrypt + decode',
      }[k],
      ms(ops.lib[k]),
      ms(ops.raw[k]),
      `${Math.round((ops.lib[k] / ops.raw[k] - 1) * 100) || 0} %`,
    ]),
  );

  const sizeRows = (label: string, b: typeof mean.bundle, nog: typeof mean.bundle) => [
    [`${label}, with Galois keys`, bytes(b.bytes.length), bytes(b.uncompressedBytes)],
    [`${label}, without Galois keys`, bytes(nog.bytes.length), bytes(nog.uncompressedBytes)],
    [
      '  of which public key / relin keys / Galois keys / ciphertexts',
      '',
      [
        b.sectionBytes.publicKey,
        b.sectionBytes.relinKeys,
        b.sectionBytes.galoisKeys,
        b.sectionBytes.ciphertexts,
      ]
        .map(bytes)
        .join(' / '),
    ],
  ];
  table(
    '4. Bundle and result sizes (compressed with zlib; SEAL objects in seeded form)',
    ['artifact', 'compressed', 'uncompressed'],
    [
      ...sizeRows(`mean bundle (${mean.preset}, 10 Galois keys)`, mean.bundle, mean.bundleNoGalois),
      ...sizeRows(`LR bundle (${lrb.preset}, 12 Galois keys)`, lrb.bundle, lrb.bundleNoGalois),
      ['mean result (1 value)', bytes(mean.resultBytes), ''],
      ['LR result (10 values)', bytes(lrb.resultBytes), ''],
    ],
  );
  console.log('');
}

await main();
