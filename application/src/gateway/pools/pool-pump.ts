/**
 * The pool members' event pump: per channel it reads the contract's events from its own
 * checkpoint, and for each joint trade of a pool one of this app's users sits in, delivers the
 * bundle on PoolPurchased and shares the round on PartialsSubmitted. Handlers are idempotent
 * (they re-read the trade), so an event seen twice after a crash is handled once.
 */
import { POOL_TRADE_EVENT, type PoolTradeEvent } from '@datamarket/chaincode/api';
import { ContractRefusal } from '../ledger/errors.js';
import type {
  EventPosition,
  EventStream,
  LedgerEvent,
  MarketLedger,
} from '../ledger/market-ledger.js';
import {
  deliverPoolBundle,
  sharePoolRound,
  type PoolMemberDeps,
  type PoolSeatConfig,
} from './member.js';

const utf8 = new TextDecoder();

function poolEventOf(event: LedgerEvent): PoolTradeEvent | undefined {
  if (event.name !== POOL_TRADE_EVENT) return undefined;
  try {
    const payload = JSON.parse(utf8.decode(event.payload)) as PoolTradeEvent;
    return payload.type === 'PoolPurchased' || payload.type === 'PartialsSubmitted'
      ? payload
      : undefined;
  } catch {
    return undefined;
  }
}

export interface PoolPumpDeps extends PoolMemberDeps {
  /** Where the events come from (the app's MarketLedger). */
  events: Pick<MarketLedger, 'events'>;
  /** This app's seats: fixed, or read on every event (from the store, seats.ts). */
  seats: readonly PoolSeatConfig[] | (() => Promise<readonly PoolSeatConfig[]>);
  /** Channels to follow (default: the fixed seats' channels). */
  channels?: readonly string[];
  /** The user the pump reads events as (default: the first seat's user on the channel). */
  reader?: string;
  resumeDelayMs?: number;
}

export class PoolMemberPump {
  private stopped = false;
  private readonly streams = new Set<EventStream>();
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly deps: PoolPumpDeps) {}

  private async seats(): Promise<readonly PoolSeatConfig[]> {
    const { seats } = this.deps;
    return typeof seats === 'function' ? seats() : seats;
  }

  start(): void {
    const fixed = typeof this.deps.seats === 'function' ? [] : this.deps.seats;
    const channels = this.deps.channels ?? fixed.map((s) => s.channel);
    for (const channel of new Set(channels)) {
      this.loops.push(this.run(channel));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const stream of this.streams) stream.close();
    await Promise.allSettled(this.loops);
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  private async run(channel: string): Promise<void> {
    const name = `pool-pump:${channel}`;
    const fixed = typeof this.deps.seats === 'function' ? [] : this.deps.seats;
    const reader = this.deps.reader ?? fixed.find((s) => s.channel === channel)?.user ?? 'User1';
    while (!this.isStopped()) {
      let stream: EventStream | undefined;
      try {
        const position: EventPosition | undefined = await this.deps.store.getCheckpoint(name);
        stream = await this.deps.events.events(reader, channel, position, 0n);
        this.streams.add(stream);
        for await (const event of stream) {
          if (this.isStopped()) break;
          await this.handle(channel, event);
          await this.deps.store.putCheckpoint(name, event.blockNumber, event.transactionId);
        }
      } catch (error) {
        if (this.isStopped()) break;
        this.deps.log(
          `pool pump ${channel}: ${error instanceof Error ? error.message : String(error)}; resuming`,
        );
        await new Promise((resolve) => setTimeout(resolve, this.deps.resumeDelayMs ?? 1000));
      } finally {
        if (stream) {
          stream.close();
          this.streams.delete(stream);
        }
      }
    }
  }

  private async handle(channel: string, event: LedgerEvent): Promise<void> {
    const payload = poolEventOf(event);
    if (!payload) return;
    const seats = (await this.seats()).filter(
      (s) => s.channel === channel && s.poolId === payload.poolId,
    );
    for (const seat of seats) {
      try {
        if (payload.type === 'PoolPurchased')
          await deliverPoolBundle(this.deps, seat, payload.tradeId);
        else await sharePoolRound(this.deps, seat, payload.tradeId);
      } catch (error) {
        // A refusal is final (the trade moved on, or a deadline passed): log it, go on.
        if (!(error instanceof ContractRefusal)) throw error;
        await this.deps.store.logPump(
          channel,
          payload.tradeId,
          'pool-failed',
          `${payload.type}: ${error.message}`,
        );
        this.deps.log(`joint trade ${payload.tradeId}: ${payload.type} refused: ${error.message}`);
      }
    }
  }
}
