import { expect } from 'chai';
import { MAX_REASON } from '@datamarket/chaincode/api';
import { decryptWithResultKey, sha256Hex } from '../../../src/gateway/crypto/result-envelope.js';
import type { PlainResult } from '../../../src/gateway/types.js';
import {
  BUYER,
  CHANNEL,
  eventually,
  fakeResult,
  pumpFixture,
  untilAction,
  untilState,
  type PumpFixture,
} from './pump-fixture.js';

describe('gateway pump (in-process): settlement', () => {
  let f: PumpFixture;
  beforeEach(async () => {
    f = await pumpFixture();
    await f.list('heart');
  });
  afterEach(async () => {
    await f.close();
  });

  /** A trade the pump delivered (the pump keeps running). */
  async function delivered(resultKey?: string): Promise<string> {
    f.startPump();
    const tradeId = await f.purchase('heart', resultKey);
    await untilState(f, tradeId, 'DELIVERED');
    return tradeId;
  }

  async function rejectedWith(tradeId: string): Promise<string> {
    const trade = await untilState(f, tradeId, 'REJECTED');
    await untilAction(f, tradeId, 'result-rejected');
    return trade.rejectReason ?? '';
  }

  it('ResultSubmitted: decrypts, delivers the result to the buyer key, trade SETTLED', async () => {
    const tradeId = await delivered();
    await f.submitResult(tradeId, fakeResult({ values: [1.5, 2.5] }), 2);
    const trade = await untilState(f, tradeId, 'SETTLED');
    expect(trade.paidToSeller).to.equal('100');
    await untilAction(f, tradeId, 'result-delivered');

    const result = await f.buyer.getDeliveredResult(BUYER, CHANNEL, tradeId);
    const privateKey = f.buyerKeys.get(tradeId) ?? '';
    const plain = decryptWithResultKey(privateKey, result.encryptedResult);
    expect(sha256Hex(plain)).to.equal(result.resultDigest);
    expect(JSON.parse(plain.toString('utf8')) as PlainResult).to.deep.equal({
      tradeId,
      datasetId: 'heart',
      values: [1.5, 2.5],
    });
    expect(f.submits('DeliverResult')).to.equal(1);
  });

  it("compacts the seller's balance every N settlements it made (compactBalanceEvery)", async () => {
    f.config.compactBalanceEvery = 2;
    f.startPump();
    for (let i = 0; i < 2; i++) {
      const tradeId = await f.purchase('heart');
      await untilState(f, tradeId, 'DELIVERED');
      await f.submitResult(tradeId, fakeResult({ values: [1] }), 1);
      await untilState(f, tradeId, 'SETTLED');
    }
    await eventually(() => f.submits('CompactBalance') === 1, 'a CompactBalance');
    await eventually(
      () =>
        f.lines.some((line) => /^balance of User1 on market: [2-9]\d* credits folded$/.test(line)),
      'its log line',
    );
  });

  it('compacts no balance before the default 100 payouts', async () => {
    const tradeId = await delivered();
    await f.submitResult(tradeId, fakeResult({ values: [1] }), 1);
    await untilState(f, tradeId, 'SETTLED');
    await untilAction(f, tradeId, 'result-delivered');
    expect(f.submits('CompactBalance')).to.equal(0);
  });

  it('a DeliverResult that committed but whose answer was lost is journaled result-delivered once', async () => {
    const tradeId = await delivered();
    f.seller.failNext('CommitOutcomeUnknown', { fn: 'DeliverResult', committed: true });
    await f.submitResult(tradeId, fakeResult({ values: [4] }), 1);
    await untilState(f, tradeId, 'SETTLED');
    await untilAction(f, tradeId, 'result-delivered');
    const log = await f.store.pumpLog(CHANNEL, tradeId);
    const actions = log.map((entry) => entry.action);
    expect(actions.slice(-2)).to.deep.equal(['deliver-result-sent', 'result-delivered']);
    expect(actions.filter((a) => a === 'result-delivered')).to.have.length(1);
    expect(log.at(-1)?.detail).to.match(/^recovered/);
    expect(f.submits('DeliverResult')).to.equal(1);
  });

  it('rejects when no result was uploaded', async () => {
    const tradeId = await delivered();
    await f.buyer.submitResult(BUYER, CHANNEL, tradeId, sha256Hex('never uploaded'), 1);
    expect(await rejectedWith(tradeId)).to.match(/no encrypted result was uploaded/);
    expect(f.crypto.decryptions).to.equal(0);
  });

  it('rejects an upload whose hash is not the one on chain', async () => {
    const tradeId = await delivered();
    const uploaded = fakeResult({ values: [1] });
    await f.store.putResult({
      channel: CHANNEL,
      tradeId,
      bytes: uploaded,
      sha256: sha256Hex(uploaded),
    });
    await f.buyer.submitResult(BUYER, CHANNEL, tradeId, sha256Hex('something else'), 1);
    expect(await rejectedWith(tradeId)).to.match(/does not match the on-chain resultHash/);
  });

  it('rejects a result the engine refuses, with its reason (cut to MAX_REASON)', async () => {
    const tradeId = await delivered();
    await f.submitResult(tradeId, fakeResult({ refuse: 'too many values' }), 1);
    expect(await rejectedWith(tradeId)).to.equal('too many values');

    const long = await f.purchase('heart');
    await untilState(f, long, 'DELIVERED');
    await f.submitResult(long, fakeResult({ refuse: 'x'.repeat(MAX_REASON + 50) }), 1);
    expect(await rejectedWith(long)).to.have.length(MAX_REASON);
  });

  it('rejects once the decryption deadline has passed', async () => {
    const pump = f.startPump();
    const tradeId = await f.purchase('heart');
    await untilState(f, tradeId, 'DELIVERED');
    await pump.stop();
    await f.submitResult(tradeId, fakeResult({ values: [1] }), 1);
    f.network.advance(1800 * 1000);
    f.startPump();
    expect(await rejectedWith(tradeId)).to.equal('the decryption deadline has passed');
    expect(f.crypto.decryptions).to.equal(0);
  });

  it('rejects when the buyer result key cannot be encrypted to', async () => {
    // Well-formed for the contract (bare base64), but no X25519 public key.
    const tradeId = await delivered('AAAAAAAAAAAAAAAA');
    await f.submitResult(tradeId, fakeResult({ values: [1] }), 1);
    expect(await rejectedWith(tradeId)).to.match(/^cannot encrypt to the buyer's result key: /);
    expect(f.submits('DeliverResult')).to.equal(0);
  });

  it('a ResultSubmitted event seen again after settling does nothing', async () => {
    const pump = f.startPump();
    const tradeId = await f.purchase('heart');
    await untilState(f, tradeId, 'DELIVERED');
    await f.submitResult(tradeId, fakeResult({ values: [3] }), 1);
    await untilState(f, tradeId, 'SETTLED');
    await untilAction(f, tradeId, 'result-delivered');
    await pump.stop();
    await f.store.putCheckpoint(`pump:${CHANNEL}`, 0n);
    f.startPump();
    await untilAction(f, tradeId, 'skip-result');
    expect(f.submits('DeliverResult')).to.equal(1);
    expect(f.crypto.decryptions).to.equal(1);
  });
});
