import { main } from '../../../src/cli/main.js';

/** Runs the CLI's `main` with console output captured: its exit code, stdout and stderr. */
export async function mainOutput(...argv: string[]) {
  const saved = { log: console.log, error: console.error };
  const output = { stdout: '', stderr: '' };
  console.log = (text: string) => (output.stdout += `${text}\n`);
  console.error = (text: string) => (output.stderr += `${text}\n`);
  try {
    return { code: await main(argv), ...output };
  } finally {
    console.log = saved.log;
    console.error = saved.error;
  }
}
