/** What a command is: the declarations the parser, the help and the handlers share. */
import type { CommandContext } from './context.js';

/** A mistake in the command line: printed with a pointer to the help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** The value's placeholder in the help (string options), e.g. FILE. */
  value?: string;
  required?: boolean;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** A positional argument; every declared one is required unless `optional` (last ones only). */
export interface ArgumentSpec {
  /** Placeholder in the help, e.g. TRADE. */
  name: string;
  /** Named in the "missing …" message, e.g. "trade id". */
  what: string;
  optional?: boolean;
}

export type CommandGroup = 'anyone' | 'buyer' | 'seller' | 'auditor' | 'admin' | 'self';

export interface Command {
  /** One word, or a group and a word ("audit trades"). */
  name: string;
  group: CommandGroup;
  summary: string;
  args?: readonly ArgumentSpec[];
  options?: OptionTable;
  run(input: CommandInput, context: CommandContext): Promise<void>;
}

export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** The parsed arguments of one command, checked against its declaration. */
export class CommandInput {
  constructor(
    readonly command: Command,
    readonly args: readonly string[],
    private readonly values: OptionValues,
  ) {}

  /** The positional argument at `index` (the parser has checked that it is there). */
  arg(index: number): string {
    const value = this.args[index];
    if (value === undefined) throw new UsageError(`missing argument ${index + 1}`);
    return value;
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  required(name: string): string {
    const value = this.string(name);
    if (!value) throw new UsageError(`--${name} is required`);
    return value;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** A numeric option, `fallback` when it is not given. */
  number(name: string, fallback: number): number {
    const text = this.string(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) {
      throw new UsageError(`--${name} must be a number (got '${text}')`);
    }
    return value;
  }
}
