import { TRADE_EVENT } from '@datamarket/chaincode/api';
import { ContractRefusal } from './ledger/errors.js';
import type { EventPosition, EventStream, LedgerEvent } from './ledger/market-ledger.js';
import { deliver } from './pump/delivery.js';
import type { HandlerContext, PumpDeps } from './pump/deps.js';
import { settle } from './pump/settlement.js';
import type { StoredDataset } from './store/seller-store.js';
import type { TradeEvent } from './types.js';

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

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The seller's event pump. Per channel it reads the contract's events from its checkpoint
 * (kept in the seller store), acts on the seller's own trades, and checkpoints each event only
 * after its handler finished. Handlers are idempotent: each re-reads the trade from the ledger
 * and acts only if the trade is still in the state the event announced, and reuses a stored
 * bundle. So a crash anywhere means the event is seen again and handled once.
 *
 * A contract refusal is final (logged as failed at once); any other failure is retried by
 * re-reading the event from the checkpoint, up to MAX_ATTEMPTS times.
 */
export class EventPump {
  private stopped = false;
  private readonly streams = new Set<EventStream>();
  private readonly loops: Promise<void>[] = [];
  private readonly attempts = new Map<string, number>();
  private readonly readerUser: string;
  private readonly log: (line: string) => void;
  private readonly now: () => number;

  constructor(private readonly deps: PumpDeps) {
    this.readerUser = deps.config.users[0]?.user ?? 'User1';
    this.log =
      deps.log ??
      ((line) => {
        console.log(`[pump ${deps.ledger.org}] ${line}`);
      });
    this.now = deps.now ?? Date.now;
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
          await this.handle(channel, event);
          await this.deps.store.putCheckpoint(name, event.blockNumber, event.transactionId);
          position = { blockNumber: event.blockNumber, transactionId: event.transactionId };
        }
      } catch (error) {
        if (this.isStopped()) break;
        this.log(`channel ${channel}: ${messageOf(error)}; resuming from the checkpoint`);
        await new Promise((resolve) => setTimeout(resolve, this.deps.resumeDelayMs ?? 1000));
      } finally {
        if (stream) {
          stream.close();
          this.streams.delete(stream);
        }
      }
    }
  }

  /** Handles one event; throws only for errors worth retrying (the event is then re-read). */
  private async handle(channel: string, event: LedgerEvent): Promise<void> {
    const payload = tradeEventOf(event);
    if (!payload) return;
    const dataset = await this.deps.store.getDataset(channel, payload.datasetId);
    if (!dataset) return; // not one of ours
    const key = `${channel}/${payload.tradeId}/${payload.type}`;
    try {
      await this.act(channel, payload, dataset);
      this.attempts.delete(key);
    } catch (error) {
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, attempt);
      if (!(error instanceof ContractRefusal) && attempt < MAX_ATTEMPTS) throw error;
      this.attempts.delete(key);
      const reason = messageOf(error);
      const { tradeId, type } = payload;
      await this.deps.store.logPump(channel, tradeId, 'failed', `${type}: ${reason}`);
      this.log(`trade ${tradeId}: ${type} handling failed: ${reason}`);
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
    };
    if (payload.type === 'Purchased') await deliver(context, trade, dataset);
    else await settle(context, trade);
  }
}
