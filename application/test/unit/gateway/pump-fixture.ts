/**
 * A seller's event pump on the in-process ledger, for the pump tests: a funded three-org
 * network, the real SQLite seller store in a temp dir, and a deterministic stand-in for the
 * CKKS engine (the bundle is fixed bytes; a "result" is JSON naming the values it decrypts to,
 * or a refusal).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withDefaults, type GatewayConfig } from '../../../src/gateway/config.js';
import { generateResultKeyPair, sha256Hex } from '../../../src/gateway/crypto/result-envelope.js';
import { Sealer } from '../../../src/gateway/crypto/sealing.js';
import { EventPump } from '../../../src/gateway/pump.js';
import type { PumpHooks } from '../../../src/gateway/pump.js';
import { ResultRefused, type SellerCrypto } from '../../../src/gateway/seller-crypto.js';
import { openSellerStore, type SellerStore } from '../../../src/gateway/store/seller-store.js';
import type { ListingInput, Trade } from '../../../src/gateway/types.js';
import { fundedNetwork, ORG_ADMIN, type FundedNetwork } from '../../support/index.js';

export const CHANNEL = 'market';
export const SELLER = 'User1';
export const BUYER = 'User1';
export const SECRET_KEY = Buffer.from('fake ckks secret key 0123456789');

/** What a fake "encrypted result" holds: the values it decrypts to, or why it is refused. */
export type FakeResult = { values: number[] } | { refuse: string };

export const fakeResult = (result: FakeResult) => Buffer.from(JSON.stringify(result));

export class FakeSellerCrypto implements SellerCrypto {
  bundles = 0;
  decryptions = 0;

  createBundle(dataset: { datasetId: string; rows: number[][] }, preset: string) {
    this.bundles += 1;
    const bundle = Buffer.from(`bundle ${dataset.datasetId} ${preset} ${dataset.rows.length}`);
    return Promise.resolve({ bundle, secretKey: Buffer.from(SECRET_KEY) });
  }

  decryptResult(input: Parameters<SellerCrypto['decryptResult']>[0]): Promise<number[]> {
    this.decryptions += 1;
    if (!Buffer.from(input.secretKey).equals(SECRET_KEY)) {
      throw new Error('decryptResult got the wrong secret key');
    }
    const result = JSON.parse(Buffer.from(input.result).toString('utf8')) as FakeResult;
    if ('refuse' in result) throw new ResultRefused(result.refuse);
    return Promise.resolve(result.values);
  }
}

export function listing(id: string, overrides: Partial<ListingInput> = {}): ListingInput {
  return {
    id,
    title: `dataset ${id}`,
    schema: { columns: ['a', 'b'], rowCount: 3 },
    price: '100',
    deposit: '10',
    deliverWithin: 3600,
    resultWithin: 7200,
    decryptWithin: 1800,
    leakageBound: 4,
    ckksPreset: 'test-preset',
    sellerGatewayUrl: 'https://seller.example.com/gateway',
    ...overrides,
  };
}

export interface PumpFixture extends FundedNetwork {
  store: SellerStore;
  sealer: Sealer;
  crypto: FakeSellerCrypto;
  config: GatewayConfig;
  lines: string[];
  buyerKeys: Map<string, string>;
  /** A pump on the store (started); `stop()` it, or call fixture.close(). */
  startPump(hooks?: PumpHooks): EventPump;
  /** The seller lists a dataset and keeps its rows in the store. */
  list(id: string, overrides?: Partial<ListingInput>): Promise<void>;
  /** The buyer purchases with a fresh result key (private half kept in buyerKeys). */
  purchase(datasetId: string, resultKey?: string): Promise<string>;
  /** The buyer uploads a result to the seller's store and submits its hash on chain. */
  submitResult(tradeId: string, result: Buffer, valueCount: number): Promise<void>;
  trade(tradeId: string): Promise<Trade>;
  /** How many committed transactions called this contract function. */
  submits(fn: string): number;
  actions(tradeId: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function pumpFixture(): Promise<PumpFixture> {
  const funded = await fundedNetwork();
  // The app URLs the pump tests' listings name, registered by each org's admin.
  for (const url of ['https://seller.example.com/gateway', 'https://seller.example.com']) {
    await funded.seller.registerOrgApp(ORG_ADMIN, CHANNEL, url);
  }
  await funded.buyer.registerOrgApp(ORG_ADMIN, CHANNEL, 'https://other.example.com');
  const dir = mkdtempSync(path.join(tmpdir(), 'datamarket-pump-'));
  const storePath = path.join(dir, 'seller.sqlite');
  const store = await openSellerStore(storePath);
  const sealer = new Sealer('pump test store secret');
  const crypto = new FakeSellerCrypto();
  const config = withDefaults({
    org: 'seller',
    roles: ['seller'],
    channels: [CHANNEL],
    networkRunDir: dir,
    storePath,
    storeSecret: 'pump test store secret',
    users: [{ user: SELLER, tokenSha256: sha256Hex('seller token') }],
  });
  const lines: string[] = [];
  const pumps: EventPump[] = [];
  const buyerKeys = new Map<string, string>();
  const channel = funded.network.channel(CHANNEL);
  if (!channel) throw new Error(`no channel ${CHANNEL}`);
  return {
    ...funded,
    store,
    sealer,
    crypto,
    config,
    lines,
    buyerKeys,
    startPump(hooks) {
      const pump = new EventPump({
        config,
        ledger: funded.seller,
        store,
        sealer,
        crypto,
        hooks,
        log: (line) => lines.push(line),
        now: () => funded.network.now(),
        resumeDelayMs: 5,
      });
      pumps.push(pump);
      pump.start();
      return pump;
    },
    async list(id, overrides) {
      await funded.seller.createListing(SELLER, CHANNEL, listing(id, overrides));
      await store.putDataset({
        channel: CHANNEL,
        datasetId: id,
        columns: ['a', 'b'],
        rows: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        owner: SELLER,
      });
    },
    async purchase(datasetId, resultKey) {
      const keys = generateResultKeyPair();
      const { txId } = await funded.buyer.purchase(
        BUYER,
        CHANNEL,
        { datasetId, buyerResultKey: resultKey ?? keys.publicKeyPem },
        (tradeId) => {
          buyerKeys.set(tradeId, keys.privateKeyPem);
          return Promise.resolve();
        },
      );
      return txId;
    },
    async submitResult(tradeId, result, valueCount) {
      const sha256 = sha256Hex(result);
      await store.putResult({ channel: CHANNEL, tradeId, bytes: result, sha256 });
      await funded.buyer.submitResult(BUYER, CHANNEL, tradeId, sha256, valueCount);
    },
    trade: (tradeId) => funded.buyer.getTrade(BUYER, CHANNEL, tradeId),
    submits: (fn) => channel.transactions.filter((tx) => tx.fn === fn).length,
    async actions(tradeId) {
      return (await store.pumpLog(CHANNEL, tradeId)).map((entry) => entry.action);
    },
    async close() {
      await Promise.all(pumps.map((pump) => pump.stop()));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it holds (or fails after `timeoutMs`). */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Waits until the trade reaches `state`. */
export async function untilState(
  fixture: PumpFixture,
  tradeId: string,
  state: Trade['state'],
): Promise<Trade> {
  await eventually(async () => (await fixture.trade(tradeId)).state === state, `trade ${state}`);
  return fixture.trade(tradeId);
}

/** Waits until the pump's journal for the trade holds `action`. */
export async function untilAction(fixture: PumpFixture, tradeId: string, action: string) {
  await eventually(async () => (await fixture.actions(tradeId)).includes(action), action);
}
