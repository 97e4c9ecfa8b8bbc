import { TRADE_EVENT } from '@datamarket/chaincode/api';
import { ContractRefusal } from './ledger/errors.js';
import type { EventPosition, EventStream, LedgerEvent } from './ledger/market-ledger.js';
import { InFlight } from './pump/checkpoints.js';
import { deliver } from './pump/delivery.js';
import type { HandlerContext, PumpDeps } from './pump/deps.js';
import { WorkerPool } from './pump/pool.js';
import { settle } from './pump/settlement.js';
import { BalanceCompactor, DEFAULT_COMPACT_BALANCE_EVERY } from './pump/compaction.js';
import type { StoredDataset } from './store/seller-store.js';
import type { TradeEvent } from './types.js';
import { messageOf } from './message-of.js';

export type { PumpDeps, PumpHooks } from './pump/deps.js';

const utf8 = new TextDecoder();

/** Handling attempts for one event before it is logged as failed and passed over. */
export const MAX_ATTEMPTS = 5;

/** The trade events the seller acts on, read from an event's payload (undefined: not ours). */
function tradeEventOf(event: LedgerEvent): TradeEvent | undefined {
  if (event.name !== TRADE_EVENT) return undefined;
  let payload: TradeEvent;
  try {
    payload = JSON.parse(utf8.decode(event.payload)) as TradeEvent;
  } catch {
    return undefined;
  }
  return payload.type === 'Purchased' || payload.type === 'ResultSubmitted' ? payload : undefined;
}

/** Trades the pump works on at once unless the config says otherwise. */
export const DEFAULT_PUMP_CONCURRENCY = 4;

/**
 * The seller's event pump. Per channel it reads the contract's events from its checkpoint
 * (kept in the seller store) and hands the seller's own trades to a bounded worker pool
 * (`pumpConcurrency`), so one slow or failing trade never holds up the others; events of one
 * trade are handled in order. The checkpoint moves past an event only when it and every
 * earlier event are handled. Handlers are idempotent: each re-reads the trade from the ledger
 * and acts only if the trade is still in the state the event announced, and reuses a stored
 * bundle. So a crash anywhere means the event is seen again and handled once.
 *
 * A contract refusal is final (logged as failed at once); any other failure is tried again
 * after a pause, up to MAX_ATTEMPTS times, then logged as failed and passed.
 */
export class EventPump {
  private stopped = false;
  private readonly streams = new Set<EventStream>();
  private readonly loops: Promise<void>[] = [];
  private readonly readerUser: string;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly pool: WorkerPool;
  private readonly compactor: BalanceCompactor;

  constructor(private readonly deps: PumpDeps) {
    this.readerUser = deps.config.users[0]?.user ?? 'User1';
    this.log =
      deps.log ??
      ((line) => {
        console.log(`[pump ${deps.ledger.org}] ${line}`);
      });
    this.now = deps.now ?? Date.now;
    this.pool = new WorkerPool(deps.config.pumpConcurrency ?? DEFAULT_PUMP_CONCURRENCY);
    this.compactor = new BalanceCompactor(
      deps.ledger,
      deps.config.compactBalanceEvery ?? DEFAULT_COMPACT_BALANCE_EVERY,
      this.log,
    );
  }

  start(): void {
    for (const channel of this.deps.config.channels) {
      this.loops.push(this.run(channel));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const stream of this.streams) stream.close();
    await Promise.allSettled(this.loops);
    await this.compactor.idle();
  }

  /** Trades being handled right now (for tests and the bench). */
  get busy(): number {
    return this.pool.busy;
  }

  /** A method, not the field: the compiler would take the field as unchanged across awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private async run(channel: string): Promise<void> {
    const name = `pump:${channel}`;
    let position: EventPosition | undefined;
    let loaded = false;
    while (!this.isStopped()) {
      let stream: EventStream | undefined;
      const inFlight = new InFlight();
      let saving: Promise<void> = Promise.resolve();
      try {
        if (!loaded) {
          position = await this.deps.store.getCheckpoint(name);
          loaded = true;
        }
        const startBlock = this.deps.config.pumpStartBlock ?? 0n;
        stream = await this.deps.ledger.events(this.readerUser, channel, position, startBlock);
        this.streams.add(stream);
        if (this.isStopped()) break;
        for await (const event of stream) {
          if (this.isStopped()) break;
          const entry = inFlight.add(event);
          await this.pool.admit(this.workKey(channel, event), async () => {
            // Left unfinished when the pump stops mid-way: the checkpoint stays before it.
            if (!(await this.handle(channel, event))) return;
            const next = inFlight.finish(entry);
            if (!next) return;
            // Checkpoint writes in order, each after the one before.
            saving = saving.then(async () => {
              await this.deps.store.putCheckpoint(name, next.blockNumber, next.transactionId);
              position = next;
            });
            await saving;
          });
        }
      } catch (error) {
        if (this.isStopped()) break;
        this.log(`channel ${channel}: ${messageOf(error)}; resuming from the checkpoint`);
        await this.pause();
      } finally {
        if (stream) {
          stream.close();
          this.streams.delete(stream);
        }
        // Reopen (or stop) only once every event read is handled: no event runs twice at once.
        await this.pool.idle();
        await saving.catch(() => undefined);
      }
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.deps.resumeDelayMs ?? 1000));
  }

  /** Events of one trade share a key, so they are handled one after another. */
  private workKey(channel: string, event: LedgerEvent): string {
    return `${channel}/${tradeEventOf(event)?.tradeId ?? event.transactionId}`;
  }

  /**
   * Handles one event, trying again after failures worth retrying; never throws. False when
   * the pump stopped before the event was handled (it is read again after a restart).
   */
  private async handle(channel: string, event: LedgerEvent): Promise<boolean> {
    const payload = tradeEventOf(event);
    if (!payload) return true;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const dataset = await this.deps.store.getDataset(channel, payload.datasetId);
        if (!dataset) return true; // not one of ours
        await this.act(channel, payload, dataset);
        return true;
      } catch (error) {
        const final = error instanceof ContractRefusal || attempt >= MAX_ATTEMPTS;
        const reason = messageOf(error);
        const { tradeId, type } = payload;
        if (!final && !this.isStopped()) {
          this.log(`trade ${tradeId}: ${type} try ${String(attempt)} failed: ${reason}`);
          await this.pause();
          continue;
        }
        if (this.isStopped()) return false;
        await this.deps.store.logPump(channel, tradeId, 'failed', `${type}: ${reason}`);
        this.log(`trade ${tradeId}: ${type} handling failed: ${reason}`);
        return true;
      }
    }
  }

  /** Re-reads the trade and runs the handler for the event, if the trade is the seller's. */
  private async act(channel: string, payload: TradeEvent, dataset: StoredDataset): Promise<void> {
    const { ledger } = this.deps;
    const user = dataset.owner ?? this.readerUser;
    const trade = await ledger.getTrade(user, channel, payload.tradeId);
    if (trade.seller !== (await ledger.accountId(user, channel))) return;
    const context: HandlerContext = {
      deps: this.deps,
      channel,
      tradeId: payload.tradeId,
      user,
      now: this.now,
      log: this.log,
      paidOut: () => {
        this.compactor.paid(user, channel);
      },
    };
    if (payload.type === 'Purchased') await deliver(context, trade, dataset);
    else await settle(context, trade);
  }
}
