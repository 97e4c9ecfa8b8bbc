#!/usr/bin/env node
/**
 * `datamarket`: the command line of buyers, sellers and auditors, over their org's gateway app.
 * `datamarket help` lists the commands; the table behind it is in commands.ts.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { GatewayError } from '../client/index.js';
import { UsageError } from './command.js';
import { COMMANDS } from './commands.js';
import { createContext } from './context.js';
import { Progress } from './format.js';
import { commandHelp, overviewHelp } from './help.js';
import { GLOBAL_OPTIONS } from './options.js';
import { parseCommandLine } from './parse.js';

export { runScript } from './commands/run-script.js';

/** Runs one command line; resolves to the exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[]): Promise<number> {
  let progress: Progress | undefined;
  try {
    const parsed = parseCommandLine(argv, COMMANDS, GLOBAL_OPTIONS);
    if (parsed.kind === 'help') {
      console.log(
        parsed.command ? commandHelp(parsed.command) : overviewHelp(COMMANDS, GLOBAL_OPTIONS),
      );
      return parsed.status;
    }
    progress = new Progress(!parsed.quiet);
    const context = createContext(parsed.values, parsed.json, progress);
    await parsed.input.command.run(parsed.input, context);
    progress.done();
    return 0;
  } catch (error) {
    progress?.done();
    return reportFailure(error);
  }
}

function reportFailure(error: unknown): number {
  if (error instanceof UsageError) {
    console.error(`datamarket: ${error.message}`);
    return 2;
  }
  if (error instanceof GatewayError) {
    console.error(`datamarket: ${error.message} (${error.status} ${error.code})`);
    return 1;
  }
  console.error(`datamarket: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}

/** Runs the process's command line and sets its exit code (used by bin/datamarket.js). */
export async function runCli(argv = process.argv.slice(2)): Promise<void> {
  process.exitCode = await main(argv);
}

const script = process.argv[1];
if (script && import.meta.url === pathToFileURL(realpathSync(script)).href) await runCli();
