/** The help texts, written from the command table so they cannot drift from the parser. */
import type { Command, CommandGroup, OptionSpec, OptionTable } from './command.js';

const WIDTH = 100;
const SUMMARY_COLUMN = 41;
const GROUPS: readonly CommandGroup[] = ['anyone', 'buyer', 'seller', 'auditor', 'admin', 'self'];

const SCRIPT_NOTE = `A computation script is an ES module whose default export is
  async ({ bundle, engine, progress }) => ({ result: Uint8Array, valueCount: number })
where engine is the project's CKKS engine (application/src/ckks).
Or name an approved computation instead of a script (no ciphertext code to write):
  --computation column-means|column-sums|xtx --columns a,b
  --computation xty --columns a,b --target y
  --computation lr-epochs --features a,b --target y --epochs 2 --learning-rate 0.5
      [--initial-weights 0.01,0.01] [--initial-bias 0]
It writes OUT and OUT.computation.json; \`submit --computation OUT.computation.json\` sends both.`;

const optionUsage = (name: string, spec: OptionSpec) =>
  spec.type === 'string' ? `--${name} ${spec.value ?? 'VALUE'}` : `--${name}`;

/** `sell ID --csv FILE … [--deposit D]`, wrapped to the screen width. */
export function usage(command: Command, indent = 2): string[] {
  const options = Object.entries(command.options ?? {});
  const parts = [
    command.name,
    ...(command.args ?? []).map((a) => (a.optional ? `[${a.name}]` : a.name)),
    ...options.filter(([, s]) => s.required).map(([n, s]) => optionUsage(n, s)),
    ...options.filter(([, s]) => !s.required).map(([n, s]) => `[${optionUsage(n, s)}]`),
  ];
  const lines: string[] = [];
  let line = ' '.repeat(indent);
  for (const part of parts) {
    if (line.trim() !== '' && line.length + part.length + 1 > WIDTH) {
      lines.push(line);
      line = ' '.repeat(indent + 5);
    }
    line += line.trim() === '' ? part : ` ${part}`;
  }
  lines.push(line);
  return lines;
}

/** One command in the overview: its usage with the summary beside it, or under a long one. */
function overviewEntry(command: Command): string[] {
  const [first = '', ...more] = usage(command);
  if (more.length === 0 && first.length < SUMMARY_COLUMN - 1) {
    return [first.padEnd(SUMMARY_COLUMN) + command.summary];
  }
  return [first, ...more, ' '.repeat(SUMMARY_COLUMN) + command.summary];
}

function optionLines(options: OptionTable): string[] {
  const entries = Object.entries(options);
  const labels = entries.map(([name, spec]) => optionUsage(name, spec));
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  return entries.map(([, spec], i) => {
    const label = labels[i] ?? '';
    return `  ${label.padEnd(width)}${spec.description}${spec.required ? ' (required)' : ''}`;
  });
}

export function overviewHelp(commands: readonly Command[], global: OptionTable): string {
  const sections = GROUPS.map((group) => [
    `${group}:`,
    ...commands.filter((c) => c.group === group).flatMap(overviewEntry),
  ]);
  return [
    'datamarket — buy and sell computations on encrypted data',
    '',
    'usage: datamarket [options] <command> [arguments]',
    '       datamarket help <command>   (or datamarket <command> --help)',
    '',
    'options:',
    ...optionLines(global),
    '',
    ...sections.flatMap((lines) => [...lines, '']),
    SCRIPT_NOTE,
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const args = (command.args ?? []).map((a) => `  ${a.name.padEnd(10)}${a.what}`);
  const options = command.options ? optionLines(command.options) : [];
  return [
    `datamarket ${command.name} — ${command.summary}`,
    '',
    'usage:',
    ...usage(command),
    ...(args.length > 0 ? ['', 'arguments:', ...args] : []),
    ...(options.length > 0 ? ['', 'options:', ...options] : []),
    '',
    'and the global options (datamarket --help).',
    ...(command.name === 'run' ? ['', SCRIPT_NOTE] : []),
  ].join('\n');
}
