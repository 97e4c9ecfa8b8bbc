import { expect } from 'chai';
import { Metadata, status } from '@grpc/grpc-js';
import {
  CommitStatusError,
  EndorseError,
  GatewayError,
  StatusCode,
  type ChaincodeEventsOptions,
  type Network,
} from '@hyperledger/fabric-gateway';
import protos from '@hyperledger/fabric-protos';
import type { NetworkDescription } from '../../../src/fabric/index.js';
import {
  CommitOutcomeUnknown,
  ContractRefusal,
  NotFound,
  TransactionConflict,
} from '../../../src/gateway/ledger/errors.js';
import { FabricMarketLedger } from '../../../src/gateway/ledger/fabric-market-ledger.js';

const utf8 = new TextEncoder();
const TX = 'c'.repeat(64);

function grpcFailure(code: status, message: string) {
  const cause = Object.assign(new Error(message), {
    code,
    details: message,
    metadata: new Metadata(),
  });
  return { code, message, details: [], cause, transactionId: TX };
}

/** A stand-in for fabric-gateway's Network and Contract that records what is called. */
class FakeChannel {
  readonly log: string[] = [];
  /** Throw these from endorse(), one per call, before succeeding. */
  endorseFailures: Error[] = [];
  commitCode: number = StatusCode.VALID;
  statusFailure?: Error;
  evaluateFailure?: Error;
  events: { eventName: string; payload: Uint8Array; blockNumber: bigint; transactionId: string }[] =
    [];
  eventOptions?: ChaincodeEventsOptions;

  private contract(name: string) {
    return {
      evaluateTransaction: (fn: string, ...args: string[]) => {
        this.log.push(`evaluate ${name} ${fn} ${args.join(',')}`);
        if (this.evaluateFailure) return Promise.reject(this.evaluateFailure);
        if (fn === 'GetChainInfo') {
          const info = new protos.common.BlockchainInfo();
          info.setHeight(3);
          return Promise.resolve(info.serializeBinary());
        }
        if (fn === 'GetBlockByNumber')
          return Promise.resolve(new protos.common.Block().serializeBinary());
        return Promise.resolve(utf8.encode(fn === 'ClientAccountID' ? 'acct' : '{"ok":true}'));
      },
      newProposal: (fn: string, options: { arguments: string[] }) => ({
        getTransactionId: () => TX,
        endorse: () => {
          this.log.push(`endorse ${fn} ${options.arguments.join(',')}`);
          const failure = this.endorseFailures.shift();
          if (failure) return Promise.reject(failure);
          return Promise.resolve({
            getResult: () => utf8.encode(`{"tradeId":"${TX}"}`),
            submit: () => {
              this.log.push('submit');
              return Promise.resolve({
                getStatus: () => {
                  if (this.statusFailure) return Promise.reject(this.statusFailure);
                  return Promise.resolve({
                    blockNumber: 9n,
                    code: this.commitCode,
                    successful: this.commitCode === StatusCode.VALID,
                    transactionId: TX,
                  });
                },
              });
            },
          });
        },
      }),
    };
  }

  asNetwork(): Network {
    const fake = {
      getContract: (name: string) => this.contract(name),
      getChaincodeEvents: (chaincode: string, options: ChaincodeEventsOptions) => {
        this.log.push(`events ${chaincode}`);
        this.eventOptions = options;
        const events = this.events;
        return Promise.resolve({
          async *[Symbol.asyncIterator]() {
            for (const event of events) {
              await Promise.resolve();
              yield { ...event, chaincodeName: chaincode };
            }
          },
          close: () => undefined,
        });
      },
    };
    return fake as unknown as Network;
  }
}

const description = {
  orgs: { seller: { mspId: 'SellerMSP' } },
} as unknown as NetworkDescription;

function ledgerOn(channel: FakeChannel): FabricMarketLedger {
  return new FabricMarketLedger(description, 'seller', {
    connections: {
      channel: () => Promise.resolve(channel.asNetwork()),
      close: () => Promise.resolve(),
    },
  });
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('gateway: FabricMarketLedger over fabric-gateway (fake channel)', () => {
  it('purchases with the tx id known before endorsement, at the expected price if given', async () => {
    const channel = new FakeChannel();
    const ledger = ledgerOn(channel);
    const committed = await ledger.purchase(
      'User1',
      'market',
      { datasetId: 'd', buyerResultKey: 'k', expected: { price: '5', deposit: '1' } },
      (tradeId) => {
        channel.log.push(`beforeSubmit ${tradeId}`);
        return Promise.resolve();
      },
    );
    expect(committed).to.deep.equal({ txId: TX, blockNumber: 9n, result: { tradeId: TX } });
    expect(channel.log).to.deep.equal([
      `beforeSubmit ${TX}`,
      'endorse PurchaseAtPrice d,k,5,1',
      'submit',
    ]);
    await ledger.purchase('User1', 'market', { datasetId: 'd', buyerResultKey: 'k' }, () =>
      Promise.resolve(),
    );
    expect(channel.log.at(-2)).to.equal('endorse Purchase d,k');
  });

  it('writes what must be durable while the peers endorse, and submits only once it is', async () => {
    const channel = new FakeChannel();
    const ledger = ledgerOn(channel);
    const slowWrite = (tradeId: string) =>
      new Promise<void>((resolve) => {
        channel.log.push(`write ${tradeId}`);
        setTimeout(() => {
          channel.log.push(`written ${tradeId}`);
          resolve();
        }, 20);
      });
    await ledger.purchase('User1', 'market', { datasetId: 'd', buyerResultKey: 'k' }, slowWrite);
    expect(channel.log).to.deep.equal([
      `write ${TX}`,
      'endorse Purchase d,k',
      `written ${TX}`,
      'submit',
    ]);

    // A failed write stops the transaction before ordering: the store's error, no submit.
    channel.log.length = 0;
    const failure = await rejection(
      ledger.purchase('User1', 'market', { datasetId: 'd', buyerResultKey: 'k' }, () =>
        Promise.reject(new Error('disk full')),
      ),
    );
    expect((failure as Error).message).to.equal('disk full');
    expect(channel.log).to.deep.equal(['endorse Purchase d,k']);
  });

  it('retries endorsement while endorsers settle, then classifies commit failures', async () => {
    const channel = new FakeChannel();
    const ledger = ledgerOn(channel);
    channel.endorseFailures = [new EndorseError(grpcFailure(status.UNAVAILABLE, 'no endorsers'))];
    await ledger.confirmDelivery('User1', 'market', 't', 'h', 3);
    expect(channel.log.filter((line) => line.startsWith('endorse'))).to.deep.equal([
      'endorse ConfirmDelivery t,h,3',
      'endorse ConfirmDelivery t,h,3',
    ]);

    channel.commitCode = StatusCode.MVCC_READ_CONFLICT;
    const conflict = await rejection(ledger.claim('User1', 'market', 't'));
    expect(conflict).to.be.instanceOf(TransactionConflict);
    expect((conflict as TransactionConflict).txId).to.equal(TX);
    expect((conflict as TransactionConflict).message).to.match(/\(tried 4 times\)$/);
    // A conflict means nothing committed: the submit was tried again, each time endorsed anew.
    expect(channel.log.filter((line) => line === 'endorse Claim t')).to.have.length(4);

    channel.commitCode = StatusCode.VALID;
    channel.statusFailure = new CommitStatusError(grpcFailure(status.DEADLINE_EXCEEDED, 'slow'));
    const unknown = await rejection(ledger.refund('User1', 'market', 't'));
    expect(unknown).to.be.instanceOf(CommitOutcomeUnknown);
    expect([
      (unknown as CommitOutcomeUnknown).txId,
      (unknown as CommitOutcomeUnknown).channel,
    ]).to.deep.equal([TX, 'market']);
  });

  it('classifies evaluate failures and caches account ids', async () => {
    const channel = new FakeChannel();
    const ledger = ledgerOn(channel);
    expect(await ledger.accountId('User1', 'market')).to.equal('acct');
    expect(await ledger.accountId('User1', 'market')).to.equal('acct');
    expect(channel.log.filter((line) => line.includes('ClientAccountID'))).to.have.length(1);
    channel.evaluateFailure = new GatewayError(
      grpcFailure(
        status.UNKNOWN,
        'evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: no trade t',
      ),
    );
    const refusal = await rejection(ledger.getTrade('User1', 'market', 't'));
    expect(refusal).to.be.instanceOf(ContractRefusal);
    expect((refusal as ContractRefusal).code).to.equal('NOT_FOUND');
  });

  it('reads blocks through qscc, refusing those past the height', async () => {
    const channel = new FakeChannel();
    const ledger = ledgerOn(channel);
    expect((await ledger.chainInfo('User1', 'market')).height).to.equal('3');
    expect(await rejection(ledger.block('User1', 'market', 3n))).to.be.instanceOf(NotFound);
    await ledger.block('User1', 'market', 2n);
    expect(channel.log.at(-1)).to.equal('evaluate qscc GetBlockByNumber market,2');
  });

  it('streams events from a position (or the start block when there is none)', async () => {
    const channel = new FakeChannel();
    channel.events = [
      { eventName: 'TradeEvent', payload: utf8.encode('{}'), blockNumber: 4n, transactionId: 'x' },
    ];
    const ledger = ledgerOn(channel);
    const stream = await ledger.events(
      'User1',
      'market',
      { blockNumber: 4n, transactionId: 'w' },
      2n,
    );
    const seen = [];
    for await (const event of stream) seen.push(event);
    stream.close();
    expect(seen).to.deep.equal([
      { name: 'TradeEvent', payload: utf8.encode('{}'), blockNumber: 4n, transactionId: 'x' },
    ]);
    expect(channel.eventOptions?.startBlock).to.equal(2n);
    expect(channel.eventOptions?.checkpoint?.getBlockNumber()).to.equal(4n);
    expect(channel.eventOptions?.checkpoint?.getTransactionId()).to.equal('w');
    const fresh = await ledger.events('User1', 'market', undefined, 7n);
    fresh.close();
    expect(channel.eventOptions?.checkpoint?.getBlockNumber()).to.equal(undefined);
  });
});
