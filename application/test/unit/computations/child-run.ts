/**
 * A second process for the re-execution test: runs one approved computation on a bundle file
 * and prints the result's SHA-256 and size (node child-run.js <bundle> <request-json>).
 */
import { readFile } from 'node:fs/promises';
import { runComputation } from '../../../src/computations/index.js';

const [bundlePath, requestJson] = process.argv.slice(2);
if (bundlePath === undefined || requestJson === undefined) {
  throw new Error('usage: child-run <bundle> <request-json>');
}
const result = await runComputation(
  await readFile(bundlePath),
  JSON.parse(requestJson) as { computationId: string; params: unknown },
);
process.stdout.write(`${JSON.stringify({ sha256: result.sha256, bytes: result.bytes.length })}\n`);
