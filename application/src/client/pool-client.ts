/**
 * The pool part of the client (docs/pools.md): sellers propose, join and leave pools; buyers
 * buy a pool, fetch each member's bundle and upload each member's partial through their own
 * app, record a round's partials, read its aggregate and, under shapley-f1, submit the
 * coalitions' F1 scores. Over the same REST API and token as DataMarketClient.
 */
import { createHash } from 'node:crypto';
import type { Page, Pool, PoolProposal, PoolTrade } from '@datamarket/chaincode/api';
import type { DataMarketClient } from './client.js';
import { GatewayError } from './errors.js';

export interface PoolAggregate {
  tradeId: string;
  round: number;
  values: number[];
  coalitions: { coalition: number; values: number[] }[];
}

export interface PoolSeatJoined {
  channel: string;
  poolId: string;
  user: string;
  datasetId: string;
  maskPublicKey: string;
  pool: Pool;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PoolClient {
  constructor(private readonly client: DataMarketClient) {}

  private path(template: string): string {
    return `/api/channels/${encodeURIComponent(this.client.channel)}${template}`;
  }

  private async json<T>(
    method: string,
    template: string,
    options: Parameters<DataMarketClient['request']>[2] = {},
  ): Promise<T> {
    return (await (await this.client.request(method, this.path(template), options)).json()) as T;
  }

  pools(bookmark?: string): Promise<Page<Pool>> {
    return this.json('GET', '/pools', { query: { bookmark } });
  }

  pool(poolId: string): Promise<Pool> {
    return this.json('GET', `/pools/${poolId}`);
  }

  poolTrades(poolId: string): Promise<Page<PoolTrade>> {
    return this.json('GET', `/pools/${poolId}/trades`);
  }

  poolTrade(tradeId: string): Promise<PoolTrade> {
    return this.json('GET', `/pool-trades/${tradeId}`);
  }

  propose(proposal: PoolProposal): Promise<Pool> {
    return this.json('POST', '/pools', { json: proposal });
  }

  join(poolId: string, datasetId: string, stake?: string): Promise<PoolSeatJoined> {
    return this.json('POST', `/pools/${poolId}/join`, {
      json: { datasetId, ...(stake === undefined ? {} : { stake }) },
    });
  }

  leave(poolId: string): Promise<Pool> {
    return this.json('POST', `/pools/${poolId}/leave`);
  }

  /** Buys `rounds` rounds at the pool's current terms (refused if they changed since read). */
  async buyPool(poolId: string, rounds: number): Promise<PoolTrade> {
    const pool = await this.pool(poolId);
    return this.json('POST', `/pools/${poolId}/trades`, {
      json: { rounds, expectedPrice: pool.price, expectedDeposit: pool.deposit },
    });
  }

  /**
   * One member's bundle from that member's app (its hash and size checked by the app); without
   * `appUrl`, the app the member's org registered on chain.
   */
  async bundle(tradeId: string, seat: number, appUrl?: string): Promise<Uint8Array> {
    const response = await this.client.request(
      'GET',
      this.path(`/pool-trades/${tradeId}/seats/${String(seat)}/bundle`),
      { query: { appUrl } },
    );
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Uploads one member's encrypted partial of a round; returns its SHA-256. */
  async uploadPartial(
    tradeId: string,
    round: number,
    seat: number,
    partial: Uint8Array,
    appUrl?: string,
  ): Promise<string> {
    const reply = await this.json<{ sha256: string }>(
      'PUT',
      `/pool-trades/${tradeId}/rounds/${String(round)}/seats/${String(seat)}/partial`,
      { raw: partial, query: { appUrl } },
    );
    const own = createHash('sha256').update(partial).digest('hex');
    if (reply.sha256 !== own) {
      throw new GatewayError(502, 'HASH_MISMATCH', `the partial was stored as ${reply.sha256}`);
    }
    return own;
  }

  submitPartials(
    tradeId: string,
    round: number,
    valueCount: number,
    partialHashes: string[],
  ): Promise<PoolTrade> {
    return this.json('POST', `/pool-trades/${tradeId}/rounds/${String(round)}/partials`, {
      json: { valueCount, partialHashes },
    });
  }

  aggregate(tradeId: string, round: number): Promise<PoolAggregate> {
    return this.json('GET', `/pool-trades/${tradeId}/rounds/${String(round)}/aggregate`);
  }

  /**
   * shapley-f1: the F1 score of every coalition's model, `[v(1), …, v(2^n − 1)]` by seat
   * bitmask, as text with at most 6 decimals; the trade settles by the Shapley values.
   */
  submitScores(tradeId: string, scores: string[]): Promise<PoolTrade> {
    return this.json('POST', `/pool-trades/${tradeId}/scores`, { json: { scores } });
  }

  refund(tradeId: string): Promise<PoolTrade> {
    return this.json('POST', `/pool-trades/${tradeId}/refund`);
  }

  /** Polls the joint trade until `accept` holds (or a final state, or the timeout). */
  async waitFor(
    tradeId: string,
    accept: (trade: PoolTrade) => boolean,
    timeoutMs = 300_000,
  ): Promise<PoolTrade> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const trade = await this.poolTrade(tradeId);
      if (accept(trade)) return trade;
      if (['REJECTED', 'REFUNDED', 'CLAIMED'].includes(trade.state) || Date.now() > deadline) {
        throw new GatewayError(
          409,
          'POOL_TRADE_STATE',
          `joint trade ${tradeId} is ${trade.state} (round ${String(trade.round)})`,
        );
      }
      await sleep(250);
    }
  }
}
