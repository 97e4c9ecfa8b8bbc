import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SellerStore } from '../../../src/gateway/store/seller-store.js';

describe('gateway: seller store (SQLite)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dm-store-'));
    file = path.join(dir, 'store.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps datasets per channel, with their owner', () => {
    const store = new SellerStore(file);
    store.putDataset({
      channel: 'market',
      datasetId: 'd1',
      columns: ['a', 'b'],
      rows: [
        [1, 2],
        [3, 4],
      ],
      owner: 'User1',
    });
    store.putDataset({ channel: 'other', datasetId: 'd1', columns: ['a'], rows: [[9]] });
    expect(store.getDataset('market', 'd1')).to.deep.equal({
      channel: 'market',
      datasetId: 'd1',
      columns: ['a', 'b'],
      rows: [
        [1, 2],
        [3, 4],
      ],
      owner: 'User1',
    });
    expect(store.getDataset('other', 'd1')?.owner).to.equal(undefined);
    expect(store.listDatasets('market')).to.deep.equal([
      { datasetId: 'd1', columns: ['a', 'b'], rowCount: 2 },
    ]);
    store.deleteDataset('market', 'd1');
    expect(store.getDataset('market', 'd1')).to.equal(undefined);
    store.close();
  });

  it('stores a trade key and bundle together, and survives reopening', () => {
    let store = new SellerStore(file);
    store.putTradeMaterial(
      { channel: 'market', tradeId: 't', sealedSecretKey: Buffer.from('sealed') },
      { channel: 'market', tradeId: 't', bytes: Buffer.from('bundle'), sha256: 'h' },
    );
    store.putResult({ channel: 'market', tradeId: 't', bytes: Buffer.from('r'), sha256: 'rh' });
    store.putCheckpoint('pump:market', 12n, 'tx');
    store.logPump('market', 't', 'bundle-stored', 'h');
    store.close();
    store = new SellerStore(file);
    expect(Buffer.from(store.getTradeKey('market', 't')!.sealedSecretKey).toString()).to.equal(
      'sealed',
    );
    expect(Buffer.from(store.getBundle('market', 't')!.bytes).toString()).to.equal('bundle');
    expect(store.getResult('market', 't')?.sha256).to.equal('rh');
    expect(store.getCheckpoint('pump:market')).to.deep.equal({
      blockNumber: 12n,
      transactionId: 'tx',
    });
    store.putCheckpoint('pump:market', 13n);
    expect(store.getCheckpoint('pump:market')).to.deep.equal({
      blockNumber: 13n,
      transactionId: undefined,
    });
    expect(store.pumpLog('market', 't').map((e) => e.action)).to.deep.equal(['bundle-stored']);
    expect(store.getBundle('market', 'nope')).to.equal(undefined);
    store.close();
  });

  it('keeps samples and buyer keys', () => {
    const store = new SellerStore(file);
    store.putSample({
      channel: 'm',
      datasetId: 'd',
      bytes: Buffer.from('s'),
      sha256: 'x',
      sealedSecretKey: Buffer.from('k'),
    });
    expect(store.getSample('m', 'd')?.sha256).to.equal('x');
    store.deleteSample('m', 'd');
    expect(store.getSample('m', 'd')).to.equal(undefined);
    store.putBuyerKey({
      channel: 'm',
      tradeId: 't',
      publicKeyPem: 'P',
      sealedPrivateKey: Buffer.from('S'),
    });
    expect(store.getBuyerKey('m', 't')?.publicKeyPem).to.equal('P');
    store.close();
  });
});
