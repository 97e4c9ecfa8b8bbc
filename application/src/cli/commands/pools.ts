/**
 * Pool commands (docs/pools.md). Sellers: `pool propose|join|leave`. Buyers: `buy-pool`, a
 * per-seller `pool-run` (each member's bundle fetched from its app, the script run on it, the
 * partial uploaded to that app) and `submit-partials`, then `pool-aggregate`, and under
 * shapley-f1 `pool-scores` (the coalitions' F1 scores that settle the trade). Anyone: `pools`.
 */
import { readFile } from 'node:fs/promises';
import type { PoolProposal } from '@datamarket/chaincode/api';
import { PoolClient } from '../../client/pool-client.js';
import { UsageError, type Command } from '../command.js';
import { runScript } from './run-script.js';

const POOL = { name: 'POOL', what: 'pool id' } as const;
const TRADE = { name: 'TRADE', what: 'joint trade id' } as const;
const ROUND = {
  round: { type: 'string', value: 'R', description: 'the round (default: the current one)' },
} as const;
const APPS = {
  app: {
    type: 'string',
    value: 'URL[,URL…]',
    description:
      "the members' app URLs, one for all seats or one per seat (registered on chain); default: the one app each member's org registered",
  },
} as const;

/** Seat `seat`'s app from --app, or undefined (the buyer app looks it up on chain). */
function appFor(apps: string[] | undefined, seat: number): string | undefined {
  if (apps === undefined) return undefined;
  const url = apps.length === 1 ? apps[0] : apps[seat];
  if (url === undefined) throw new UsageError(`--app names no app for seat ${String(seat)}`);
  return url;
}

export const poolCommands: Command[] = [
  {
    name: 'pools',
    group: 'anyone',
    summary: 'the pools on the channel: state, split rule, members and rows',
    async run(_input, { client, out }) {
      const page = await new PoolClient(await client()).pools();
      const lines = page.records.map(
        (p) =>
          `${p.id}  ${p.state}  ${p.splitRule}  price ${p.price}/round  seats ${p.seats
            .map((s) => (s.member ? `${String(s.member.rowCount)} rows` : 'open'))
            .join(', ')}`,
      );
      out(lines.join('\n') || 'no pools', page);
    },
  },
  {
    name: 'pool propose',
    group: 'seller',
    summary: 'propose a pool from a JSON proposal (docs/pools.md); then join it like any member',
    options: {
      file: { type: 'string', value: 'FILE', required: true, description: 'the proposal (JSON)' },
    },
    async run(input, { client, out }) {
      const proposal = JSON.parse(await readFile(input.required('file'), 'utf8')) as PoolProposal;
      const pool = await new PoolClient(await client()).propose(proposal);
      out(`proposed ${pool.id}: ${pool.state}, ${String(pool.seats.length)} seats`, pool);
    },
  },
  {
    name: 'pool join',
    group: 'seller',
    summary: "join a pool with a dataset of your app's store (the app makes the mask key)",
    args: [POOL],
    options: {
      dataset: { type: 'string', value: 'ID', required: true, description: 'your dataset' },
      stake: { type: 'string', value: 'S', description: 'stake rule: your seat’s stake' },
    },
    async run(input, { client, out }) {
      const joined = await new PoolClient(await client()).join(
        input.arg(0),
        input.required('dataset'),
        input.string('stake'),
      );
      out(`joined ${joined.poolId} with ${joined.datasetId}: pool ${joined.pool.state}`, joined);
    },
  },
  {
    name: 'pool leave',
    group: 'seller',
    summary: 'leave a pool while none of its joint trades is open',
    args: [POOL],
    async run(input, { client, out }) {
      const pool = await new PoolClient(await client()).leave(input.arg(0));
      out(`left ${pool.id}: ${pool.state}`, pool);
    },
  },
  {
    name: 'buy-pool',
    group: 'buyer',
    summary: "buy a pool for some rounds and wait for every member's bundle",
    args: [POOL],
    options: {
      rounds: { type: 'string', value: 'N', description: 'rounds to buy (default 1)' },
    },
    async run(input, { client, out, progress }) {
      const pools = new PoolClient(await client());
      const bought = await pools.buyPool(input.arg(0), input.number('rounds', 1));
      progress.update(`joint trade ${bought.tradeId}: PAID, waiting for the members' bundles`);
      const trade = await pools.waitFor(bought.tradeId, (t) => t.state === 'COMPUTING');
      progress.done('every member delivered');
      out(`joint trade ${trade.tradeId}: ${trade.state}, round ${String(trade.round)}`, trade);
    },
  },
  {
    name: 'pool-run',
    group: 'buyer',
    summary: 'per seller: fetch its bundle, run SCRIPT on it, upload the partial to its app',
    args: [TRADE, { name: 'SCRIPT', what: 'script' }],
    options: { ...APPS, ...ROUND },
    async run(input, { client, out, progress }) {
      const pools = new PoolClient(await client());
      const tradeId = input.arg(0);
      const trade = await pools.poolTrade(tradeId);
      const round = input.number('round', trade.round);
      const apps = input.string('app')?.split(',');
      const hashes: string[] = [];
      let valueCount = 0;
      for (const seat of trade.members.keys()) {
        const app = appFor(apps, seat);
        progress.update(`seat ${String(seat)}: fetching its bundle from ${app ?? 'its org’s app'}`);
        const bundle = await pools.bundle(tradeId, seat, app);
        const computed = await runScript(input.arg(1), bundle, (m) => {
          progress.update(`seat ${String(seat)}: ${m}`);
        });
        hashes.push(await pools.uploadPartial(tradeId, round, seat, computed.result, app));
        valueCount = computed.valueCount;
      }
      progress.done(`${String(hashes.length)} partials uploaded`);
      out(
        `round ${String(round)}: ${String(valueCount)} values per partial\n` +
          `datamarket submit-partials ${tradeId} --round ${String(round)} --values ${String(valueCount)} --hashes ${hashes.join(',')}`,
        { tradeId, round, valueCount, partialHashes: hashes },
      );
    },
  },
  {
    name: 'submit-partials',
    group: 'buyer',
    summary: "record a round's partials on chain (one hash per seat); the members then share",
    args: [TRADE],
    options: {
      ...ROUND,
      values: { type: 'string', value: 'N', required: true, description: 'values per partial' },
      hashes: { type: 'string', value: 'H,H,…', required: true, description: 'one per seat' },
      wait: { type: 'boolean', description: "wait for the round's aggregate and print it" },
    },
    async run(input, { client, out, progress }) {
      const pools = new PoolClient(await client());
      const tradeId = input.arg(0);
      const round = input.number('round', (await pools.poolTrade(tradeId)).round);
      const hashes = input.required('hashes').split(',');
      const trade = await pools.submitPartials(tradeId, round, input.number('values', 0), hashes);
      if (!input.flag('wait')) {
        out(`joint trade ${tradeId}: ${trade.state}, round ${String(round)}`, trade);
        return;
      }
      progress.update('waiting for every member’s share');
      await pools.waitFor(
        tradeId,
        (t) => t.round > round || ['SCORING', 'SETTLED'].includes(t.state),
      );
      const aggregate = await pools.aggregate(tradeId, round);
      progress.done('aggregate summed');
      out(`round ${String(round)}: ${aggregate.values.join(', ')}`, aggregate);
    },
  },
  {
    name: 'pool-aggregate',
    group: 'buyer',
    summary: "a round's aggregate: the members' masked shares opened and summed",
    args: [TRADE],
    options: { ...ROUND },
    async run(input, { client, out }) {
      const pools = new PoolClient(await client());
      const tradeId = input.arg(0);
      const round = input.number('round', (await pools.poolTrade(tradeId)).round);
      const aggregate = await pools.aggregate(tradeId, round);
      out(`round ${String(round)}: ${aggregate.values.join(', ')}`, aggregate);
    },
  },
  {
    name: 'pool-scores',
    group: 'buyer',
    summary:
      "shapley-f1: the F1 score of each coalition's model (by seat bitmask); settles by Shapley value",
    args: [TRADE],
    options: {
      scores: {
        type: 'string',
        value: 'F,F,…',
        required: true,
        description: 'v(1),…,v(2^n−1): coalition c is entry c (bit i = seat i), 0 to 1',
      },
    },
    async run(input, { client, out }) {
      const scores = input.required('scores').split(',');
      const trade = await new PoolClient(await client()).submitScores(input.arg(0), scores);
      const parts = trade.members.map((m, seat) => `seat ${String(seat)} ${m.paid}`).join(', ');
      out(`joint trade ${trade.tradeId}: ${trade.state}, paid ${parts}`, trade);
    },
  },
];
