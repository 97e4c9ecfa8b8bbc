import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrlPublisher } from './onboarding.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
const networkScript = path.join(repoRoot, 'test-network-scripts', 'network.sh');

/**
 * Publishes an org's CRL on the test network: `network.sh updateCrl ORG FILE CHANNEL...`, a
 * channel config update signed by the org's admin (test-network-scripts/lib/crl.sh). On other
 * networks the org admin's own tooling does the same update; pass a publisher that runs it.
 */
export function networkScriptCrlPublisher(options: {
  runDir: string;
  portBase: number;
  org: string;
  channels: string[];
}): CrlPublisher {
  return async (crlPem) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'datamarket-crl-'));
    try {
      const file = path.join(dir, 'crl.pem');
      await writeFile(file, crlPem);
      await run([networkScript, 'updateCrl', options.org, file, ...options.channels], {
        DATAMARKET_RUN_DIR: options.runDir,
        DATAMARKET_PORT_BASE: String(options.portBase),
      });
      return options.channels;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

function run(args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`network.sh updateCrl failed (exit ${String(code)}): ${output.slice(-2000)}`),
        );
    });
  });
}
