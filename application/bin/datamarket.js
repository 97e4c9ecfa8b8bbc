#!/usr/bin/env node
// The `datamarket` command, linked into node_modules/.bin by `npm ci`. A committed file (with
// its executable bit) rather than the compiled main.js, whose mode tsc does not keep.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('datamarket: the application is not built yet; run `npm run build` first\n');
  process.exit(1);
}
const { runCli } = await import(main.href);
await runCli(process.argv.slice(2));
