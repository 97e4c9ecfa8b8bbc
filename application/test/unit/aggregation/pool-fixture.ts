/**
 * Pool tests on the in-process ledger (the real contract) with the real CKKS engine: three
 * seller users of the seller org, their datasets in a SQLite seller store, their pool pump,
 * and a buyer who uploads one partial per seller.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PoolProposal, PoolTrade } from '@datamarket/chaincode/api';
import { generateMaskKeyPair, type MaskKeyPair } from '../../../src/aggregation/index.js';
import { loadBundle, serializeResult, type EncryptedTable } from '../../../src/ckks/index.js';
import { engineSellerCrypto, type EngineOptions } from '../../../src/gateway/ckks-adapter.js';
import { sha256Hex } from '../../../src/gateway/crypto/result-envelope.js';
import { Sealer } from '../../../src/gateway/crypto/sealing.js';
import {
  memberBundleId,
  memberPartialId,
  type PoolSeatConfig,
} from '../../../src/gateway/pools/member.js';
import { PoolLedger, type ContractCaller } from '../../../src/gateway/pools/pool-ledger.js';
import { PoolMemberPump } from '../../../src/gateway/pools/pool-pump.js';
import { openSellerStore, type SellerStore } from '../../../src/gateway/store/seller-store.js';
import { fundedNetwork, type FundedNetwork } from '../../support/index.js';
import { asLedgerError } from '../../support/in-process-faults.js';
import type { InProcessMarketLedger } from '../../support/in-process-market-ledger.js';

export const CHANNEL = 'market';
export const SELLERS = ['User1', 'User2', 'User3'];
export const BUYER = 'User1';

/** The pool calls of one org's app on the in-process ledger. */
export function inProcessCaller(ledger: InProcessMarketLedger): ContractCaller {
  return {
    async evaluate(user, channel, fn, args) {
      const target = ledger.network.channel(channel);
      if (!target) throw new Error(`no channel ${channel}`);
      try {
        return await target.evaluate(ledger.identityOf(user), fn, args);
      } catch (error) {
        throw asLedgerError(error);
      }
    },
    submit: (user, channel, fn, args) => ledger.invoke(user, channel, fn, ...args),
  };
}

export async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export type PoolTerms = Omit<PoolProposal, 'id' | 'columns' | 'invites'>;

export class PoolHarness {
  readonly masks: MaskKeyPair[] = SELLERS.map(() => generateMaskKeyPair());
  private pump?: PoolMemberPump;

  private constructor(
    readonly funded: FundedNetwork,
    readonly store: SellerStore,
    private readonly dir: string,
    readonly sellerPools: PoolLedger,
    readonly buyerPools: PoolLedger,
  ) {}

  static async open(): Promise<PoolHarness> {
    const funded = await fundedNetwork({
      users: { seller: SELLERS, buyer: [BUYER], auditor: ['Admin'] },
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'datamarket-pool-'));
    const store = await openSellerStore(path.join(dir, 'seller.sqlite'));
    return new PoolHarness(
      funded,
      store,
      dir,
      new PoolLedger(inProcessCaller(funded.seller)),
      new PoolLedger(inProcessCaller(funded.buyer)),
    );
  }

  async close(): Promise<void> {
    await this.pump?.stop();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stores each seller's rows, proposes the pool (User1 leads) and has all three join. */
  async formPool(
    poolId: string,
    columns: string[],
    data: number[][][],
    terms: PoolTerms,
  ): Promise<PoolSeatConfig[]> {
    const schemaHash = createHash('sha256').update(JSON.stringify(columns)).digest('hex');
    const seats = SELLERS.map((user, i) => ({
      channel: CHANNEL,
      poolId,
      user,
      datasetId: `${poolId}-${String(i)}`,
      maskKeys: this.maskOf(i),
    }));
    for (const [i, seat] of seats.entries()) {
      await this.store.putDataset({
        channel: CHANNEL,
        datasetId: seat.datasetId,
        columns,
        rows: data[i] ?? [],
        owner: seat.user,
      });
    }
    const invites = [{ msp: 'SellerMSP' }, { msp: 'SellerMSP' }];
    await this.sellerPools.proposePool('User1', CHANNEL, {
      id: poolId,
      columns,
      invites,
      ...terms,
    });
    for (const [i, user] of SELLERS.entries()) {
      await this.sellerPools.joinPool(user, CHANNEL, poolId, {
        rowCount: data[i]?.length ?? 0,
        schemaHash,
        maskPublicKey: this.maskOf(i).publicKey,
      });
    }
    return seats;
  }

  maskOf(i: number): MaskKeyPair {
    const k = this.masks[i];
    if (!k) throw new Error(`no mask key ${String(i)}`);
    return k;
  }

  /** Starts the sellers' pool pump for these seats, with the real CKKS engine. */
  async startPump(seats: PoolSeatConfig[], engine: EngineOptions = {}): Promise<void> {
    this.pump = new PoolMemberPump({
      pools: this.sellerPools,
      store: this.store,
      sealer: new Sealer('pool test store secret'),
      crypto: await engineSellerCrypto(engine),
      now: () => this.funded.network.now(),
      log: () => undefined,
      events: this.funded.seller,
      seats,
      resumeDelayMs: 5,
    });
    this.pump.start();
  }

  async buy(poolId: string, rounds: number, resultKey: string): Promise<string> {
    const pool = await this.buyerPools.getPool(BUYER, CHANNEL, poolId);
    const { tradeId } = await this.buyerPools.purchasePool(BUYER, CHANNEL, {
      poolId,
      buyerResultKey: resultKey,
      rounds,
      price: pool.price,
      deposit: pool.deposit,
    });
    await this.untilState(tradeId, 'COMPUTING');
    return tradeId;
  }

  trade(tradeId: string): Promise<PoolTrade> {
    return this.buyerPools.getPoolTrade(BUYER, CHANNEL, tradeId);
  }

  async untilState(tradeId: string, state: PoolTrade['state']): Promise<PoolTrade> {
    await until(async () => (await this.trade(tradeId)).state === state, `joint trade ${state}`);
    return this.trade(tradeId);
  }

  /**
   * The buyer's partial per seller: `compute` on the seller's bundle (checked against the
   * ledger's hash), uploaded to the seller app's store; returns the hashes for SubmitPartials.
   */
  async uploadPartials(
    tradeId: string,
    round: number,
    compute: (table: EncryptedTable, seat: number) => Record<string, EncryptedTable>,
  ): Promise<{ hashes: string[]; valueCount: number }> {
    const t = await this.trade(tradeId);
    const hashes: string[] = [];
    let valueCount = 0;
    for (const seat of t.members.keys()) {
      const stored = await this.store.getBundle(CHANNEL, memberBundleId(tradeId, seat));
      if (!stored) throw new Error('no bundle');
      expect(sha256Hex(stored.bytes)).to.equal(t.members[seat]?.bundleHash);
      const bundle = await loadBundle(stored.bytes);
      const outputs = compute(bundle.table, seat);
      const partial = serializeResult(outputs);
      for (const out of Object.values(outputs)) out.dispose();
      bundle.dispose();
      const id = memberPartialId(tradeId, round, seat);
      await this.store.putResult({
        channel: CHANNEL,
        tradeId: id,
        bytes: partial.bytes,
        sha256: partial.sha256,
      });
      hashes.push(partial.sha256);
      valueCount = partial.valueCount;
    }
    return { hashes, valueCount };
  }
}
