/**
 * shapley-f1 through the buyer's app (docs/pools.md): after the last round the buyer reads every
 * coalition's aggregate, then submits the coalitions' F1 scores by route, client or CLI, and the
 * trade settles by the members' normalised Shapley values. Runs inside the pool route suite
 * (its pool pump delivers and shares).
 */
import { expect } from 'chai';
import type { PoolTrade } from '@datamarket/chaincode/api';
import { until } from '../../aggregation/pool-fixture.js';
import { mainOutput } from '../../cli/main-output.js';
import { call, type RouteFixture } from './fixture.js';
import { ch, formPool, PARTIAL, partialOf, POOL, TRADE } from './pool-route-steps.js';

const SCORES = `${TRADE}/scores`;

export function poolScoresRouteTests(fx: () => RouteFixture): void {
  /** A shapley-f1 pool of two, bought, one round of partials shared: the trade is SCORING. */
  async function scoringTrade(poolId: string): Promise<string> {
    const { sellerApp, buyerApp } = fx();
    await formPool(fx, poolId, undefined, 'shapley-f1');
    const bought = await call<PoolTrade>(
      buyerApp,
      'POST',
      `${POOL}/trades`,
      { ...ch, poolId },
      { json: { rounds: 1, expectedPrice: '30', expectedDeposit: '5' } },
    );
    expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
    const tradeId = bought.body.tradeId;
    const read = async () =>
      (await call<PoolTrade>(buyerApp, 'GET', TRADE, { ...ch, tradeId })).body;
    await until(async () => (await read()).state === 'COMPUTING', 'both bundles delivered');
    const hashes: string[] = [];
    for (const [seat, values] of [
      [1, 2],
      [10, 20],
    ].entries()) {
      const uploaded = await call<{ sha256: string }>(
        buyerApp,
        'PUT',
        PARTIAL,
        { ...ch, tradeId, round: '1', seat: String(seat) },
        { query: { appUrl: sellerApp.url }, raw: partialOf(values) },
      );
      expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(201);
      hashes.push(uploaded.body.sha256);
    }
    const submitted = await call(
      buyerApp,
      'POST',
      `${TRADE}/rounds/{round}/partials`,
      { ...ch, tradeId, round: '1' },
      { json: { valueCount: 2, partialHashes: hashes } },
    );
    expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
    await until(async () => (await read()).state === 'SCORING', 'both shares');
    return tradeId;
  }

  const postScores = (tradeId: string, scores: unknown, user = 'User1') =>
    call<PoolTrade>(fx().buyerApp, 'POST', SCORES, { ...ch, tradeId }, { user, json: { scores } });

  it('shapley-f1: the buyer reads each coalition, submits the F1 scores, and the trade settles by Shapley value', async () => {
    const tradeId = await scoringTrade('rs-1');
    const aggregate = await call<{
      values: number[];
      coalitions: { coalition: number; values: number[] }[];
    }>(fx().buyerApp, 'GET', `${TRADE}/rounds/{round}/aggregate`, { ...ch, tradeId, round: '1' });
    expect(aggregate.body.values).to.deep.equal([11, 22]);
    expect(aggregate.body.coalitions).to.deep.equal([
      { coalition: 1, values: [1, 2] },
      { coalition: 2, values: [10, 20] },
    ]);

    // Refused: another user of the buyer's app, a score out of range, too few, one per coalition.
    expect((await postScores(tradeId, ['0.6', '0.3', '0.8'], 'User2')).status).to.equal(403);
    expect((await postScores(tradeId, ['0.6', '1.5', '0.8'])).status).to.equal(400);
    expect((await postScores(tradeId, [0.6, 0.3, 0.8])).status).to.equal(400);
    expect((await postScores(tradeId, ['0.6', '0.3'])).status).to.equal(400);
    const sevenScores = await postScores(
      tradeId,
      Array.from({ length: 7 }, () => '0.5'),
    );
    expect(sevenScores.status).to.equal(400);
    expect(JSON.stringify(sevenScores.body)).to.match(/2 members make 3, not 7/);

    // v{0} = .6, v{1} = .3, v{0,1} = .8: φ0 = ½·.6 + ½·(.8 − .3) = .55, φ1 = ½·.3 + ½·(.8 − .6)
    // = .25, recorded as 2!·φ in micro-F1. 30 tokens · 11/16 = 20.625, · 5/16 = 9.375: floors
    // 20 + 9, the token left goes to the larger dropped fraction (seat 0).
    const settled = await postScores(tradeId, ['0.6', '0.3', '0.8']);
    expect(settled.status, JSON.stringify(settled.body)).to.equal(200);
    expect(settled.body).to.deep.include({
      state: 'SETTLED',
      shapleyWeights: ['1100000', '500000'],
      scores: [600_000, 300_000, 800_000],
      paidToBuyer: '5',
    });
    expect(settled.body.members.map((m) => m.paid)).to.deep.equal(['21', '9']);
    expect((await postScores(tradeId, ['0.6', '0.3', '0.8'])).status).to.equal(409);
  });

  it('shapley-f1: `datamarket pool-scores` submits the scores through the client', async () => {
    const { buyerApp } = fx();
    const tradeId = await scoringTrade('rs-2');
    const cli = (scores: string) =>
      mainOutput(
        '--url',
        buyerApp.url,
        `--token=${buyerApp.tokens.User1 ?? ''}`,
        '--quiet',
        'pool-scores',
        tradeId,
        '--scores',
        scores,
      );
    const bad = await cli('0.2,x,0.9');
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/F1 score from 0 to 1.*\(400 /s);
    // φ0 = ½·.2 + ½·(.9 − .4) = .35, φ1 = ½·.4 + ½·(.9 − .2) = .55: 30 · 35/90 = 11.67 and
    // 30 · 55/90 = 18.33, floors 11 + 18, the last token to seat 0 (fraction 60/90 over 30/90).
    const good = await cli('0.2,0.4,0.9');
    expect(good.code, good.stderr).to.equal(0);
    expect(good.stdout).to.include(`joint trade ${tradeId}: SETTLED, paid seat 0 12, seat 1 18`);
  });
}
