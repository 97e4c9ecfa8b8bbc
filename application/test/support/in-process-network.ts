/**
 * The shared side of the in-process ledger: one InProcessMarket (the real contract on the fake
 * stub) per channel, one clock the test controls, and per channel the log of committed
 * transactions (one block each; block 0 is the channel's genesis block). Several
 * InProcessMarketLedger instances (one per org's app) share one network, so trades between
 * orgs work as on a real channel.
 */
import { randomBytes } from 'node:crypto';
import { InProcessMarket, type Identity, type TxName } from '@datamarket/chaincode/testing';

/** One committed transaction, in its own block. */
export interface CommittedTransaction {
  blockNumber: bigint;
  txId: string;
  fn: TxName;
  args: string[];
  creatorMspId: string;
  /** Transaction timestamp, epoch ms. */
  timestamp: number;
  /** The contract's return value (JSON text, or a bare string for a few functions). */
  result: string;
  event?: { name: string; payload: Uint8Array };
}

/** A fresh transaction id in Fabric's format (64 hex digits). */
export const newTxId = (): string => randomBytes(32).toString('hex');

export class InProcessChannel {
  readonly market: InProcessMarket;
  readonly transactions: CommittedTransaction[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    /** MSP ids of the member orgs; undefined = every org is a member. */
    readonly members: ReadonlySet<string> | undefined,
    private readonly clock: () => number,
  ) {
    this.market = new InProcessMarket(clock);
  }

  isMember(mspId: string): boolean {
    return this.members?.has(mspId) ?? true;
  }

  /** Blocks on the channel: the genesis block and one per committed transaction. */
  get height(): bigint {
    return BigInt(this.transactions.length + 1);
  }

  /** Runs a query function: it reads committed state and commits nothing. */
  async evaluate(who: Identity, fn: TxName, args: string[]): Promise<string> {
    return (await this.market.invoke(who, fn, args)).result;
  }

  /**
   * Runs a submit, alone (submits are serialized, as ordering would), and commits it in the
   * next block; a refusal throws and leaves no trace.
   */
  submit(
    who: Identity,
    fn: TxName,
    args: string[],
    txId = newTxId(),
  ): Promise<CommittedTransaction> {
    const run = async () => {
      const timestamp = this.clock();
      const record = await this.market.invoke(who, fn, args, { at: timestamp, txId });
      const committed: CommittedTransaction = {
        blockNumber: this.height,
        txId,
        fn,
        args,
        creatorMspId: who.mspId,
        timestamp,
        result: record.result,
        event: record.event && {
          name: record.event.name,
          payload: new TextEncoder().encode(JSON.stringify(record.event.payload)),
        },
      };
      this.transactions.push(committed);
      for (const listener of this.listeners) listener();
      return committed;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  findTransaction(txId: string): CommittedTransaction | undefined {
    return this.transactions.find((tx) => tx.txId === txId);
  }

  /** Calls `listener` after every commit; returns the unsubscribe function. */
  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface InProcessNetworkOptions {
  /** Channels every org is a member of (default ['market']). */
  channels?: string[];
  /** The clock's start, epoch ms (default: now, rounded down to a second). */
  startTime?: number;
}

export class InProcessNetwork {
  private time: number;
  private readonly channels = new Map<string, InProcessChannel>();

  constructor(options: InProcessNetworkOptions = {}) {
    this.time = options.startTime ?? Math.floor(Date.now() / 1000) * 1000;
    for (const name of options.channels ?? ['market']) this.addChannel(name);
  }

  /** The network's clock (peers and transaction timestamps alike), epoch ms. */
  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }

  setTime(ms: number): void {
    this.time = ms;
  }

  /** Adds a channel; with `members` (MSP ids), other orgs' peers cannot serve it. */
  addChannel(name: string, members?: string[]): InProcessChannel {
    if (this.channels.has(name)) throw new Error(`channel ${name} exists already`);
    const channel = new InProcessChannel(name, members && new Set(members), () => this.now());
    this.channels.set(name, channel);
    return channel;
  }

  channel(name: string): InProcessChannel | undefined {
    return this.channels.get(name);
  }
}
