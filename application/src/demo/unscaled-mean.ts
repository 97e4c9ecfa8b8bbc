/**
 * The demo's third example: the mean of an unscaled column (the penguins' body mass in grams,
 * about 2,700..6,300) through the real engine, next to plain arithmetic. Its sum (about 1.4
 * million) is far past the headroom of the last level of every preset, which once made the
 * released mean silently wrong; now the result stays at a level where it fits (or the mean
 * divides before summing), and a preset without such a level refuses when the mean is computed.
 */
import {
  CkksError,
  createTradeKeys,
  encryptTable,
  galoisStepsFor,
  loadResult,
  safeDecrypt,
  serializeResult,
  type PresetName,
} from '../ckks/index.js';
import { table as textTable } from '../cli/format.js';
import { readNumericCsv } from '../data/csv.js';
import { penguinsCsv } from './penguins.js';
import { mean } from './plain.js';

/** One preset's outcome: the released mean, or the refusal's message. */
export interface UnscaledMeanRow {
  preset: PresetName;
  released?: number;
  refused?: string;
  ms: number;
}

/** The raw body masses (grams) of the penguins the demo lists. */
export async function bodyMassGrams(): Promise<number[]> {
  const { columns, rows } = readNumericCsv((await penguinsCsv()).csv);
  const j = columns.indexOf('body_mass_g');
  return rows.map((r) => r[j] ?? NaN);
}

/** Seller encrypts, buyer computes the mean, seller releases it: one preset. */
async function meanOn(preset: PresetName, grams: number[], bits: number): Promise<UnscaledMeanRow> {
  const started = performance.now();
  const galoisSteps = galoisStepsFor(preset, [grams.length, 1], ['sum-rows']);
  using keys = await createTradeKeys(preset, { galoisSteps });
  using table = encryptTable(
    keys,
    grams.map((g) => [g]),
    ['body_mass_g'],
  );
  let bytes: Uint8Array;
  try {
    using m = table.mean();
    bytes = serializeResult(m).bytes;
  } catch (e) {
    if (!(e instanceof CkksError)) throw e;
    return { preset, refused: e.message, ms: performance.now() - started };
  }
  using loaded = await loadResult(bytes, keys, { maxValues: 1 });
  const release = safeDecrypt(loaded, keys, {
    maxValues: 1,
    decimals: 2,
    statisticalSecurityBits: bits,
  });
  return { preset, released: release.values[0] ?? NaN, ms: performance.now() - started };
}

/** The example on a preset without levels and on the demo's statistics preset. */
export async function unscaledMean(
  bits: number,
  presets: readonly PresetName[] = ['n4096-d0', 'n8192-d2'],
): Promise<{ plain: number; rows: UnscaledMeanRow[]; count: number }> {
  const grams = await bodyMassGrams();
  const rows: UnscaledMeanRow[] = [];
  for (const p of presets) rows.push(await meanOn(p, grams, bits));
  return { plain: mean(grams), rows, count: grams.length };
}

/** Prints the example: per preset the released mean or the refusal, next to plain arithmetic. */
export async function printUnscaledMean(bits: number): Promise<void> {
  const { plain, rows, count } = await unscaledMean(bits);
  console.log(
    textTable(
      ['preset', 'encrypted → released', 'plain', 'difference', 'time'],
      rows.map((r) => [
        r.preset,
        r.released?.toFixed(2) ?? 'refused when computed',
        plain.toFixed(2),
        r.released === undefined ? '' : Math.abs(r.released - plain).toExponential(1),
        `${(r.ms / 1000).toFixed(2)} s`,
      ]),
    ),
  );
  for (const r of rows) if (r.refused) console.log(`${r.preset}: ${r.refused}`);
  console.log(
    `the mean of ${count} raw body masses in grams: their sum (${(plain * count).toFixed(0)}) ` +
      'is past the headroom of every preset’s last level, so the engine keeps the result at a ' +
      'level where it fits (or divides before summing); without such a level it refuses when ' +
      'computing (keys, encryption, mean and safe release on this machine)',
  );
}
