import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { labels } from '../../../src/gateway/key-labels.js';
import { Sealer } from '../../../src/gateway/crypto/sealing.js';
import {
  openSellerStore,
  PostgresSellerStore,
  SqliteSellerStore,
  type SellerStore,
} from '../../../src/gateway/store/seller-store.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
const postgresScript = path.join(repo, 'test-network-scripts/postgres.sh');
const PG_PORT = Number(process.env.DATAMARKET_TEST_PG_PORT ?? 55432);

/**
 * The same assertions for each backend. `open()` opens the current test's store (a fresh one
 * per test; opening it again sees what was written before).
 */
function storeSuite(
  name: string,
  setup: () => { fresh(): Promise<void>; open(): Promise<SellerStore>; cleanup(): Promise<void> },
) {
  describe(`gateway: seller store (${name})`, () => {
    const backend = setup();
    const open = () => backend.open();
    beforeEach(() => backend.fresh());
    afterEach(() => backend.cleanup());

    it('keeps datasets per channel, with their owner', async () => {
      const store = await open();
      await store.putDataset({
        channel: 'market',
        datasetId: 'd1',
        columns: ['a', 'b'],
        rows: [
          [1, 2],
          [3, 4],
        ],
        owner: 'User1',
      });
      await store.putDataset({ channel: 'other', datasetId: 'd1', columns: ['a'], rows: [[9]] });
      expect(await store.getDataset('market', 'd1')).to.deep.equal({
        channel: 'market',
        datasetId: 'd1',
        columns: ['a', 'b'],
        rows: [
          [1, 2],
          [3, 4],
        ],
        owner: 'User1',
      });
      expect((await store.getDataset('other', 'd1'))?.owner).to.equal(undefined);
      expect(await store.listDatasets('market')).to.deep.equal([
        { datasetId: 'd1', columns: ['a', 'b'], rowCount: 2 },
      ]);
      await store.deleteDataset('market', 'd1');
      expect(await store.getDataset('market', 'd1')).to.equal(undefined);
      await store.close();
    });

    it('stores a trade key and bundle together, and survives reopening', async () => {
      let store = await open();
      await store.putTradeMaterial(
        { channel: 'market', tradeId: 't', sealedSecretKey: Buffer.from('sealed') },
        { channel: 'market', tradeId: 't', bytes: Buffer.from('bundle'), sha256: 'h' },
      );
      await store.putResult({
        channel: 'market',
        tradeId: 't',
        bytes: Buffer.from('r'),
        sha256: 'rh',
      });
      await store.putCheckpoint('pump:market', 12n, 'tx');
      await store.logPump('market', 't', 'bundle-stored', 'h');
      await store.close();
      store = await open();
      expect(
        Buffer.from((await store.getTradeKey('market', 't'))!.sealedSecretKey).toString(),
      ).to.equal('sealed');
      expect(Buffer.from((await store.getBundle('market', 't'))!.bytes).toString()).to.equal(
        'bundle',
      );
      expect((await store.getResult('market', 't'))?.sha256).to.equal('rh');
      expect(await store.getCheckpoint('pump:market')).to.deep.equal({
        blockNumber: 12n,
        transactionId: 'tx',
      });
      await store.putCheckpoint('pump:market', 13n);
      expect(await store.getCheckpoint('pump:market')).to.deep.equal({
        blockNumber: 13n,
        transactionId: undefined,
      });
      expect((await store.pumpLog('market', 't')).map((e) => e.action)).to.deep.equal([
        'bundle-stored',
      ]);
      expect(await store.getBundle('market', 'nope')).to.equal(undefined);
      await store.close();
    });

    it('writes a trade key and bundle atomically: a failed bundle leaves no key', async () => {
      const store = await open();
      let failed = false;
      try {
        await store.putTradeMaterial(
          { channel: 'market', tradeId: 'half', sealedSecretKey: Buffer.from('sealed') },
          // sha256 is NOT NULL: the second insert fails, the first must be rolled back.
          {
            channel: 'market',
            tradeId: 'half',
            bytes: Buffer.from('bundle'),
            sha256: null as unknown as string,
          },
        );
      } catch {
        failed = true;
      }
      expect(failed).to.equal(true);
      expect(await store.getTradeKey('market', 'half')).to.equal(undefined);
      expect(await store.getBundle('market', 'half')).to.equal(undefined);
      // Replacing stored material keeps one row each.
      await store.putTradeMaterial(
        { channel: 'market', tradeId: 't', sealedSecretKey: Buffer.from('k1') },
        { channel: 'market', tradeId: 't', bytes: Buffer.from('b1'), sha256: 'h1' },
      );
      await store.putTradeMaterial(
        { channel: 'market', tradeId: 't', sealedSecretKey: Buffer.from('k2') },
        { channel: 'market', tradeId: 't', bytes: Buffer.from('b2'), sha256: 'h2' },
      );
      expect(
        Buffer.from((await store.getTradeKey('market', 't'))!.sealedSecretKey).toString(),
      ).to.equal('k2');
      expect((await store.getBundle('market', 't'))?.sha256).to.equal('h2');
      await store.close();
    });

    it('keeps secret keys sealed at rest: stored bytes open only with the store secret', async () => {
      const sealer = new Sealer('unit test store secret');
      const secret = randomBytes(64);
      const sealed = sealer.seal(secret, labels.tradeKey('market', 't'));
      let store = await open();
      await store.putTradeMaterial(
        { channel: 'market', tradeId: 't', sealedSecretKey: sealed },
        { channel: 'market', tradeId: 't', bytes: Buffer.from('bundle'), sha256: 'h' },
      );
      await store.close();
      store = await open();
      const stored = (await store.getTradeKey('market', 't'))!.sealedSecretKey;
      expect(Buffer.from(stored).includes(secret)).to.equal(false);
      expect(sealer.open(stored, labels.tradeKey('market', 't')).equals(secret)).to.equal(true);
      expect(() =>
        new Sealer('another store secret!').open(stored, labels.tradeKey('market', 't')),
      ).to.throw();
      await store.close();
    });

    it('keeps samples and buyer keys', async () => {
      const store = await open();
      await store.putSample({
        channel: 'm',
        datasetId: 'd',
        bytes: Buffer.from('s'),
        sha256: 'x',
        sealedSecretKey: Buffer.from('k'),
      });
      expect((await store.getSample('m', 'd'))?.sha256).to.equal('x');
      await store.deleteSample('m', 'd');
      expect(await store.getSample('m', 'd')).to.equal(undefined);
      await store.putBuyerKey({
        channel: 'm',
        tradeId: 't',
        publicKeyPem: 'P',
        sealedPrivateKey: Buffer.from('S'),
      });
      expect((await store.getBuyerKey('m', 't'))?.publicKeyPem).to.equal('P');
      await store.close();
    });
  });
}

storeSuite('SQLite', () => {
  let dir = '';
  let file = '';
  return {
    fresh: async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'dm-store-'));
      file = path.join(dir, 'store.db');
    },
    open: async () => {
      const store = await openSellerStore(file);
      expect(store).to.be.instanceOf(SqliteSellerStore);
      return store;
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

storeSuite('PostgreSQL', () => {
  // A throwaway server (test-network-scripts/postgres.sh) for the suite, a database per test.
  let dir = '';
  let admin: pg.Client | undefined;
  let url = '';
  let n = 0;
  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(path.join(tmpdir(), 'dm-pg-'));
    const serverUrl = execFileSync(postgresScript, ['start', dir, String(PG_PORT)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
  });
  after(async function () {
    this.timeout(60_000);
    await admin?.end();
    if (dir) execFileSync(postgresScript, ['stop', dir], { stdio: 'inherit' });
  });
  return {
    fresh: async () => {
      const db = `store_test_${process.pid}_${++n}`;
      await admin!.query(`CREATE DATABASE ${db}`);
      url = `postgresql://postgres@127.0.0.1:${PG_PORT}/${db}`;
    },
    open: async () => {
      const store = await openSellerStore(url);
      expect(store).to.be.instanceOf(PostgresSellerStore);
      return store;
    },
    cleanup: async () => undefined,
  };
});
