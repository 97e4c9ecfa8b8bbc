/**
 * The command line on `util.parseArgs`: find the command, then parse strictly with the global
 * options and that command's own, so unknown options, missing values and missing arguments are
 * refused with a message that points at the help.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { CommandInput, UsageError, type Command, type OptionTable } from './command.js';

export type Parsed =
  | { kind: 'help'; command?: Command; status: 0 | 2 }
  | { kind: 'run'; input: CommandInput; json: boolean; quiet: boolean; values: CommandValues };

/** The global option values a run needs besides the command's input. */
export type CommandValues = Readonly<Record<string, string | boolean | undefined>>;

function config(...tables: OptionTable[]): ParseArgsOptionsConfig {
  const options: ParseArgsOptionsConfig = {};
  for (const table of tables) {
    for (const [name, spec] of Object.entries(table)) options[name] = { type: spec.type };
  }
  return options;
}

/** The positional words, read leniently: only to find out which command is meant. */
function words(argv: string[], commands: readonly Command[], global: OptionTable): string[] {
  const all = config(global, ...commands.map((c) => c.options ?? {}));
  return parseArgs({ args: argv, options: all, strict: false, allowPositionals: true }).positionals;
}

/** The command named by the first one or two words, or a usage error naming the choices. */
export function findCommand(commands: readonly Command[], positionals: string[]): Command {
  const [first = '', second = ''] = positionals;
  const exact =
    commands.find((c) => c.name === `${first} ${second}`) ?? commands.find((c) => c.name === first);
  if (exact) return exact;
  const family = commands.filter((c) => c.name.startsWith(`${first} `));
  if (family.length > 0) {
    const choices = family.map((c) => c.name.slice(first.length + 1)).join(' | ');
    throw new UsageError(`${first} what? ${choices}`);
  }
  throw new UsageError(`unknown command '${first}' (datamarket help)`);
}

/** parseArgs's own errors, reworded for this program. */
function usageFromParseError(error: unknown, command: Command): never {
  const code = (error as { code?: unknown }).code;
  if (!(error instanceof Error) || typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) {
    throw error;
  }
  const option = /'(-[^' ]+)/.exec(error.message)?.[1] ?? 'an option';
  const help = `(datamarket ${command.name} --help)`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    throw new UsageError(`unknown option ${option} for '${command.name}' ${help}`);
  }
  if (error.message.includes('does not take an argument')) {
    throw new UsageError(`${option} takes no value ${help}`);
  }
  if (error.message.includes('ambiguous')) {
    throw new UsageError(
      `${option} needs a value; for one that starts with '-' write ${option}=VALUE`,
    );
  }
  if (error.message.includes('argument missing')) throw new UsageError(`${option} needs a value`);
  throw new UsageError(`${error.message.split('\n')[0] ?? error.message} ${help}`);
}

function strictParse(argv: string[], command: Command, global: OptionTable) {
  try {
    return parseArgs({
      args: argv,
      options: config(global, command.options ?? {}),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    return usageFromParseError(error, command);
  }
}

/** Checks the command's positional arguments and required options. */
function checkInput(command: Command, args: string[], values: CommandValues): void {
  const declared = command.args ?? [];
  const missing = declared[args.length];
  if (missing && !missing.optional)
    throw new UsageError(`missing ${missing.what} (datamarket ${command.name} --help)`);
  const extra = args[declared.length];
  if (extra !== undefined) {
    throw new UsageError(`unexpected argument '${extra}' for '${command.name}'`);
  }
  for (const [name, spec] of Object.entries(command.options ?? {})) {
    const value = values[name];
    if (spec.required && (typeof value !== 'string' || value === '')) {
      throw new UsageError(`--${name} is required (datamarket ${command.name} --help)`);
    }
  }
}

export function parseCommandLine(
  argv: string[],
  commands: readonly Command[],
  global: OptionTable,
): Parsed {
  const positionals = words(argv, commands, global);
  const helpFlag = argv.includes('--help');
  const [first, ...rest] = positionals;
  if (first === undefined) return { kind: 'help', status: helpFlag ? 0 : 2 };
  if (first === 'help') {
    return rest.length === 0
      ? { kind: 'help', status: 0 }
      : { kind: 'help', command: findCommand(commands, rest), status: 0 };
  }
  const command = findCommand(commands, positionals);
  const parsed = strictParse(argv, command, global);
  const values: CommandValues = parsed.values as CommandValues;
  if (values.help === true) return { kind: 'help', command, status: 0 };
  const args = parsed.positionals.slice(command.name.split(' ').length);
  checkInput(command, args, values);
  return {
    kind: 'run',
    input: new CommandInput(command, args, values),
    json: values.json === true,
    quiet: values.quiet === true,
    values,
  };
}
