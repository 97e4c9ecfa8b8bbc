import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const script = path.join(repoRoot, 'test-network-scripts', 'install-fabric.sh');

describe('Fabric binaries install step', () => {
  it('says what to install when Go is missing, and builds nothing', () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'datamarket-cache-'));
    try {
      const run = spawnSync('bash', [script], {
        env: { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', DATAMARKET_CACHE: cache },
        encoding: 'utf8',
      });
      expect(run.status).to.equal(1);
      expect(run.stderr).to.match(/Go is not installed.*install Go >= 1\.24/s);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('reports the pinned Fabric build it installed', () => {
    const run = spawnSync('bash', [script, '--print-dir'], { encoding: 'utf8' });
    expect(run.status).to.equal(0);
    const binDir = run.stdout.trim().split('\n').at(-1) ?? '';
    const version = spawnSync(path.join(binDir, 'peer'), ['version'], { encoding: 'utf8' });
    expect(version.stdout).to.match(/Version: 2\.5\.9-dev\+7c3876255bf0/);
  });

  it('reports the pinned Fabric CA build it installed, server and client', () => {
    const run = spawnSync('bash', [script, '--print-ca-dir'], { encoding: 'utf8' });
    expect(run.status).to.equal(0);
    const binDir = run.stdout.trim().split('\n').at(-1) ?? '';
    for (const binary of ['fabric-ca-server', 'fabric-ca-client']) {
      const version = spawnSync(path.join(binDir, binary), ['version'], { encoding: 'utf8' });
      expect(version.stdout, binary).to.match(/Version: 1\.5\.15\b/);
    }
  });
});
