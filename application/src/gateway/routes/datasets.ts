import { readFile, stat } from 'node:fs/promises';
import type { Limits } from '../config.js';
import { parseNumericCsv, type NumericTable } from '../csv.js';
import { badRequest, HttpError, tooLarge } from '../http/errors.js';
import type { DatasetSource } from '../schemas/requests.js';

/** Reads a dataset from CSV text in the body or a CSV file on this app's machine. */
export async function datasetFrom(source: DatasetSource, limits: Limits): Promise<NumericTable> {
  const text = source.csv ?? (await readCsvFile(source.path ?? '', limits.dataset));
  try {
    return parseNumericCsv(text, {
      columns: source.columns,
      standardize: source.standardize === true,
      maxRows: limits.datasetRows,
    });
  } catch (error) {
    throw asBadRequest(error);
  }
}

async function readCsvFile(path: string, limit: number): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw badRequest(`no readable file at '${path}'`);
  if (info.size > limit) throw tooLarge(`file of ${info.size} bytes exceeds ${limit}`);
  return readFile(path, 'utf8');
}

/**
 * The CSV reader's refusals (a `CsvError`, or an HTTP 400 from the older reader) are the
 * client's: they become 400s. Anything else stays an internal error.
 */
function asBadRequest(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  if (error instanceof Error && error.name === 'CsvError') return badRequest(error.message);
  return error;
}
