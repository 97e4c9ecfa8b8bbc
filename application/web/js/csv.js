// A preview of a CSV file before it is listed: the same rule as the seller app (a row with an
// empty, NA or non-numeric cell in a kept column is dropped), the schema and value ranges.

function splitLine(line) {
  const cells = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells.map((v) => v.trim());
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function previewCsv(text, keep) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error('the CSV needs a header line and at least one row');
  const header = splitLine(lines[0]);
  const kept = keep?.length ? keep : header;
  const index = kept.map((c) => header.indexOf(c));
  const stats = kept.map((name) => ({ name, min: Infinity, max: -Infinity, sum: 0 }));
  let rows = 0;
  let dropped = 0;
  for (const line of lines.slice(1)) {
    const cells = splitLine(line);
    const values = index.map((i) => cells[i] ?? '');
    if (values.some((v) => !NUMBER.test(v))) {
      dropped += 1;
      continue;
    }
    rows += 1;
    values.forEach((v, j) => {
      const x = Number(v);
      const s = stats[j];
      s.min = Math.min(s.min, x);
      s.max = Math.max(s.max, x);
      s.sum += x;
    });
  }
  return {
    header,
    rows,
    dropped,
    columns: stats.map((s) => ({ ...s, mean: rows ? s.sum / rows : NaN })),
  };
}
