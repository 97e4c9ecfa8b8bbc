import type { MarketLedger } from '../gateway/ledger/market-ledger.js';

/** A contract event as the web pages use it: its kind, block and decoded JSON payload. */
export interface WebEvent {
  name: string;
  blockNumber: string;
  transactionId: string;
  payload: Record<string, unknown>;
}

/** Supply, balances and escrow after a block, reconstructed from the contract's events. */
export interface SupplyPoint {
  block: string;
  supply: string;
  balances: string;
  escrow: string;
}

type Listener = (event: WebEvent) => void;

/**
 * One stream of a channel's contract events per app, read from block 0 and shared by every
 * page that follows the channel (trade pages, the supply chart), so pages are pushed what
 * the ledger committed instead of polling. Along the way it keeps the supply series: token
 * events change the supply (Minted, Burned), trade events carry each trade's escrow after
 * the transaction; balances are supply − escrow.
 */
export class ChannelEvents {
  private readonly listeners = new Set<Listener>();
  private readonly escrowByTrade = new Map<string, bigint>();
  private supply = 0n;
  private escrow = 0n;
  private started = false;
  private stream: { close(): void } | undefined;
  readonly series: SupplyPoint[] = [];
  lastBlock = -1n;
  private lastTransaction: string | undefined;

  constructor(
    private readonly ledger: MarketLedger,
    private readonly user: string,
    private readonly channel: string,
  ) {}

  subscribe(listener: Listener): () => void {
    this.start();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts reading (once); a failed stream is reopened after a pause from where it was. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.read();
  }

  close(): void {
    this.started = false;
    this.stream?.close();
  }

  private async read(): Promise<void> {
    while (this.isRunning()) {
      try {
        const from =
          this.lastBlock >= 0n
            ? { blockNumber: this.lastBlock, transactionId: this.lastTransaction }
            : undefined;
        const stream = await this.ledger.events(this.user, this.channel, from, 0n);
        this.stream = stream;
        for await (const event of stream) {
          this.take({
            name: event.name,
            blockNumber: event.blockNumber.toString(),
            transactionId: event.transactionId,
            payload: decode(event.payload),
          });
          this.lastBlock = event.blockNumber;
          this.lastTransaction = event.transactionId;
        }
      } catch {
        // The peer went away or the stream broke: try again shortly.
      }
      if (this.isRunning()) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  private isRunning(): boolean {
    return this.started;
  }

  private take(event: WebEvent): void {
    const { payload } = event;
    const amount = toBig(payload.amount);
    if (payload.type === 'Minted') this.supply += amount;
    if (payload.type === 'Burned') this.supply -= amount;
    if (typeof payload.tradeId === 'string' && typeof payload.escrow === 'string') {
      const before = this.escrowByTrade.get(payload.tradeId) ?? 0n;
      const after = toBig(payload.escrow);
      this.escrowByTrade.set(payload.tradeId, after);
      this.escrow += after - before;
    }
    const point: SupplyPoint = {
      block: event.blockNumber,
      supply: this.supply.toString(),
      balances: (this.supply - this.escrow).toString(),
      escrow: this.escrow.toString(),
    };
    const last = this.series.at(-1);
    if (last?.block === point.block) this.series[this.series.length - 1] = point;
    else this.series.push(point);
    for (const listener of this.listeners) listener(event);
  }
}

function decode(payload: Uint8Array): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toBig(value: unknown): bigint {
  return typeof value === 'string' && /^\d+$/.test(value) ? BigInt(value) : 0n;
}

/** The event hubs of an app, one per channel, made when first asked for. */
export class EventHubs {
  private readonly hubs = new Map<string, ChannelEvents>();
  constructor(
    private readonly ledger: MarketLedger,
    private readonly user: string,
  ) {}
  of(channel: string): ChannelEvents {
    let hub = this.hubs.get(channel);
    if (!hub) {
      hub = new ChannelEvents(this.ledger, this.user, channel);
      this.hubs.set(channel, hub);
    }
    return hub;
  }
  close(): void {
    for (const hub of this.hubs.values()) hub.close();
  }
}
