import type {
  ChaincodeEvent,
  CloseableAsyncIterable,
  Checkpointer,
} from '@hyperledger/fabric-gateway';
import type { GatewayConfig } from './config.js';
import { encryptToResultKey, sha256Hex } from './crypto/result-envelope.js';
import type { Sealer } from './crypto/sealing.js';
import { contractErrorMessage } from './http/errors.js';
import { CHAINCODE, type Ledger } from './ledger.js';
import { labels } from './app.js';
import { ResultRefused, type SellerCrypto } from './seller-crypto.js';
import type { SellerStore, StoredDataset } from './store/seller-store.js';
import type { PlainResult, Trade, TradeEvent } from './types.js';

const utf8 = new TextDecoder();

/**
 * fabric-gateway Checkpointer kept in the seller store (survives restarts). Its getters are
 * synchronous, so the checkpoint is read once (`load`) and then kept in memory, written through.
 */
export class StoreCheckpointer implements Checkpointer {
  private constructor(
    private readonly store: SellerStore,
    private readonly name: string,
    private current: { blockNumber: bigint; transactionId?: string } | undefined,
  ) {}
  static async load(store: SellerStore, name: string): Promise<StoreCheckpointer> {
    return new StoreCheckpointer(store, name, await store.getCheckpoint(name));
  }
  getBlockNumber(): bigint | undefined {
    return this.current?.blockNumber;
  }
  getTransactionId(): string | undefined {
    return this.current?.transactionId;
  }
  async checkpointBlock(blockNumber: bigint): Promise<void> {
    await this.store.putCheckpoint(this.name, blockNumber + 1n);
    this.current = { blockNumber: blockNumber + 1n };
  }
  async checkpointTransaction(blockNumber: bigint, transactionId: string): Promise<void> {
    await this.store.putCheckpoint(this.name, blockNumber, transactionId);
    this.current = { blockNumber, transactionId };
  }
  checkpointChaincodeEvent(event: ChaincodeEvent): Promise<void> {
    return this.checkpointTransaction(event.blockNumber, event.transactionId);
  }
}

export interface PumpHooks {
  /** Runs after the bundle is stored and before ConfirmDelivery (tests: crash here). */
  beforeConfirmDelivery?: (channel: string, tradeId: string) => Promise<void>;
}

export interface PumpDeps {
  config: GatewayConfig;
  ledger: Ledger;
  store: SellerStore;
  sealer: Sealer;
  crypto: SellerCrypto;
  hooks?: PumpHooks;
  log?: (line: string) => void;
}

const MAX_ATTEMPTS = 5;

/**
 * The seller's event pump. Per channel it reads the contract's events from its checkpoint
 * (kept in the seller store), acts on the seller's own trades, and checkpoints each event only
 * after its handler finished. Handlers are idempotent: each re-reads the trade from the ledger
 * and acts only if the trade is still in the state the event announced, and reuses a stored
 * bundle. So a crash anywhere means the event is seen again and handled once.
 */
export class EventPump {
  private stopped = false;
  private readonly streams = new Set<CloseableAsyncIterable<ChaincodeEvent>>();
  private readonly loops: Promise<void>[] = [];
  private readonly attempts = new Map<string, number>();
  private readonly readerUser: string;
  private readonly log: (line: string) => void;

  constructor(private readonly deps: PumpDeps) {
    this.readerUser = deps.config.users[0]?.user ?? 'User1';
    this.log = deps.log ?? ((line) => console.log(`[pump ${deps.ledger.org}] ${line}`));
  }

  start(): void {
    for (const channel of this.deps.config.channels) this.loops.push(this.run(channel));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const stream of this.streams) stream.close();
    await Promise.allSettled(this.loops);
  }

  private async run(channel: string): Promise<void> {
    let checkpointer: StoreCheckpointer | undefined;
    while (!this.stopped) {
      let stream: CloseableAsyncIterable<ChaincodeEvent> | undefined;
      try {
        checkpointer ??= await StoreCheckpointer.load(this.deps.store, `pump:${channel}`);
        const network = await this.deps.ledger.fabricNetwork(this.readerUser, channel);
        stream = await network.getChaincodeEvents(CHAINCODE, {
          checkpoint: checkpointer,
          startBlock: this.deps.config.pumpStartBlock ?? 0n,
        });
        this.streams.add(stream);
        for await (const event of stream) {
          if (this.stopped) break;
          await this.handle(channel, event);
          await checkpointer.checkpointChaincodeEvent(event);
        }
      } catch (error) {
        if (this.stopped) break;
        this.log(`channel ${channel}: ${(error as Error).message}; resuming from the checkpoint`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      } finally {
        if (stream) {
          stream.close();
          this.streams.delete(stream);
        }
      }
    }
  }

  /** Handles one event; throws only for errors worth retrying (the event is then re-read). */
  private async handle(channel: string, event: ChaincodeEvent): Promise<void> {
    if (event.eventName !== 'TradeEvent') return;
    let payload: TradeEvent;
    try {
      payload = JSON.parse(utf8.decode(event.payload)) as TradeEvent;
    } catch {
      return;
    }
    if (payload.type !== 'Purchased' && payload.type !== 'ResultSubmitted') return;
    const dataset = await this.deps.store.getDataset(channel, payload.datasetId);
    if (!dataset) return; // not one of ours
    const key = `${channel}/${payload.tradeId}/${payload.type}`;
    try {
      if (payload.type === 'Purchased') await this.deliver(channel, payload.tradeId, dataset);
      else await this.settle(channel, payload.tradeId, dataset);
      this.attempts.delete(key);
    } catch (error) {
      const refusal = contractErrorMessage(error);
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, attempt);
      if (refusal || attempt >= MAX_ATTEMPTS) {
        const reason = refusal ?? (error as Error).message;
        await this.deps.store.logPump(
          channel,
          payload.tradeId,
          'failed',
          `${payload.type}: ${reason}`,
        );
        this.log(`trade ${payload.tradeId}: ${payload.type} handling failed: ${reason}`);
        this.attempts.delete(key);
        return;
      }
      throw error;
    }
  }

  private userFor(dataset: StoredDataset): string {
    return dataset.owner ?? this.readerUser;
  }

  private async deliver(channel: string, tradeId: string, dataset: StoredDataset): Promise<void> {
    const { ledger, store, sealer, crypto, hooks } = this.deps;
    const user = this.userFor(dataset);
    const trade = await ledger.evaluateJson<Trade>(user, channel, 'GetTrade', tradeId);
    if (trade.seller !== (await ledger.accountId(user, channel))) return;
    if (trade.state !== 'PAID') {
      await store.logPump(channel, tradeId, 'skip-purchase', `trade is ${trade.state}`);
      return;
    }
    if (trade.deliverBy !== null && Date.now() >= trade.deliverBy) {
      await store.logPump(
        channel,
        tradeId,
        'missed-delivery',
        `deliverBy ${trade.deliverBy} has passed`,
      );
      return;
    }
    let bundle = await store.getBundle(channel, tradeId);
    if (bundle) {
      await store.logPump(channel, tradeId, 'bundle-reused', bundle.sha256);
    } else {
      this.log(`trade ${tradeId}: fresh CKKS keys, encrypting ${dataset.rows.length} rows`);
      const material = await crypto.createBundle(dataset, trade.terms.ckksPreset);
      bundle = { channel, tradeId, bytes: material.bundle, sha256: sha256Hex(material.bundle) };
      await store.putTradeMaterial(
        {
          channel,
          tradeId,
          sealedSecretKey: sealer.seal(material.secretKey, labels.tradeKey(channel, tradeId)),
        },
        bundle,
      );
      material.secretKey.fill(0);
      await store.logPump(
        channel,
        tradeId,
        'bundle-stored',
        `${bundle.sha256} ${bundle.bytes.length} bytes`,
      );
    }
    await hooks?.beforeConfirmDelivery?.(channel, tradeId);
    await ledger.submitJson<Trade>(
      user,
      channel,
      'ConfirmDelivery',
      tradeId,
      bundle.sha256,
      String(bundle.bytes.length),
    );
    await store.logPump(channel, tradeId, 'delivery-confirmed', bundle.sha256);
    this.log(`trade ${tradeId}: delivery confirmed (${bundle.bytes.length} bytes)`);
  }

  private async settle(channel: string, tradeId: string, dataset: StoredDataset): Promise<void> {
    const { ledger, store, sealer, crypto } = this.deps;
    const user = this.userFor(dataset);
    const trade = await ledger.evaluateJson<Trade>(user, channel, 'GetTrade', tradeId);
    if (trade.seller !== (await ledger.accountId(user, channel))) return;
    if (trade.state !== 'RESULT_SUBMITTED') {
      await store.logPump(channel, tradeId, 'skip-result', `trade is ${trade.state}`);
      return;
    }
    const upload = await store.getResult(channel, tradeId);
    const bundle = await store.getBundle(channel, tradeId);
    const sealedKey = await store.getTradeKey(channel, tradeId);
    let reason: string | undefined;
    let values: number[] | undefined;
    if (!upload) reason = 'no encrypted result was uploaded to the seller app for this trade';
    else if (upload.sha256 !== trade.resultHash) {
      reason = `the uploaded result (sha256 ${upload.sha256}) does not match the on-chain resultHash ${trade.resultHash}`;
    } else if (!bundle || !sealedKey) reason = 'the seller holds no keys for this trade';
    else if (trade.decryptBy !== null && Date.now() >= trade.decryptBy) {
      reason = 'the decryption deadline has passed';
    } else {
      const secretKey = sealer.open(sealedKey.sealedSecretKey, labels.tradeKey(channel, tradeId));
      try {
        values = await crypto.decryptResult({
          secretKey,
          bundle: bundle.bytes,
          result: upload.bytes,
          preset: trade.terms.ckksPreset,
          maxValues: trade.terms.leakageBound,
          declaredValues: trade.valueCount ?? undefined,
        });
      } catch (error) {
        if (!(error instanceof ResultRefused)) throw error;
        reason = error.message;
      } finally {
        secretKey.fill(0);
      }
    }
    if (reason !== undefined || values === undefined) {
      const text = (reason ?? 'refused').slice(0, 1000);
      await ledger.submitJson<Trade>(user, channel, 'RejectResult', tradeId, text);
      await store.logPump(channel, tradeId, 'result-rejected', text);
      this.log(`trade ${tradeId}: result rejected: ${text}`);
      return;
    }
    const plain: PlainResult = { tradeId, datasetId: trade.datasetId, values };
    const text = JSON.stringify(plain);
    let encrypted: string;
    try {
      encrypted = encryptToResultKey(trade.buyerResultKey, Buffer.from(text));
    } catch (error) {
      const why = `cannot encrypt to the buyer's result key: ${(error as Error).message}`.slice(
        0,
        1000,
      );
      await ledger.submitJson<Trade>(user, channel, 'RejectResult', tradeId, why);
      await store.logPump(channel, tradeId, 'result-rejected', why);
      return;
    }
    await ledger.submitJson<Trade>(
      user,
      channel,
      'DeliverResult',
      tradeId,
      encrypted,
      sha256Hex(text),
    );
    await store.logPump(channel, tradeId, 'result-delivered', `${values.length} values`);
    this.log(
      `trade ${tradeId}: result decrypted and delivered (${values.length} values), escrow released`,
    );
  }
}
