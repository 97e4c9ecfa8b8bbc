import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { PRESETS, type PresetName } from '../../ckks/presets.js';
import { badRequest, tooLarge } from '../http/errors.js';

/**
 * Where a dataset `path` may point: a regular file under the configured data directory, after
 * every symlink is resolved (so `/proc/...`, device files and links out of the directory are
 * refused, whatever size they report). Resolves with the real path to read.
 */
export async function dataFilePath(
  file: string,
  dataDir: string | undefined,
  limit: number,
): Promise<string> {
  if (dataDir === undefined) {
    throw badRequest(
      "body field 'path': this app reads no files (no dataDir configured); send the CSV as 'csv'",
    );
  }
  const root = await realpath(dataDir).catch(() => undefined);
  if (root === undefined) throw badRequest(`body field 'path': the data directory is missing`);
  const real = await realpath(path.resolve(root, file)).catch(() => undefined);
  if (real === undefined) throw badRequest(`body field 'path': no readable file at '${file}'`);
  if (real !== root && !real.startsWith(root + path.sep)) {
    throw badRequest(`body field 'path': '${file}' is not under the data directory`);
  }
  const info = await stat(real).catch(() => undefined);
  if (!info?.isFile()) throw badRequest(`body field 'path': '${file}' is not a regular file`);
  if (info.size > limit) throw tooLarge(`file of ${info.size} bytes exceeds ${limit}`);
  return real;
}

/** Largest |value| an engine preset encrypts (|x| < 2^(headroomBits-1)); undefined if unknown. */
export function presetRange(preset: string): number | undefined {
  const found = (PRESETS as Partial<Record<string, (typeof PRESETS)[PresetName]>>)[preset];
  return found === undefined ? undefined : 2 ** (found.headroomBits - 1);
}

/**
 * Refuses (400) data the listing's preset cannot encrypt, naming the first cell out of range,
 * so a listing never takes payments it can never deliver. An unknown preset is not checked
 * here (the contract takes any name; docs/gateway.md).
 */
export function requireInPresetRange(
  table: { columns: string[]; rows: number[][] },
  preset: string,
): void {
  const range = presetRange(preset);
  if (range === undefined) return;
  table.rows.forEach((row, i) => {
    row.forEach((value, j) => {
      if (!(Math.abs(value) < range)) {
        throw badRequest(
          `column '${table.columns[j] ?? String(j)}', row ${String(i + 1)}: ${String(value)} is outside the range of preset ${preset} (|x| < ${String(range)}); rescale the data or pick another preset`,
        );
      }
    });
  });
}
