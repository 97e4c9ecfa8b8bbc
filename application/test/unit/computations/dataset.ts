/** Seeded rows for the computation tests: four features in [-1, 1] and a dependent 0/1 label. */
export function lrDataset(n: number): { columns: string[]; rows: number[][] } {
  let a = 7;
  const next = () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
  const rows = Array.from({ length: n }, () => {
    const [a0, a1, a2, a3] = [0, 1, 2, 3].map(() => Math.round((2 * next() - 1) * 1000) / 1000);
    const x = [a0 ?? 0, a1 ?? 0, a2 ?? 0, a3 ?? 0];
    const label = (a0 ?? 0) - 0.5 * (a1 ?? 0) + 0.2 * next() > 0 ? 1 : 0;
    return [...x, label];
  });
  return { columns: ['a', 'b', 'c', 'd', 'y'], rows };
}
