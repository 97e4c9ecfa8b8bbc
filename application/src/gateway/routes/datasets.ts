import { readFile, stat } from 'node:fs/promises';
import type { Limits } from '../config.js';
import { CsvError, readNumericCsv, type NumericTable } from '../../data/csv.js';
import { badRequest, tooLarge } from '../http/errors.js';
import type { DatasetSource } from '../schemas/requests.js';

/** Reads a dataset from CSV text in the body or a CSV file on this app's machine. */
export async function datasetFrom(source: DatasetSource, limits: Limits): Promise<NumericTable> {
  const text = source.csv ?? (await readCsvFile(source.path ?? '', limits.dataset));
  try {
    return readNumericCsv(text, {
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

/** The CSV reader's refusals are the client's: they become 400s; anything else stays internal. */
function asBadRequest(error: unknown): unknown {
  return error instanceof CsvError ? badRequest(error.message) : error;
}
