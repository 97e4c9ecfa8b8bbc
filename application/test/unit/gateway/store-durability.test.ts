import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SqliteSellerStore } from '../../../src/gateway/store/seller-store.js';

const writerScript = fileURLToPath(new URL('./store/killed-writer.js', import.meta.url));

/** Starts the writer, SIGKILLs it once it has reported `atLeast` writes; what it reported. */
function killAfter(file: string, atLeast: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerScript, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const written: string[] = [];
    let pending = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const id = /^written (\S+)$/.exec(line)?.[1];
        if (id) written.push(id);
      }
      // Killed while more writes are in flight: the reported ones must all be on disk.
      if (written.length >= atLeast) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(written);
      else reject(new Error(`the writer exited ${String(code)} before it was killed: ${stderr}`));
    });
  });
}

describe('gateway: SQLite store durability (writes on their own thread, group commit)', function () {
  this.timeout(60_000);

  it('keeps every buyer key and journal entry whose write resolved, when the app is SIGKILLed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-durable-'));
    const file = path.join(dir, 'store.db');
    try {
      const written = await killAfter(file, 200);
      expect(written.length).to.be.at.least(200);
      const store = await SqliteSellerStore.open(file);
      try {
        const journal = new Set((await store.pumpLog('market')).map((e) => e.tradeId));
        const lost: string[] = [];
        for (const tradeId of written) {
          const key = await store.getBuyerKey('market', tradeId);
          if (key?.publicKeyPem !== `public ${tradeId}` || !journal.has(tradeId))
            lost.push(tradeId);
        }
        expect(
          lost,
          `${String(lost.length)} of ${String(written.length)} resolved writes lost`,
        ).to.deep.equal([]);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers calls in the order they were made, a failed one alone rolled back', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-batch-'));
    const store = new SqliteSellerStore(path.join(dir, 'store.db'));
    try {
      // One burst: the calls share commits, but each keeps its own outcome.
      const key = (tradeId: string) => ({
        channel: 'market',
        tradeId,
        publicKeyPem: `public ${tradeId}`,
        sealedPrivateKey: Buffer.from(tradeId),
      });
      const outcomes = await Promise.allSettled([
        store.putBuyerKey(key('a')),
        store.putTradeMaterial(
          { channel: 'market', tradeId: 'b', sealedSecretKey: Buffer.from('k') },
          // sha256 is NOT NULL: the bundle is refused, and the key with it.
          {
            channel: 'market',
            tradeId: 'b',
            bytes: Buffer.from('x'),
            sha256: null as unknown as string,
          },
        ),
        store.putBuyerKey(key('c')),
        store.getBuyerKey('market', 'c'),
      ]);
      expect(outcomes.map((o) => o.status)).to.deep.equal([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      const [, , , read] = outcomes;
      expect(read.status === 'fulfilled' && read.value?.publicKeyPem).to.equal('public c');
      expect(await store.getTradeKey('market', 'b')).to.equal(undefined);
      expect((await store.getBuyerKey('market', 'a'))?.publicKeyPem).to.equal('public a');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file it cannot open when opened, and calls after close', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-open-'));
    try {
      const missing = path.join(dir, 'no', 'such', 'dir', 'store.db');
      let refused: unknown;
      await SqliteSellerStore.open(missing).catch((error: unknown) => (refused = error));
      expect(String(refused)).to.match(/unable to open|cannot open/i);
      const store = await SqliteSellerStore.open(path.join(dir, 'store.db'));
      await store.close();
      let closed: unknown;
      await store.getBuyerKey('market', 'a').catch((error: unknown) => (closed = error));
      expect(String(closed)).to.match(/closed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
