export { CsvError, readNumericCsv, type CsvOptions, type NumericTable } from './csv.js';
export { columnStats, standardize, standardizeWith, type ColumnStats } from './standardize.js';
