import '../support/quiet.js';
import { expect } from 'chai';
import type { DeliveredResult, SupplyAudit, Trade, TradeState } from '../../src/types.js';
import {
  accountOf,
  auditor,
  buyer,
  buyer2,
  due,
  listingInput,
  Market,
  RESULT_KEY,
  seller,
  seller2,
  sha,
  T0,
  type TxName,
} from './market.js';
import { messageOf } from '../support/message-of.js';
import { DuplicateTransactionError } from '../support/in-process-market.js';

const S = 1000; // ms per second
const DELIVER = 3600;
const RESULT = 7200;
const DECRYPT = 1800;
const BUNDLE = sha('bundle');
const RESULT_HASH = sha('encrypted result');
const DIGEST = sha('plaintext result');
const ENCRYPTED = Buffer.from('result encrypted to the buyer key').toString('base64');

describe('trades', () => {
  let m: Market;

  beforeEach(async () => {
    m = new Market();
    await m.fund([[buyer, 1000]]);
    await m.call(seller, 'CreateListing', [
      JSON.stringify(
        listingInput({
          price: '100',
          deposit: '20',
          deliverWithin: DELIVER,
          resultWithin: RESULT,
          decryptWithin: DECRYPT,
          leakageBound: 10,
        }),
      ),
    ]);
  });

  afterEach(async () => {
    // Whatever a test did, no token was created or lost.
    const audit = await m.json<SupplyAudit>(auditor, 'AuditSupply');
    expect(audit.problems).to.deep.equal([]);
    expect(audit.balanced).to.equal(true);
    expect(audit.totalSupply).to.equal('1000');
  });

  const trade = (id: string) => m.json<Trade>(buyer, 'GetTrade', [id]);

  async function purchased(): Promise<string> {
    return (await m.invoke(buyer, 'Purchase', ['heart-2024', RESULT_KEY])).txId;
  }
  async function delivered(): Promise<string> {
    const id = await purchased();
    m.advance(60);
    await m.call(seller, 'ConfirmDelivery', [id, BUNDLE, '4096']);
    return id;
  }
  async function submitted(): Promise<string> {
    const id = await delivered();
    m.advance(60);
    await m.call(buyer, 'SubmitResult', [id, RESULT_HASH, '3']);
    return id;
  }

  describe('Purchase', () => {
    it('moves price + deposit from the buyer into the trade’s escrow: PAID, one TradeEvent', async () => {
      const call = await m.invoke(buyer, 'Purchase', ['heart-2024', RESULT_KEY]);
      const t = JSON.parse(call.result) as Trade;
      expect(t).to.deep.include({
        tradeId: call.txId,
        datasetId: 'heart-2024',
        buyer: accountOf(buyer),
        seller: accountOf(seller),
        state: 'PAID',
        price: '100',
        deposit: '20',
        escrow: '120',
        paidToSeller: '0',
        paidToBuyer: '0',
        buyerResultKey: RESULT_KEY,
        paidAt: T0,
        deliverBy: T0 + DELIVER * S,
      });
      expect(t.terms).to.deep.equal({
        listingVersion: 1,
        deliverWithin: DELIVER,
        resultWithin: RESULT,
        decryptWithin: DECRYPT,
        leakageBound: 10,
        ckksPreset: 'default-8192',
        sellerGatewayUrl: 'https://seller.example.com:8443/gateway',
        computationPolicy: { mode: 'open' },
        sampleKind: 'schema-uniform',
        maxValuesPerKey: 64,
      });
      expect(await m.balance(buyer)).to.equal(880n);
      expect(call.event).to.deep.equal({
        name: 'TradeEvent',
        payload: {
          type: 'Purchased',
          tradeId: call.txId,
          datasetId: 'heart-2024',
          buyer: accountOf(buyer),
          seller: accountOf(seller),
          previousState: null,
          state: 'PAID',
          price: '100',
          deposit: '20',
          escrow: '120',
          toSeller: '0',
          toBuyer: '0',
          deadline: T0 + DELIVER * S,
          txId: call.txId,
          timestamp: T0,
        },
      });
      expect(await trade(call.txId)).to.deep.equal(t);
    });

    it('accepts a bare base64 result key', async () => {
      await m.call(buyer, 'Purchase', ['heart-2024', Buffer.alloc(32, 7).toString('base64')]);
    });

    it('refuses the seller, a delisted or unknown listing, and a buyer short of funds', async () => {
      await m.refuse(seller, 'Purchase', ['heart-2024', RESULT_KEY], 'FORBIDDEN', [
        'seller cannot buy',
      ]);
      await m.refuse(buyer2, 'Purchase', ['heart-2024', RESULT_KEY], 'INSUFFICIENT_FUNDS', [
        'needs 120',
        'is 0',
      ]);
      await m.refuse(buyer, 'Purchase', ['no-such', RESULT_KEY], 'NOT_FOUND');
      await m.call(seller, 'Delist', ['heart-2024']);
      await m.refuse(buyer, 'Purchase', ['heart-2024', RESULT_KEY], 'WRONG_STATE', [
        'DELISTED',
        'ACTIVE',
      ]);
    });

    it('refuses a missing, oversized, private or malformed result key', async () => {
      const bad: [string, string][] = [
        ['', 'buyerResultKey is empty'],
        ['A'.repeat(8196), 'the limit is 8192'],
        ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', 'PRIVATE key'],
        ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n', 'not one well-formed'],
        ['not base64 at all!', 'PEM public key or standard padded base64'],
        ['QUJD', 'PEM public key or standard padded base64'],
      ];
      for (const [key, fragment] of bad) {
        await m.refuse(buyer, 'Purchase', ['heart-2024', key], 'INVALID_ARGUMENT', [fragment]);
      }
    });

    it('buys one trade per transaction id: a replayed txId never reaches the contract', async () => {
      // The contract no longer reads the trade key first: it relies on Fabric refusing a
      // committed txId (endorsers answer "duplicate transaction found", committers mark it
      // DUPLICATE_TXID), which the in-process ledger models.
      const { txId } = await m.invoke(buyer, 'Purchase', ['heart-2024', RESULT_KEY]);
      const replay = await m.invoke(buyer, 'Purchase', ['heart-2024', RESULT_KEY], { txId }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(replay).to.be.instanceOf(DuplicateTransactionError);
      expect(await m.balance(buyer)).to.equal(880n);
    });

    it('PurchaseAtPrice refuses when the listing’s terms changed since the buyer looked', async () => {
      await m.call(seller, 'UpdateListing', [JSON.stringify({ id: 'heart-2024', price: '500' })]);
      await m.refuse(
        buyer,
        'PurchaseAtPrice',
        ['heart-2024', RESULT_KEY, '100', '20'],
        'TERMS_CHANGED',
        ['price 500 and deposit 20'],
      );
      await m.refuse(
        buyer,
        'PurchaseAtPrice',
        ['heart-2024', RESULT_KEY, '500', 'x'],
        'INVALID_ARGUMENT',
        ['expectedDeposit'],
      );
      const t = await m.json<Trade>(buyer, 'PurchaseAtPrice', [
        'heart-2024',
        RESULT_KEY,
        '500',
        '20',
      ]);
      expect(t.escrow).to.equal('520');
    });

    it('freezes the listing terms: later updates and delisting do not touch open trades', async () => {
      const id = await purchased();
      await m.call(seller, 'UpdateListing', [
        JSON.stringify({
          id: 'heart-2024',
          price: '999',
          deposit: '0',
          leakageBound: 1,
          deliverWithin: 1,
        }),
      ]);
      await m.call(seller, 'Delist', ['heart-2024']);
      m.advance(DELIVER - 1);
      await m.call(seller, 'ConfirmDelivery', [id, BUNDLE, '10']);
      await m.call(buyer, 'SubmitResult', [id, RESULT_HASH, '10']);
      await m.call(seller, 'DeliverResult', [id, ENCRYPTED, DIGEST]);
      expect(await m.balance(seller)).to.equal(100n);
      expect(await m.balance(buyer)).to.equal(900n);
    });

    it('refuses a timestamp too far from the peer clock', async () => {
      await m.refuse(buyer, 'Purchase', ['heart-2024', RESULT_KEY], 'CLOCK_SKEW', [], {
        at: T0 + 301 * S,
      });
    });
  });

  describe('ConfirmDelivery', () => {
    it('lets the seller record the bundle before the delivery deadline: DELIVERED', async () => {
      const id = await purchased();
      m.now = T0 + DELIVER * S - 1;
      const call = await m.invoke(seller, 'ConfirmDelivery', [id, BUNDLE, '4096']);
      const t = JSON.parse(call.result) as Trade;
      expect(t).to.include({
        state: 'DELIVERED',
        bundleHash: BUNDLE,
        bundleBytes: 4096,
        deliveredAt: m.now,
        escrow: '120',
      });
      expect(t.resultBy).to.equal(m.now + RESULT * S);
      expect(call.event?.payload).to.include({
        type: 'DeliveryConfirmed',
        previousState: 'PAID',
        state: 'DELIVERED',
        deadline: t.resultBy,
        toSeller: '0',
        toBuyer: '0',
        escrow: '120',
      });
    });

    it('refuses the buyer and strangers, the deadline reached, bad inputs, a second call', async () => {
      const id = await purchased();
      await m.refuse(buyer, 'ConfirmDelivery', [id, BUNDLE, '1'], 'FORBIDDEN', ['PAID', 'seller']);
      await m.refuse(seller2, 'ConfirmDelivery', [id, BUNDLE, '1'], 'FORBIDDEN');
      for (const hash of ['', BUNDLE.toUpperCase(), BUNDLE.slice(1), `${BUNDLE.slice(1)}g`]) {
        await m.refuse(seller, 'ConfirmDelivery', [id, hash, '1'], 'INVALID_ARGUMENT', [
          'bundleHash',
        ]);
      }
      for (const bytes of ['0', '-1', '1.5', 'abc', '', '99999999999999999']) {
        await m.refuse(seller, 'ConfirmDelivery', [id, BUNDLE, bytes], 'INVALID_ARGUMENT', [
          'bundleBytes',
        ]);
      }
      await m.refuse(seller, 'ConfirmDelivery', ['no-such', BUNDLE, '1'], 'NOT_FOUND');
      m.now = T0 + DELIVER * S;
      await m.refuse(seller, 'ConfirmDelivery', [id, BUNDLE, '1'], 'DEADLINE', [
        'delivery deadline',
        'has passed',
      ]);
      m.now = T0;
      await m.call(seller, 'ConfirmDelivery', [id, BUNDLE, '1']);
      await m.refuse(seller, 'ConfirmDelivery', [id, BUNDLE, '1'], 'WRONG_STATE', [
        'is DELIVERED',
        'only in PAID',
      ]);
    });
  });

  describe('SubmitResult', () => {
    it('lets the buyer submit a result within the leakage bound before the result deadline', async () => {
      const id = await delivered();
      const { resultBy } = await trade(id);
      m.now = due(resultBy) - 1;
      const call = await m.invoke(buyer, 'SubmitResult', [id, RESULT_HASH, '10']);
      const t = JSON.parse(call.result) as Trade;
      expect(t).to.include({
        state: 'RESULT_SUBMITTED',
        resultHash: RESULT_HASH,
        valueCount: 10,
        decryptBy: m.now + DECRYPT * S,
      });
      expect(call.event?.payload).to.include({
        type: 'ResultSubmitted',
        previousState: 'DELIVERED',
        deadline: t.decryptBy,
      });
    });

    it('refuses more values than the leakage bound, the seller, the deadline reached, bad inputs, wrong states', async () => {
      const early = await purchased();
      await m.refuse(buyer, 'SubmitResult', [early, RESULT_HASH, '1'], 'WRONG_STATE', [
        'is PAID',
        'only in DELIVERED',
      ]);
      const id = await delivered();
      await m.refuse(buyer, 'SubmitResult', [id, RESULT_HASH, '11'], 'INVALID_ARGUMENT', [
        'leakage bound of 10',
      ]);
      await m.refuse(seller, 'SubmitResult', [id, RESULT_HASH, '1'], 'FORBIDDEN', ['buyer']);
      await m.refuse(buyer, 'SubmitResult', [id, 'abc', '1'], 'INVALID_ARGUMENT', ['resultHash']);
      await m.refuse(buyer, 'SubmitResult', [id, RESULT_HASH, '0'], 'INVALID_ARGUMENT', [
        'valueCount',
      ]);
      const { resultBy } = await trade(id);
      m.now = due(resultBy);
      await m.refuse(buyer, 'SubmitResult', [id, RESULT_HASH, '1'], 'DEADLINE', [
        'result deadline',
        'Claim',
      ]);
    });
  });

  describe('DeliverResult', () => {
    it('stores the encrypted result and, in the same transaction, pays the seller and returns the deposit', async () => {
      const id = await submitted();
      const { decryptBy } = await trade(id);
      m.now = due(decryptBy) - 1;
      const call = await m.invoke(seller, 'DeliverResult', [id, ENCRYPTED, DIGEST]);
      const t = JSON.parse(call.result) as Trade;
      expect(t).to.include({
        state: 'SETTLED',
        escrow: '0',
        paidToSeller: '100',
        paidToBuyer: '20',
        resultDigest: DIGEST,
        encryptedResultSha256: sha(ENCRYPTED),
        closedAt: m.now,
      });
      expect(call.event?.payload).to.include({
        type: 'ResultDelivered',
        previousState: 'RESULT_SUBMITTED',
        state: 'SETTLED',
        escrow: '0',
        toSeller: '100',
        toBuyer: '20',
        deadline: null,
      });
      expect(await m.balance(seller)).to.equal(100n);
      expect(await m.balance(buyer)).to.equal(900n);
      const result = await m.json<DeliveredResult>(buyer, 'GetDeliveredResult', [id]);
      expect(result).to.include({
        tradeId: id,
        encryptedResult: ENCRYPTED,
        resultDigest: DIGEST,
        txId: call.txId,
      });
    });

    it('refuses the buyer, the decrypt deadline reached, oversized or malformed results, wrong states', async () => {
      const early = await delivered();
      await m.refuse(seller, 'DeliverResult', [early, ENCRYPTED, DIGEST], 'WRONG_STATE', [
        'is DELIVERED',
        'RESULT_SUBMITTED',
      ]);
      const id = await submitted();
      await m.refuse(buyer, 'DeliverResult', [id, ENCRYPTED, DIGEST], 'FORBIDDEN', ['seller']);
      await m.refuse(
        seller,
        'DeliverResult',
        [id, 'A'.repeat(256 * 1024 + 4), DIGEST],
        'INVALID_ARGUMENT',
        ['limit is 262144'],
      );
      await m.refuse(seller, 'DeliverResult', [id, 'not base64!', DIGEST], 'INVALID_ARGUMENT', [
        'base64',
      ]);
      await m.refuse(seller, 'DeliverResult', [id, '', DIGEST], 'INVALID_ARGUMENT', [
        'encryptedResult is empty',
      ]);
      await m.refuse(seller, 'DeliverResult', [id, ENCRYPTED, 'x'], 'INVALID_ARGUMENT', [
        'resultDigest',
      ]);
      const { decryptBy } = await trade(id);
      m.now = due(decryptBy);
      await m.refuse(seller, 'DeliverResult', [id, ENCRYPTED, DIGEST], 'DEADLINE', [
        'decrypt deadline',
        'Refund',
      ]);
      let message = '';
      await m
        .call(buyer, 'GetDeliveredResult', [id])
        .catch((e: unknown) => (message = messageOf(e)));
      expect(message).to.match(/^NOT_FOUND/);
    });

    it('accepts a result of exactly 256 KiB of base64', async () => {
      const id = await submitted();
      await m.call(seller, 'DeliverResult', [id, 'A'.repeat(256 * 1024), DIGEST]);
    });
  });

  describe('RejectResult', () => {
    it('lets the seller reject a submitted result, refunding price and deposit', async () => {
      const id = await submitted();
      const call = await m.invoke(seller, 'RejectResult', [
        id,
        'the result exceeds what the policy allows',
      ]);
      expect(JSON.parse(call.result)).to.include({
        state: 'REJECTED',
        escrow: '0',
        paidToBuyer: '120',
        rejectReason: 'the result exceeds what the policy allows',
      });
      expect(call.event?.payload).to.include({
        type: 'ResultRejected',
        toBuyer: '120',
        toSeller: '0',
      });
      expect(await m.balance(buyer)).to.equal(1000n);
      expect(await m.balance(seller)).to.equal(0n);
    });

    it('still lets the seller reject after the decrypt deadline (it only refunds the buyer)', async () => {
      const id = await submitted();
      m.advance(DECRYPT * 2);
      await m.call(seller, 'RejectResult', [id, 'late']);
      expect(await m.balance(buyer)).to.equal(1000n);
    });

    it('refuses the buyer, an empty reason, and trades without a submitted result', async () => {
      const early = await delivered();
      await m.refuse(seller, 'RejectResult', [early, 'no'], 'WRONG_STATE', ['is DELIVERED']);
      const id = await submitted();
      await m.refuse(buyer, 'RejectResult', [id, 'no'], 'FORBIDDEN', ['seller']);
      await m.refuse(seller, 'RejectResult', [id, ''], 'INVALID_ARGUMENT', ['reason is empty']);
      await m.refuse(seller, 'RejectResult', [id, 'x'.repeat(1001)], 'INVALID_ARGUMENT', [
        'reason',
      ]);
    });
  });

  describe('Refund', () => {
    it('PAID: the buyer may withdraw at any time; after the delivery deadline it is recorded as missed', async () => {
      const a = await purchased();
      const call = await m.invoke(buyer, 'Refund', [a]);
      expect(JSON.parse(call.result)).to.include({
        state: 'REFUNDED',
        refundBasis: 'BUYER_WITHDREW',
        escrow: '0',
        paidToBuyer: '120',
      });
      expect(call.event?.payload).to.include({
        type: 'Refunded',
        previousState: 'PAID',
        toBuyer: '120',
      });
      const b = await purchased();
      m.advance(DELIVER);
      expect(await m.json<Trade>(buyer, 'Refund', [b])).to.include({
        refundBasis: 'DELIVERY_DEADLINE_MISSED',
      });
      expect(await m.balance(buyer)).to.equal(1000n);
    });

    it('DELIVERED: the buyer may withdraw before the result deadline, not after it', async () => {
      const a = await delivered();
      expect(await m.json<Trade>(buyer, 'Refund', [a])).to.include({
        state: 'REFUNDED',
        refundBasis: 'BUYER_WITHDREW',
      });
      const b = await delivered();
      const { resultBy } = await trade(b);
      m.now = due(resultBy);
      await m.refuse(buyer, 'Refund', [b], 'DEADLINE', [
        'is DELIVERED',
        'result deadline',
        'Claim',
      ]);
      await m.call(seller, 'Claim', [b]);
    });

    it('RESULT_SUBMITTED: only once the decrypt deadline has passed', async () => {
      const id = await submitted();
      const { decryptBy } = await trade(id);
      m.now = due(decryptBy) - 1;
      await m.refuse(buyer, 'Refund', [id], 'DEADLINE', [
        'is RESULT_SUBMITTED',
        'has not passed yet',
      ]);
      m.now = due(decryptBy);
      expect(await m.json<Trade>(buyer, 'Refund', [id])).to.include({
        state: 'REFUNDED',
        refundBasis: 'DECRYPT_DEADLINE_MISSED',
      });
      expect(await m.balance(buyer)).to.equal(1000n);
    });

    it('refuses the seller and other accounts', async () => {
      const id = await purchased();
      await m.refuse(seller, 'Refund', [id], 'FORBIDDEN', ['is PAID', 'buyer']);
      await m.refuse(buyer2, 'Refund', [id], 'FORBIDDEN');
      await m.refuse(auditor, 'Refund', [id], 'FORBIDDEN');
    });
  });

  describe('Claim', () => {
    it('after the result deadline passes without a result, the seller takes price and deposit', async () => {
      const id = await delivered();
      const { resultBy } = await trade(id);
      m.now = due(resultBy) - 1;
      await m.refuse(seller, 'Claim', [id], 'DEADLINE', ['has not passed yet']);
      m.now = due(resultBy);
      await m.refuse(buyer, 'Claim', [id], 'FORBIDDEN', ['seller']);
      const call = await m.invoke(seller, 'Claim', [id]);
      expect(JSON.parse(call.result)).to.include({
        state: 'CLAIMED',
        escrow: '0',
        paidToSeller: '120',
        paidToBuyer: '0',
      });
      expect(call.event?.payload).to.include({
        type: 'Claimed',
        previousState: 'DELIVERED',
        toSeller: '120',
        toBuyer: '0',
      });
      expect(await m.balance(seller)).to.equal(120n);
      expect(await m.balance(buyer)).to.equal(880n);
    });

    it('is refused in PAID and RESULT_SUBMITTED, whatever the time', async () => {
      const paid = await purchased();
      const sub = await submitted();
      m.advance(100 * 86400);
      await m.refuse(seller, 'Claim', [paid], 'WRONG_STATE', ['is PAID', 'only in DELIVERED']);
      await m.refuse(seller, 'Claim', [sub], 'WRONG_STATE', ['is RESULT_SUBMITTED']);
    });
  });

  describe('closed trades', () => {
    const closers: [TradeState, () => Promise<string>][] = [
      [
        'SETTLED',
        async () => {
          const id = await submitted();
          await m.call(seller, 'DeliverResult', [id, ENCRYPTED, DIGEST]);
          return id;
        },
      ],
      [
        'REJECTED',
        async () => {
          const id = await submitted();
          await m.call(seller, 'RejectResult', [id, 'no']);
          return id;
        },
      ],
      [
        'REFUNDED',
        async () => {
          const id = await purchased();
          await m.call(buyer, 'Refund', [id]);
          return id;
        },
      ],
      [
        'CLAIMED',
        async () => {
          const id = await delivered();
          m.advance(RESULT);
          await m.call(seller, 'Claim', [id]);
          return id;
        },
      ],
    ];
    const actions: [TxName, (id: string) => string[]][] = [
      ['ConfirmDelivery', (id) => [id, BUNDLE, '1']],
      ['SubmitResult', (id) => [id, RESULT_HASH, '1']],
      ['DeliverResult', (id) => [id, ENCRYPTED, DIGEST]],
      ['RejectResult', (id) => [id, 'no']],
      ['Refund', (id) => [id]],
      ['Claim', (id) => [id]],
    ];
    for (const [state, close] of closers) {
      it(`${state}: every transition by buyer or seller, at any time, is refused naming the state`, async () => {
        const id = await close();
        for (const offset of [0, 10 * 86400]) {
          m.advance(offset);
          for (const [fn, args] of actions) {
            for (const who of [buyer, seller]) {
              await m.refuse(who, fn, args(id), 'WRONG_STATE', [`is ${state}`, fn]);
            }
          }
        }
        expect((await trade(id)).escrow).to.equal('0');
      });
    }
  });

  it('every transition is refused when the timestamp is too far from the peer clock', async () => {
    const id = await purchased();
    await m.refuse(seller, 'ConfirmDelivery', [id, BUNDLE, '1'], 'CLOCK_SKEW', [], {
      at: m.now - 400 * S,
    });
    await m.refuse(buyer, 'Refund', [id], 'CLOCK_SKEW', [], { at: m.now + 400 * S });
  });
});
