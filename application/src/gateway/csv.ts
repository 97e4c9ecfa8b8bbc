/** The gateway's view of the shared CSV reader: its errors become 400s. */
import { CsvError, readNumericCsv, type CsvOptions, type NumericTable } from '../data/csv.js';
import { badRequest } from './http/errors.js';

export type { CsvOptions, NumericTable } from '../data/csv.js';
export { standardize } from '../data/standardize.js';

export function parseNumericCsv(text: string, options: CsvOptions = {}): NumericTable {
  try {
    return readNumericCsv(text, options);
  } catch (error) {
    if (error instanceof CsvError) throw badRequest(error.message);
    throw error;
  }
}
