/** Small terminal helpers: aligned tables and a progress line (no dependencies). */

/** Length in code points, a fair stand-in for terminal columns for this program's text. */
const width = (text: string) => Array.from(text).length;

function valueText(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value);
}

/** Renders rows as an aligned table with a header rule; long cells are cut with an ellipsis. */
export function table(
  headers: string[],
  rows: (string | number | boolean | null | undefined)[][],
  maxCell = 48,
): string {
  const cells = rows.map((row) =>
    headers.map((_, i) => {
      const value = row[i];
      const text = value === null || value === undefined ? '-' : String(value);
      return width(text) > maxCell
        ? `${Array.from(text)
            .slice(0, maxCell - 1)
            .join('')}…`
        : text;
    }),
  );
  const widths = headers.map((h, i) =>
    Math.max(width(h), ...cells.map((row) => width(row[i] ?? ''))),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - width(cell)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join(
    '\n',
  );
}

/** Key/value block. */
export function keyValues(entries: [string, unknown][]): string {
  const keyWidth = Math.max(...entries.map(([k]) => width(k)));
  return entries
    .map(([k, v]) => `${k}${' '.repeat(keyWidth - width(k))}  ${valueText(v)}`)
    .join('\n');
}

/**
 * Progress on stderr: on a terminal one spinner line rewritten in place with the elapsed
 * time; otherwise one line per message. Silent when disabled (e.g. --json --quiet).
 */
export class Progress {
  private timer?: NodeJS.Timeout;
  private message = '';
  private started = Date.now();
  private frame = 0;
  private readonly tty: boolean;

  constructor(private readonly enabled = true) {
    this.tty = process.stderr.isTTY;
  }

  update(message: string): void {
    if (!this.enabled) return;
    if (!this.tty) {
      process.stderr.write(`… ${message}\n`);
      return;
    }
    if (message !== this.message) this.started = Date.now();
    this.message = message;
    this.timer ??= setInterval(() => {
      this.draw();
    }, 100);
    this.draw();
  }

  /** A bar for countable work: `[#####.....] 50% label`. */
  bar(done: number, total: number, label: string): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * 24);
    this.update(
      `[${'#'.repeat(filled)}${'.'.repeat(24 - filled)}] ${Math.round(fraction * 100)}% ${label}`,
    );
  }

  private draw(): void {
    const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    process.stderr.write(
      `\r\x1b[2K${frames[this.frame++ % frames.length]} ${this.message} (${seconds} s)`,
    );
  }

  done(message?: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.enabled) return;
    if (this.tty) process.stderr.write('\r\x1b[2K');
    if (message) process.stderr.write(`✔ ${message}\n`);
    this.message = '';
  }
}
