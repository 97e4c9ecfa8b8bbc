/**
 * Joint logistic regression over three sellers' rows, one epoch per round: each round the
 * buyer sends its current weights in every seller's partial (the gradient sums of that
 * seller's rows, computed on ciphertexts), the masked shares add up to the gradient of the
 * union, and the buyer takes a plain step. Five epochs match plain full-batch training on the
 * union with the same sigmoid approximation.
 */
import { expect } from 'chai';
import { sigmoid3, trainLogistic, accuracy } from '../../../src/demo/plain.js';
import { generateResultKeyPair } from '../../../src/gateway/crypto/result-envelope.js';
import { aggregateRound } from '../../../src/gateway/pools/buyer.js';
import { BUYER, CHANNEL, PoolHarness } from './pool-fixture.js';
import {
  EPOCHS,
  gradientSums,
  LEARNING_RATE,
  LR_COLUMNS as COLUMNS,
  LR_DATA as DATA,
  W0,
} from './pool-lr-model.js';

describe('pools: joint logistic regression, one epoch per round (real CKKS, in process)', function () {
  this.timeout(600_000);
  let h: PoolHarness;

  before(async () => {
    h = await PoolHarness.open();
    const seats = await h.formPool('islands-lr', COLUMNS, DATA, {
      title: 'Joint logistic regression',
      price: '20',
      deposit: '10',
      maxRounds: EPOCHS,
      deliverWithin: 3600,
      partialsWithin: 3600,
      sharesWithin: 3600,
      leakageBound: 3 * EPOCHS,
      ckksPreset: 'n8192-d4',
      // Any computation: the gradient sums here are the test's own, not a registered one (an
      // approved pool re-executes a named computation before decrypting; see the route tests).
      computationPolicy: { kind: 'any' },
      aggregation: { valueBound: 1000, fractionalBits: 20 },
      splitRule: 'rows',
    });
    // Release policy for the depth-4 preset: flooding at 10 bits of statistical security, so
    // the noise stays well below one epoch's gradient sums (a seller's policy decision).
    await h.startPump(seats, { statisticalSecurityBits: 10 });
  });

  after(async () => {
    await h.close();
  });

  it(`${String(EPOCHS)} epochs match plain training on the union; the escrow is split by rows`, async () => {
    const keys = generateResultKeyPair();
    const tradeId = await h.buy('islands-lr', EPOCHS, keys.publicKeyPem);
    const n = DATA.reduce((acc, d) => acc + d.length, 0);
    let w = [W0, W0, 0];
    for (let round = 1; round <= EPOCHS; round += 1) {
      const current = w;
      const { hashes, valueCount } = await h.uploadPartials(tradeId, round, (table) =>
        gradientSums(table, current),
      );
      await h.buyerPools.submitPartials(BUYER, CHANNEL, tradeId, {
        round,
        valueCount,
        partialHashes: hashes,
      });
      const t = await h.untilState(tradeId, round < EPOCHS ? 'COMPUTING' : 'SETTLED');
      const shares = await h.buyerPools.getPoolShares(BUYER, CHANNEL, tradeId, round);
      const g = aggregateRound(shares, t, round, keys.privateKeyPem).get(7) ?? [];
      expect(g).to.have.length(3);
      w = w.map((wj, j) => wj - (LEARNING_RATE * (g[j] ?? 0)) / n);
    }
    const union = DATA.flat();
    const x = union.map((r) => [r[0] ?? 0, r[1] ?? 0]);
    const y = union.map((r) => r[2] ?? 0);
    const plain = trainLogistic(x, y, EPOCHS, LEARNING_RATE, sigmoid3, [W0, W0, 0]);
    for (const [j, v] of plain.entries())
      expect(w[j], `weight ${String(j)}`).to.be.closeTo(v, 0.05);
    expect(accuracy(x, y, w)).to.be.closeTo(accuracy(x, y, plain), 1 / n + 1e-9);
    const settled = await h.trade(tradeId);
    expect(settled).to.deep.include({
      state: 'SETTLED',
      leakageUsed: 3 * EPOCHS,
      paidToMembers: '100',
    });
    console.log(
      `      joint LR after ${String(EPOCHS)} epochs: w = ${w.map((v) => v.toFixed(4)).join(', ')}; plain ${plain.map((v) => v.toFixed(4)).join(', ')}; accuracy ${accuracy(x, y, w).toFixed(3)} vs ${accuracy(x, y, plain).toFixed(3)}`,
    );
  });
});
