/**
 * CKKS benchmark: the thesis's two examples (encrypted mean, one epoch of encrypted logistic
 * regression) on the Framingham data, per-operation costs of the library next to raw node-seal,
 * and bundle sizes. Usage: node application/dist/bench/run.js [csvPath]
 * (default: ../shared/data/framingham.csv relative to the repository root; without the file,
 * synthetic rows of the same shape and ranges). See kernels.ts for the per-preset rows (fast
 * kernels with the worker pool off and on, general path, raw node-seal, counts, sizes, error).
 *
 * Timings are medians of 5 interleaved runs after a warm-up; "buyer compute" covers the
 * homomorphic computation only.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import {
  closeSharedPool,
  createTradeKeys,
  decryptTable,
  encryptTable,
  PRESETS,
  sharedPool,
  tidy,
  type PresetName,
} from '../src/ckks/index.js';
import { arithFor } from '../src/ckks/table.js';
import { loadFramingham, syntheticFramingham, FEATURES, TARGET } from './data.js';
import { epochRow, meanRow, type Counts, type Row } from './kernels.js';

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

const ISSUE = {
  mean: { engine: '15.0 ms', tenseal: '14.5 ms', openfhe1: '5.6 ms', openfhe2: '5.3 ms' },
  epoch: { engine: '210 ms', tenseal: '406 ms', openfhe1: '144 ms', openfhe2: '115 ms' },
};

const MEAN_PRESETS: PresetName[] = ['n4096-d0', 'n4096-d1', 'n8192-d2', 'n8192-d4'];
const EPOCH_PRESETS: PresetName[] = ['n8192-d4'];

/** DATAMARKET_BENCH_PRESETS=all adds n16384-d9 (hundreds of MB of Galois keys per process). */
function presets(base: PresetName[]): PresetName[] {
  const env = process.env.DATAMARKET_BENCH_PRESETS;
  if (env === 'all') return [...base, 'n16384-d9'];
  if (env) return env.split(',').filter((p): p is PresetName => p in PRESETS);
  return base;
}

function counts(c: Counts): string {
  if (c.refused) return 'refused';
  return `${c.rotations} / ${c.multiplications} / ${c.relinearizations} / ${c.rescales}`;
}

function kernelTable(title: string, rows: Row[], extra: (r: Row) => string[], extraHead: string[]) {
  table(
    title,
    [
      'preset',
      'pool off',
      'pool on',
      'general path',
      'raw node-seal',
      'rot / mul / relin / rescale',
      '(general path)',
      'bundle',
      'seller encrypt off / on',
      ...extraHead,
    ],
    rows.map((r) => [
      r.preset,
      ms(r.poolOff),
      ms(r.poolOn),
      Number.isNaN(r.general) ? 'refused' : ms(r.general),
      ms(r.raw),
      counts(r.counts),
      counts(r.generalCounts),
      bytes(r.bundleBytes),
      `${ms(r.encryptOff)} / ${ms(r.encryptOn)}`,
      ...extra(r),
    ]),
  );
}

async function main() {
  const present = existsSync(csvPath);
  const data = present ? await loadFramingham(csvPath, 1000) : syntheticFramingham(1000);
  console.log('datamarket CKKS benchmark');
  const source = present
    ? csvPath
    : `synthetic rows with Framingham's columns (${csvPath} not found: ` +
      'npm run bench -- /path/to/framingham.csv)';
  console.log(`  node ${process.version}, data ${source}, ${availableParallelism()} cores`);
  console.log(
    `  ${data.raw.length} rows × ${FEATURES.length} features + ${TARGET} (rows with NA dropped; ` +
      'features standardized for logistic regression); medians of 5 runs after a warm-up',
  );
  console.log(`  worker pool: ${sharedPool().size} workers`);

  const means: Row[] = [];
  for (const p of presets(MEAN_PRESETS)) means.push(await meanRow(p, data.raw, data.columns));
  kernelTable(
    '1. Encrypted mean of one column (age, raw values, 1000 rows), buyer compute',
    means,
    (r) => [r.error.toExponential(1), r.note],
    ['|error|', ''],
  );
  const i = ISSUE.mean;
  console.log(
    `  issue 9 on this machine: engine before ${i.engine}, TenSEAL ${i.tenseal}, ` +
      `OpenFHE 1 thread ${i.openfhe1}, 2 threads ${i.openfhe2}`,
  );

  const epochs: (Row & { accuracy: number; plainAccuracy: number })[] = [];
  for (const p of presets(EPOCH_PRESETS)) {
    if (PRESETS[p].depth >= 4) epochs.push(await epochRow(p, data.standardized, data.columns));
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  kernelTable(
    '2. One epoch of logistic regression (1000 × 9, lr = 1, full batch), buyer compute',
    epochs,
    (r) => {
      const e = r as Row & { accuracy: number; plainAccuracy: number };
      return [e.error.toExponential(1), `${pct(e.accuracy)} (plain ${pct(e.plainAccuracy)})`];
    },
    ['max |w − plain|', 'train accuracy'],
  );
  const e = ISSUE.epoch;
  console.log(
    `  issue 9 on this machine: engine before ${e.engine}, TenSEAL ${e.tenseal}, ` +
      `OpenFHE 1 thread ${e.openfhe1}, 2 threads ${e.openfhe2}`,
  );
  await closeSharedPool();

  const ops = await opCosts();
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
  console.log('');
}

await main();
