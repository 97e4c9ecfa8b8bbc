/** The buyer's end of a joint round: shares opened, checked against the ledger, summed. */
import { expect } from 'chai';
import type { PoolShare, PoolTrade } from '@datamarket/chaincode/api';
import {
  encodeShare,
  generateMaskKeyPair,
  maskPartial,
  ring,
  seedsFor,
  type MaskKeyPair,
} from '../../../src/aggregation/index.js';
import {
  encryptToResultKey,
  generateResultKeyPair,
  sha256Hex,
} from '../../../src/gateway/crypto/result-envelope.js';
import { aggregateRound } from '../../../src/gateway/pools/buyer.js';
import type { SharePayload } from '../../../src/gateway/pools/share-payload.js';

const aggregation = { valueBound: 100, fractionalBits: 16 };
const keys: MaskKeyPair[] = [0, 1, 2].map(() => generateMaskKeyPair());
const buyerKeys = generateResultKeyPair();
const PARTIALS = [
  [1.5, -2],
  [10.25, 3],
  [-4, 0.5],
];

/** Just the fields aggregateRound reads. */
const trade = {
  tradeId: 't-1',
  poolId: 'p',
  members: keys.map((k) => ({ maskPublicKey: k.publicKey })),
  terms: { aggregation, leakageBound: 10, splitRule: 'rows' },
  valueCount: 2,
} as unknown as PoolTrade;

function payloadOf(
  seat: number,
  override: Partial<SharePayload> = {},
  bits?: number,
): SharePayload {
  const k = keys[seat];
  if (!k) throw new Error('no seat');
  const plan = seedsFor(
    k,
    trade.members.map((m) => m.maskPublicKey),
    { poolId: 'p', tradeId: 't-1' },
    aggregation,
  );
  const share = maskPartial(PARTIALS[seat] ?? [], { ...plan, label: { round: 1, coalition: 7 } });
  const r = bits === undefined ? plan.encoding.ring : ring(bits);
  return {
    v: 1,
    tradeId: 't-1',
    round: 1,
    seat,
    ringBits: r.bits,
    fractionalBits: 16,
    aggregates: [
      {
        coalition: 7,
        share: Buffer.from(
          encodeShare(
            share.map((v) => v % r.modulus),
            r,
          ),
        ).toString('base64'),
      },
    ],
    ...override,
  };
}

function shareOf(payload: SharePayload, seat = payload.seat, digest?: string): PoolShare {
  const text = JSON.stringify(payload);
  return {
    docType: 'pool-share',
    tradeId: 't-1',
    round: 1,
    member: seat,
    account: `acct-${String(seat)}`,
    partialHash: 'x',
    encryptedShare: encryptToResultKey(buyerKeys.publicKeyPem, Buffer.from(text)),
    shareDigest: digest ?? sha256Hex(text),
    encryptedShareSha256: '',
    submittedAt: 0,
    txId: 'tx',
  };
}

describe('pools: the buyer opens, checks and sums a round’s shares', () => {
  const good = () => [0, 1, 2].map((seat) => shareOf(payloadOf(seat)));

  it('sums the three masked shares to the sum of the partials', () => {
    const sums = aggregateRound(good(), trade, 1, buyerKeys.privateKeyPem).get(7);
    expect(sums).to.deep.equal([7.75, 1.5]);
  });

  it('refuses a share whose plaintext does not match its digest on chain', () => {
    const shares = good();
    shares[1] = shareOf(payloadOf(1), 1, sha256Hex('something else'));
    expect(() => aggregateRound(shares, trade, 1, buyerKeys.privateKeyPem)).to.throw(
      'does not match its digest',
    );
  });

  it('refuses a share that names another seat, and an aggregate missing a share', () => {
    const shares = good();
    shares[2] = shareOf(payloadOf(2, { seat: 1 }), 2);
    expect(() => aggregateRound(shares, trade, 1, buyerKeys.privateKeyPem)).to.throw(
      'another trade, round or seat',
    );
    expect(() => aggregateRound(good().slice(0, 2), trade, 1, buyerKeys.privateKeyPem)).to.throw(
      'has 2 of its 3 shares',
    );
  });

  it('refuses a share in another ring than the pool’s bounds call for', () => {
    const shares = good();
    shares[0] = shareOf(payloadOf(0, {}, 128));
    expect(() => aggregateRound(shares, trade, 1, buyerKeys.privateKeyPem)).to.throw('call for');
  });

  it('refuses a share encrypted to another key', () => {
    const other = generateResultKeyPair();
    expect(() => aggregateRound(good(), trade, 1, other.privateKeyPem)).to.throw();
  });
});
