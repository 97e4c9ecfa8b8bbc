/** Column statistics and rescaling to mean 0, standard deviation 1. */

export interface ColumnStats {
  means: number[];
  /** Population standard deviations; a constant column gets 1 so it rescales to 0. */
  sds: number[];
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / (values.length || 1);

/** Mean and standard deviation of every column of `rows` (all rows as wide as the first). */
export function columnStats(rows: number[][]): ColumnStats {
  const width = rows[0]?.length ?? 0;
  const means = Array.from({ length: width }, (_, j) => mean(rows.map((r) => r[j] ?? 0)));
  const sds = means.map((m, j) => Math.sqrt(mean(rows.map((r) => ((r[j] ?? 0) - m) ** 2))) || 1);
  return { means, sds };
}

/**
 * Rescales the first `count` columns (default: every column the stats cover) with `stats`;
 * later columns (e.g. a 0/1 target) are left as they are.
 */
export function standardizeWith(
  rows: number[][],
  stats: ColumnStats,
  count = stats.means.length,
): number[][] {
  return rows.map((r) =>
    r.map((x, j) => (j < count ? (x - (stats.means[j] ?? 0)) / (stats.sds[j] ?? 1) : x)),
  );
}

/** Every column rescaled with its own statistics. */
export function standardize(rows: number[][]): number[][] {
  return standardizeWith(rows, columnStats(rows));
}
