import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
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

/** A value the test expects to be there. */
function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`expected ${what} in the store`);
  return value;
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

/** Bytes as a plain Uint8Array view into a larger buffer (not a Buffer, not at offset 0). */
function view(bytes: Uint8Array): Uint8Array {
  const backing = new Uint8Array(bytes.length + 16);
  backing.set(bytes, 7);
  return backing.subarray(7, 7 + bytes.length);
}

/** A value the legacy fixture binds. */
type LegacyParam = string | number | Uint8Array | null;

/**
 * The rows a store written before the shared-query store holds, inserted with the statements
 * the earlier per-engine code used (`?` placeholders; numbered for PostgreSQL).
 */
const LEGACY_ROWS: [string, LegacyParam[]][] = [
  [
    'INSERT INTO datasets (channel, dataset_id, columns, rows, owner) VALUES (?, ?, ?, ?, ?)',
    ['market', 'old', '["a"]', '[[1],[2],[3]]', 'User1'],
  ],
  [
    'INSERT INTO trade_keys (channel, trade_id, sealed_secret_key) VALUES (?, ?, ?)',
    ['market', 'old-trade', Buffer.from('old key')],
  ],
  [
    'INSERT INTO bundles (channel, trade_id, bytes, sha256) VALUES (?, ?, ?, ?)',
    ['market', 'old-trade', Buffer.from('old bundle'), 'oh'],
  ],
  [
    'INSERT INTO pump_log (channel, trade_id, action, detail, at) VALUES (?, ?, ?, ?, ?)',
    ['market', 'old-trade', 'bundle-stored', 'oh', 1_700_000_000_000],
  ],
  [
    'INSERT INTO checkpoints (name, block_number, transaction_id) VALUES (?, ?, ?)',
    ['pump:market', '9007199254740993', null],
  ],
];

interface Backend {
  /** A new, empty location for the current test. */
  fresh(): Promise<void>;
  /** Opens the current test's store (again: it sees what was written before). */
  open(): Promise<SellerStore>;
  /** Creates the current location's tables as the earlier store did, with LEGACY_ROWS. */
  createLegacy(): Promise<void>;
  /** The current location's tables: one line per column (type, nullability, default, key). */
  layout(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** Tables the store gained after the first layout (store/schema.ts). */
const ADDED_TABLES = [
  'request_nonces',
  'app_users',
  'key_budgets',
  'sample_keys',
  'sample_files',
  'computation_scripts',
  'trade_computations',
  'pool_seats',
];

/** The same assertions for each backend, a fresh store per test. */
function storeSuite(name: string, setup: () => Backend) {
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

    it('replaces a dataset in place and counts rows of each', async () => {
      const store = await open();
      await store.putDataset({ channel: 'm', datasetId: 'b', columns: ['x'], rows: [[1], [2]] });
      await store.putDataset({ channel: 'm', datasetId: 'a', columns: ['y'], rows: [] });
      await store.putDataset({ channel: 'm', datasetId: 'b', columns: ['z'], rows: [[0.5]] });
      expect(await store.listDatasets('m')).to.deep.equal([
        { datasetId: 'a', columns: ['y'], rowCount: 0 },
        { datasetId: 'b', columns: ['z'], rowCount: 1 },
      ]);
      expect((await store.getDataset('m', 'b'))?.rows).to.deep.equal([[0.5]]);
      await store.close();
    });

    it('inserts a dataset only when its id is free: concurrent inserts, one winner', async () => {
      const store = await open();
      const other = await open();
      const dataset = (value: number) => ({
        channel: 'm',
        datasetId: 'once',
        columns: ['x'],
        rows: [[value]],
      });
      const inserted = await Promise.all([
        store.insertDataset(dataset(1)),
        other.insertDataset(dataset(2)),
        store.insertDataset(dataset(3)),
      ]);
      expect(inserted.filter(Boolean)).to.have.length(1);
      const winner = inserted.indexOf(true) + 1;
      expect((await other.getDataset('m', 'once'))?.rows).to.deep.equal([[winner]]);
      expect(await store.insertDataset({ ...dataset(4), channel: 'n' })).to.equal(true);
      await other.close();
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
      const key = present(await store.getTradeKey('market', 't'), 'the trade key');
      expect(text(key.sealedSecretKey)).to.equal('sealed');
      const bundle = present(await store.getBundle('market', 't'), 'the bundle');
      expect(text(bundle.bytes)).to.equal('bundle');
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

    it('round-trips bytes exactly, from any byte view, empty included', async () => {
      const every = Uint8Array.from({ length: 256 * 4 }, (_, i) => i % 256);
      const large = randomBytes(256 * 1024);
      let store = await open();
      await store.putTradeMaterial(
        { channel: 'm', tradeId: 't', sealedSecretKey: view(every) },
        { channel: 'm', tradeId: 't', bytes: view(large), sha256: 'h' },
      );
      await store.putResult({ channel: 'm', tradeId: 't', bytes: new Uint8Array(0), sha256: 'e' });
      await store.putSample({
        channel: 'm',
        datasetId: 'd',
        bytes: view(large.subarray(1000, 5000)),
        sha256: 's',
        sealedSecretKey: every,
      });
      await store.putBuyerKey({
        channel: 'm',
        tradeId: 't',
        publicKeyPem: 'P',
        sealedPrivateKey: view(every.subarray(3)),
      });
      await store.close();
      store = await open();
      const same = (actual: Uint8Array, expected: Uint8Array) => {
        expect(actual).to.be.instanceOf(Uint8Array);
        expect(Buffer.from(actual).equals(Buffer.from(expected))).to.equal(true);
      };
      same(present(await store.getTradeKey('m', 't'), 'the key').sealedSecretKey, every);
      same(present(await store.getBundle('m', 't'), 'the bundle').bytes, large);
      same(present(await store.getResult('m', 't'), 'the result').bytes, new Uint8Array(0));
      const sample = present(await store.getSample('m', 'd'), 'the sample');
      same(sample.bytes, large.subarray(1000, 5000));
      same(sample.sealedSecretKey, every);
      const buyerKey = present(await store.getBuyerKey('m', 't'), 'the buyer key');
      same(buyerKey.sealedPrivateKey, every.subarray(3));
      await store.close();
    });

    it('keeps checkpoints as exact bigints, one per name', async () => {
      let store = await open();
      const beyondDoubles = 2n ** 53n + 1n;
      const maxUnsigned64 = 2n ** 64n - 1n;
      await store.putCheckpoint('a', 0n);
      await store.putCheckpoint('b', beyondDoubles, 'tx-b');
      await store.putCheckpoint('c', maxUnsigned64, 'tx-c');
      await store.close();
      store = await open();
      expect(await store.getCheckpoint('a')).to.deep.equal({
        blockNumber: 0n,
        transactionId: undefined,
      });
      expect(await store.getCheckpoint('b')).to.deep.equal({
        blockNumber: beyondDoubles,
        transactionId: 'tx-b',
      });
      expect((await store.getCheckpoint('c'))?.blockNumber).to.equal(maxUnsigned64);
      await store.putCheckpoint('b', beyondDoubles + 1n);
      expect(await store.getCheckpoint('b')).to.deep.equal({
        blockNumber: beyondDoubles + 1n,
        transactionId: undefined,
      });
      expect(await store.getCheckpoint('none')).to.equal(undefined);
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
      const key = present(await store.getTradeKey('market', 't'), 'the trade key');
      expect(text(key.sealedSecretKey)).to.equal('k2');
      expect((await store.getBundle('market', 't'))?.sha256).to.equal('h2');
      await store.close();
    });

    it('rolls back a failed replacement: the earlier key and bundle stay, and the store works on', async () => {
      const store = await open();
      await store.putTradeMaterial(
        { channel: 'm', tradeId: 't', sealedSecretKey: Buffer.from('k1') },
        { channel: 'm', tradeId: 't', bytes: Buffer.from('b1'), sha256: 'h1' },
      );
      const replacing = store.putTradeMaterial(
        { channel: 'm', tradeId: 't', sealedSecretKey: Buffer.from('k2') },
        { channel: 'm', tradeId: 't', bytes: Buffer.from('b2'), sha256: null as unknown as string },
      );
      await replacing.then(
        () => expect.fail('a NULL sha256 must be refused'),
        () => undefined,
      );
      const key = present(await store.getTradeKey('m', 't'), 'the trade key');
      expect(text(key.sealedSecretKey)).to.equal('k1');
      const bundle = present(await store.getBundle('m', 't'), 'the bundle');
      expect([text(bundle.bytes), bundle.sha256]).to.deep.equal(['b1', 'h1']);
      // No transaction is left open: the next writes commit and are seen by another store.
      await store.putTradeMaterial(
        { channel: 'm', tradeId: 'u', sealedSecretKey: Buffer.from('k3') },
        { channel: 'm', tradeId: 'u', bytes: Buffer.from('b3'), sha256: 'h3' },
      );
      await store.logPump('m', 'u', 'bundle-stored');
      await store.close();
      const again = await open();
      expect((await again.getBundle('m', 'u'))?.sha256).to.equal('h3');
      expect((await again.pumpLog('m', 'u')).length).to.equal(1);
      await again.close();
    });

    it('takes concurrent writes from two stores on one location', async () => {
      const [first, second] = await Promise.all([open(), open()]);
      const stores = [first, second];
      const trades = Array.from({ length: 24 }, (_, i) => `t${String(i)}`);
      await Promise.all(
        trades.flatMap((tradeId, i) => {
          const store = stores[i % 2] ?? first;
          return [
            store.putTradeMaterial(
              { channel: 'm', tradeId, sealedSecretKey: Buffer.from(`key ${tradeId}`) },
              { channel: 'm', tradeId, bytes: Buffer.from(`bundle ${tradeId}`), sha256: tradeId },
            ),
            store.logPump('m', tradeId, 'bundle-stored', tradeId),
            store.putCheckpoint(`pump:${tradeId}`, BigInt(i)),
          ];
        }),
      );
      // Many writers of one trade: the key and the bundle always come from the same write.
      await Promise.all(
        trades.map((_, i) =>
          (stores[i % 2] ?? first).putTradeMaterial(
            { channel: 'm', tradeId: 'shared', sealedSecretKey: Buffer.from(String(i)) },
            { channel: 'm', tradeId: 'shared', bytes: Buffer.from(String(i)), sha256: String(i) },
          ),
        ),
      );
      for (const [i, tradeId] of trades.entries()) {
        const reader = stores[(i + 1) % 2] ?? first;
        const key = present(await reader.getTradeKey('m', tradeId), `the key of ${tradeId}`);
        expect(text(key.sealedSecretKey)).to.equal(`key ${tradeId}`);
        expect((await reader.getBundle('m', tradeId))?.sha256).to.equal(tradeId);
        expect((await reader.getCheckpoint(`pump:${tradeId}`))?.blockNumber).to.equal(BigInt(i));
      }
      const log = await second.pumpLog('m');
      expect(log.map((entry) => entry.detail).sort()).to.deep.equal([...trades].sort());
      const shared = present(await first.getTradeKey('m', 'shared'), 'the shared key');
      const sharedBundle = present(await second.getBundle('m', 'shared'), 'the shared bundle');
      expect(text(sharedBundle.bytes)).to.equal(text(shared.sealedSecretKey));
      await Promise.all(stores.map((store) => store.close()));
    });

    it('journals the pump per channel and trade, in order', async () => {
      const store = await open();
      const before = Date.now();
      await store.logPump('m', 't1', 'one');
      await store.logPump('m', 't2', 'two', 'detail');
      await store.logPump('other', 't1', 'elsewhere');
      await store.logPump('m', 't1', 'three');
      const all = await store.pumpLog('m');
      expect(all.map((entry) => [entry.tradeId, entry.action, entry.detail])).to.deep.equal([
        ['t1', 'one', ''],
        ['t2', 'two', 'detail'],
        ['t1', 'three', ''],
      ]);
      expect((await store.pumpLog('m', 't1')).map((entry) => entry.action)).to.deep.equal([
        'one',
        'three',
      ]);
      for (const entry of all) {
        expect(entry.channel).to.equal('m');
        expect(entry.at).to.be.a('number').within(before, Date.now());
      }
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
      const stored = present(await store.getTradeKey('market', 't'), 'the key').sealedSecretKey;
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

    it('creates the same table layout as earlier versions', async () => {
      const store = await open();
      await store.close();
      const created = await backend.layout();
      await backend.cleanup();
      await backend.fresh();
      await backend.createLegacy();
      // Tables added since keep every earlier table as it was.
      const isAdded = (line: string) => ADDED_TABLES.some((table) => line.startsWith(`${table} `));
      expect(created.filter((line) => !isAdded(line))).to.deep.equal(await backend.layout());
      // request_nonces: 3 columns; app_users: 8; the privacy tables: 2 + 6 + 4 + 4 + 4;
      // pool_seats: 7.
      expect(created.filter(isAdded)).to.have.length(3 + 8 + 2 + 6 + 4 + 4 + 4 + 7);
      expect(created.length).to.be.greaterThan(30);
    });

    it('remembers request nonces per account until they expire, across reopening', async () => {
      let store = await open();
      const until = Date.now() + 60_000;
      expect(await store.rememberNonce('acct', 'nonce-1', until)).to.equal(true);
      expect(await store.rememberNonce('acct', 'nonce-1', until)).to.equal(false);
      expect(await store.rememberNonce('other', 'nonce-1', until)).to.equal(true);
      expect(await store.rememberNonce('acct', 'old', Date.now() - 1)).to.equal(true);
      await store.close();
      store = await open();
      expect(await store.rememberNonce('acct', 'nonce-1', until)).to.equal(false);
      // An expired nonce is forgotten (its request is refused by its time anyway).
      expect(await store.rememberNonce('acct', 'old', until)).to.equal(true);
      await store.close();
    });

    it('counts released values per key, never past its maximum, across reopening', async () => {
      let store = await open();
      expect(await store.keyBudgetSpent('k1')).to.equal(0);
      expect(await store.spendKeyBudget('k1', 30, 64)).to.equal(30);
      expect(await store.spendKeyBudget('k1', 30, 64)).to.equal(60);
      expect(await store.spendKeyBudget('k1', 5, 64)).to.equal(undefined);
      expect(await store.spendKeyBudget('k2', 64, 64)).to.equal(64);
      await store.close();
      store = await open();
      expect(await store.keyBudgetSpent('k1')).to.equal(60);
      expect(await store.spendKeyBudget('k1', 4, 64)).to.equal(64);
      expect(await store.spendKeyBudget('k1', 1, 64)).to.equal(undefined);
      await store.putSampleKey({
        channel: 'm',
        datasetId: 'd',
        requestedBy: 'acct',
        keyId: 'first',
        sealedSecretKey: Buffer.from('s1'),
        createdAt: 1,
      });
      await store.putSampleKey({
        channel: 'm',
        datasetId: 'd',
        requestedBy: 'acct',
        keyId: 'second',
        sealedSecretKey: Buffer.from('s2'),
        createdAt: 2,
      });
      expect((await store.getSampleKey('m', 'd', 'acct'))?.keyId).to.equal('second');
      expect(await store.getSampleKey('m', 'd', 'other')).to.equal(undefined);
      const named = { channel: 'm', tradeId: 't', computationId: 'xtx', paramsJson: '{}' };
      expect(await store.insertTradeComputation(named)).to.equal(true);
      expect(await store.insertTradeComputation({ ...named, paramsJson: '{"a":1}' })).to.equal(
        false,
      );
      expect((await store.getTradeComputation('m', 't'))?.paramsJson).to.equal('{}');
      await store.close();
    });

    it('accepts one result per trade', async () => {
      const store = await open();
      const result = (text: string) => ({
        channel: 'm',
        tradeId: 't',
        bytes: Buffer.from(text),
        sha256: text,
      });
      expect(await store.insertResult(result('first'))).to.equal(true);
      expect(await store.insertResult(result('second'))).to.equal(false);
      expect((await store.getResult('m', 't'))?.sha256).to.equal('first');
      await store.close();
    });

    it('opens a store written by an earlier version, and writes on', async () => {
      await backend.createLegacy();
      const store = await open();
      expect(await store.listDatasets('market')).to.deep.equal([
        { datasetId: 'old', columns: ['a'], rowCount: 3 },
      ]);
      expect((await store.getDataset('market', 'old'))?.owner).to.equal('User1');
      const key = present(await store.getTradeKey('market', 'old-trade'), 'the old key');
      expect(text(key.sealedSecretKey)).to.equal('old key');
      const bundle = present(await store.getBundle('market', 'old-trade'), 'the old bundle');
      expect([text(bundle.bytes), bundle.sha256]).to.deep.equal(['old bundle', 'oh']);
      expect(await store.getCheckpoint('pump:market')).to.deep.equal({
        blockNumber: 9007199254740993n,
        transactionId: undefined,
      });
      await store.logPump('market', 'old-trade', 'delivered');
      const log = await store.pumpLog('market', 'old-trade');
      expect(log.map((entry) => [entry.action, entry.at > 0])).to.deep.equal([
        ['bundle-stored', true],
        ['delivered', true],
      ]);
      expect(log[0]?.at).to.equal(1_700_000_000_000);
      await store.close();
    });
  });
}

/** The SQLite tables of the store before its queries were shared (PRAGMAs as it set them). */
const LEGACY_SQLITE_SCHEMA = `
  PRAGMA journal_mode = WAL;
  CREATE TABLE IF NOT EXISTS datasets (
    channel TEXT NOT NULL, dataset_id TEXT NOT NULL,
    columns TEXT NOT NULL, rows TEXT NOT NULL, owner TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (channel, dataset_id));
  CREATE TABLE IF NOT EXISTS trade_keys (
    channel TEXT NOT NULL, trade_id TEXT NOT NULL, sealed_secret_key BLOB NOT NULL,
    PRIMARY KEY (channel, trade_id));
  CREATE TABLE IF NOT EXISTS bundles (
    channel TEXT NOT NULL, trade_id TEXT NOT NULL, bytes BLOB NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY (channel, trade_id));
  CREATE TABLE IF NOT EXISTS results (
    channel TEXT NOT NULL, trade_id TEXT NOT NULL, bytes BLOB NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY (channel, trade_id));
  CREATE TABLE IF NOT EXISTS samples (
    channel TEXT NOT NULL, dataset_id TEXT NOT NULL, bytes BLOB NOT NULL,
    sha256 TEXT NOT NULL, sealed_secret_key BLOB NOT NULL,
    PRIMARY KEY (channel, dataset_id));
  CREATE TABLE IF NOT EXISTS buyer_keys (
    channel TEXT NOT NULL, trade_id TEXT NOT NULL, public_key_pem TEXT NOT NULL,
    sealed_private_key BLOB NOT NULL,
    PRIMARY KEY (channel, trade_id));
  CREATE TABLE IF NOT EXISTS pump_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, trade_id TEXT NOT NULL,
    action TEXT NOT NULL, detail TEXT NOT NULL, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS checkpoints (
    name TEXT PRIMARY KEY, block_number TEXT NOT NULL, transaction_id TEXT);
`;

/** The PostgreSQL tables of the store before its queries were shared. */
const LEGACY_POSTGRES_SCHEMA = LEGACY_SQLITE_SCHEMA.replace('PRAGMA journal_mode = WAL;', '')
  .replaceAll('BLOB', 'BYTEA')
  .replace('id INTEGER PRIMARY KEY AUTOINCREMENT', 'id BIGSERIAL PRIMARY KEY')
  .replace('at INTEGER', 'at BIGINT');

storeSuite('SQLite', () => {
  let dir = '';
  let file = '';
  const withDatabase = <T>(work: (db: DatabaseSync) => T): T => {
    const db = new DatabaseSync(file);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    fresh: () => {
      dir = mkdtempSync(path.join(tmpdir(), 'dm-store-'));
      file = path.join(dir, 'store.db');
      return Promise.resolve();
    },
    open: async () => {
      const store = await openSellerStore(file);
      expect(store).to.be.instanceOf(SqliteSellerStore);
      return store;
    },
    createLegacy: () => {
      withDatabase((db) => {
        db.exec(LEGACY_SQLITE_SCHEMA);
        for (const [sql, params] of LEGACY_ROWS) db.prepare(sql).run(...params);
      });
      return Promise.resolve();
    },
    layout: () =>
      Promise.resolve(
        withDatabase((db) =>
          db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .all()
            .flatMap(({ name }) =>
              db
                .prepare(`PRAGMA table_info(${String(name)})`)
                .all()
                .map((c) =>
                  [name, c.name, c.type, c.notnull, c.dflt_value, c.pk].map(String).join(' '),
                ),
            ),
        ),
      ),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
});

storeSuite('PostgreSQL', () => {
  // A throwaway server (test-network-scripts/postgres.sh) for the suite, a database per test.
  let dir = '';
  let admin: pg.Client | undefined;
  let url = '';
  let n = 0;
  const withDatabase = async <T>(work: (db: pg.Client) => Promise<T>): Promise<T> => {
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  };
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
      if (!admin) throw new Error('the PostgreSQL server did not start');
      const db = `store_test_${String(process.pid)}_${String(++n)}`;
      await admin.query(`CREATE DATABASE ${db}`);
      url = `postgresql://postgres@127.0.0.1:${String(PG_PORT)}/${db}`;
    },
    open: async () => {
      const store = await openSellerStore(url);
      expect(store).to.be.instanceOf(PostgresSellerStore);
      return store;
    },
    createLegacy: () =>
      withDatabase(async (db) => {
        await db.query(LEGACY_POSTGRES_SCHEMA);
        for (const [sql, params] of LEGACY_ROWS) {
          let i = 0;
          await db.query(
            sql.replace(/\?/g, () => `$${String(++i)}`),
            params,
          );
        }
      }),
    layout: () =>
      withDatabase(async (db) => {
        const { rows } = await db.query<Record<string, unknown>>(
          `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default,
             (SELECT count(*) FROM information_schema.key_column_usage k
              JOIN information_schema.table_constraints t
                ON t.constraint_name = k.constraint_name AND t.constraint_type = 'PRIMARY KEY'
              WHERE k.table_name = c.table_name AND k.column_name = c.column_name) AS pk
           FROM information_schema.columns c WHERE c.table_schema = 'public'
           ORDER BY c.table_name, c.ordinal_position`,
        );
        return rows.map((row) => Object.values(row).map(String).join(' '));
      }),
    cleanup: () => Promise.resolve(),
  };
});

describe('gateway: SQLite store, opening a file another app holds', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dm-store-open-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits for the write lock of another connection instead of failing at once', async () => {
    const file = path.join(dir, 'store.db');
    // Another app mid-write on the file, not yet in WAL: SQLite refuses the switch to WAL at
    // once (no busy handler) while this lock is held.
    const holder = new DatabaseSync(file);
    holder.exec('CREATE TABLE other_app (a); BEGIN IMMEDIATE; INSERT INTO other_app VALUES (1);');
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        holder.exec('COMMIT');
        holder.close();
        resolve();
      }, 300),
    );
    const store = await openSellerStore(file);
    await released;
    await store.putCheckpoint('pump:m', 7n);
    expect((await store.getCheckpoint('pump:m'))?.blockNumber).to.equal(7n);
    await store.close();
  });

  it('opens one new file from two stores at once, twenty times over', async () => {
    for (let i = 0; i < 20; i += 1) {
      const file = path.join(dir, `store-${String(i)}.db`);
      const stores = await Promise.all([openSellerStore(file), openSellerStore(file)]);
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
