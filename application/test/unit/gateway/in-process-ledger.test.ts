import { expect } from 'chai';
import { TRADE_EVENT } from '@datamarket/chaincode/api';
import { generateResultKeyPair } from '../../../src/gateway/crypto/result-envelope.js';
import {
  ChannelNotAccessible,
  ChannelNotFound,
  CommitOutcomeUnknown,
  ContractRefusal,
  NotFound,
  AccessDenied,
  TransactionConflict,
} from '../../../src/gateway/ledger/errors.js';
import { DEFAULT_CONFLICT_RETRY } from '../../../src/gateway/ledger/conflict-retry.js';
import type { LedgerEvent } from '../../../src/gateway/ledger/market-ledger.js';
import { fundedNetwork, ORG_ADMIN, type FundedNetwork } from '../../support/index.js';
import { listing } from './pump-fixture.js';

const CHANNEL = 'market';

async function take(
  ledger: FundedNetwork['seller'],
  count: number,
  from?: { blockNumber: bigint; transactionId?: string },
): Promise<LedgerEvent[]> {
  const stream = await ledger.events('User1', CHANNEL, from, 0n);
  const out: LedgerEvent[] = [];
  for await (const event of stream) {
    out.push(event);
    if (out.length === count) break;
  }
  stream.close();
  return out;
}

describe('test support: in-process MarketLedger', () => {
  let m: FundedNetwork;
  beforeEach(async () => {
    m = await fundedNetwork();
    await m.seller.registerOrgApp(ORG_ADMIN, CHANNEL, 'https://seller.example.com/gateway');
  });

  it('funds the buyers and lets orgs trade on one channel', async () => {
    const buyerAccount = await m.buyer.accountId('User1', CHANNEL);
    expect(buyerAccount).to.equal(m.buyer.accountOf('User1'));
    expect(await m.buyer.balanceOf('User1', CHANNEL, buyerAccount)).to.equal('1000');
    await m.seller.createListing('User1', CHANNEL, listing('d1'));
    let seen = '';
    const { txId, result, blockNumber } = await m.buyer.purchase(
      'User1',
      CHANNEL,
      {
        datasetId: 'd1',
        buyerResultKey: generateResultKeyPair().publicKeyPem,
        expected: { price: '100', deposit: '10' },
      },
      (tradeId) => {
        seen = tradeId;
        return Promise.resolve();
      },
    );
    expect(seen).to.equal(txId);
    expect(result.tradeId).to.equal(txId);
    expect(result.seller).to.equal(m.seller.accountOf('User1'));
    expect(blockNumber).to.equal(BigInt(m.network.channel(CHANNEL)?.transactions.length ?? 0));
    expect(await m.buyer.balanceOf('User1', CHANNEL, buyerAccount)).to.equal('890');
    const page = await m.auditor.listTrades(
      'User1',
      CHANNEL,
      { by: 'dataset', datasetId: 'd1' },
      {},
    );
    expect(page.records.map((t) => t.tradeId)).to.deep.equal([txId]);
    expect((await m.auditor.auditSupply('Admin', CHANNEL)).balanced).to.equal(true);
  });

  it('turns contract errors into ContractRefusal with the code', async () => {
    const refused = await m.buyer.getTrade('User1', CHANNEL, 'nope').catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(ContractRefusal);
    expect((refused as ContractRefusal).code).to.equal('NOT_FOUND');
    await m.seller.createListing('User1', CHANNEL, listing('d1'));
    const changed = await m.buyer
      .purchase(
        'User1',
        CHANNEL,
        {
          datasetId: 'd1',
          buyerResultKey: generateResultKeyPair().publicKeyPem,
          expected: { price: '99', deposit: '10' },
        },
        () => Promise.resolve(),
      )
      .catch((e: unknown) => e);
    expect((changed as ContractRefusal).code).to.equal('TERMS_CHANGED');
  });

  it('refuses unknown users, unknown channels and channels the org is not in', async () => {
    m.network.addChannel('private', ['SellerMSP']);
    const fail = (p: Promise<unknown>) => p.catch((e: unknown) => e);
    expect(await fail(m.buyer.accountId('Mallory', CHANNEL))).to.be.instanceOf(AccessDenied);
    expect(await fail(m.buyer.accountId('User1', 'nowhere'))).to.be.instanceOf(ChannelNotFound);
    expect(await fail(m.buyer.accountId('User1', 'private'))).to.be.instanceOf(
      ChannelNotAccessible,
    );
    expect(await m.seller.accountId('User1', 'private')).to.equal(m.seller.accountOf('User1'));
  });

  it('streams committed events in order and resumes after a position', async () => {
    await m.seller.createListing('User1', CHANNEL, listing('d1'));
    const all = await take(m.seller, 4);
    expect(all.map((e) => e.name)).to.deep.equal([
      'TokenEvent',
      'TokenEvent',
      'TokenEvent',
      'ListingEvent',
    ]);
    // Block 4 is the seller org's RegisterOrgApp, which emits no event.
    expect(all.map((e) => e.blockNumber)).to.deep.equal([1n, 2n, 3n, 5n]);
    const [, second] = all;
    if (!second) throw new Error('no second event');
    const resumed = await take(m.seller, 2, {
      blockNumber: second.blockNumber,
      transactionId: second.transactionId,
    });
    expect(resumed.map((e) => e.blockNumber)).to.deep.equal([3n, 5n]);
    // A live stream sees a later commit.
    const stream = await m.seller.events('User1', CHANNEL, { blockNumber: 6n }, 0n);
    const next = (async () => {
      for await (const event of stream) return event;
      return undefined;
    })();
    await m.buyer.purchase(
      'User1',
      CHANNEL,
      { datasetId: 'd1', buyerResultKey: generateResultKeyPair().publicKeyPem },
      () => Promise.resolve(),
    );
    expect((await next)?.name).to.equal(TRADE_EVENT);
    stream.close();
  });

  it('answers chain info, blocks and transactions from the log', async () => {
    const info = await m.auditor.chainInfo('User1', CHANNEL);
    expect(info.height).to.equal('5');
    const block = await m.auditor.block('User1', CHANNEL, 2n);
    const [tx] = block.transactions;
    expect(tx?.function).to.equal('MintTo');
    expect(tx?.creatorMspId).to.equal('AuditorMSP');
    const previous = await m.auditor.block('User1', CHANNEL, 1n);
    expect(block.previousHash).to.not.equal(previous.previousHash);
    expect((await m.auditor.transaction('User1', CHANNEL, tx?.txId ?? '')).txId).to.equal(tx?.txId);
    const fail = (p: Promise<unknown>) => p.catch((e: unknown) => e);
    expect(await fail(m.auditor.block('User1', CHANNEL, 5n))).to.be.instanceOf(NotFound);
    expect(await fail(m.auditor.transaction('User1', CHANNEL, 'f'.repeat(64)))).to.be.instanceOf(
      NotFound,
    );
  });

  it('injects faults, with or without the transaction committing', async () => {
    // The ledger retries a conflict itself: every one of its tries conflicts here.
    m.seller.failNext('TransactionConflict', { times: DEFAULT_CONFLICT_RETRY.attempts });
    const conflict = await m.seller
      .createListing('User1', CHANNEL, listing('d1'))
      .catch((e: unknown) => e);
    expect(conflict).to.be.instanceOf(TransactionConflict);
    const refused = await m.seller.getListing('User1', CHANNEL, 'd1').catch((e: unknown) => e);
    expect((refused as ContractRefusal).code).to.equal('NOT_FOUND');

    m.seller.failNext('CommitOutcomeUnknown', { committed: true, fn: 'CreateListing' });
    const unknown = await m.seller
      .createListing('User1', CHANNEL, listing('d1'))
      .catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(CommitOutcomeUnknown);
    expect((unknown as CommitOutcomeUnknown).channel).to.equal(CHANNEL);
    const committed = await m.seller.getListing('User1', CHANNEL, 'd1');
    expect(committed.lastTxId).to.equal((unknown as CommitOutcomeUnknown).txId);
  });
});
