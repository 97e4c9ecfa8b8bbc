/**
 * InProcessMarketLedger: the MarketLedger of one org's app, backed by the real contract running
 * in process (InProcessMarket from @datamarket/chaincode/testing), for route and pump tests
 * without a network.
 *
 * - Users are this org's identities: `new InProcessMarketLedger(network, {org, mspId, users})`
 *   maps each user name to the identity cryptogen would issue (identity(mspId, user, org)); an
 *   unknown user gets AccessDenied.
 * - Several ledgers (seller, buyer, auditor apps) share one InProcessNetwork: one market per
 *   channel, one clock the test sets (`network.advance(ms)`), one log of committed blocks.
 * - Contract refusals become ContractRefusal (with the contract's code), as on Fabric; an
 *   unknown channel is ChannelNotFound, a channel the org is not in ChannelNotAccessible.
 * - events() yields the committed events in order, one block per transaction, and resumes
 *   after an EventPosition; chainInfo/block/transaction are synthesized from the log.
 * - Faults: `failNext(kind, {committed, fn, times})` makes the next submit (of `fn`, if given)
 *   throw the chosen LedgerError, after committing the transaction when `committed` is true
 *   (e.g. CommitOutcomeUnknown for a transaction that did commit).
 */
import {
  accountOf,
  identity,
  orgAdmin,
  type Identity,
  type TxName,
} from '@datamarket/chaincode/testing';
import type { DecodedBlock, DecodedTransaction } from '../../src/gateway/blocks.js';
import {
  AccessDenied,
  ChannelNotAccessible,
  ChannelNotFound,
  NotFound,
} from '../../src/gateway/ledger/errors.js';
import type {
  ChainInfo,
  Committed,
  EventPosition,
  EventStream,
} from '../../src/gateway/ledger/market-ledger.js';
import type { ContractFunction } from '../../src/gateway/ledger/contract-args.js';
import { ContractMarketLedger } from '../../src/gateway/ledger/contract-market-ledger.js';
import { blockOf, chainInfoOf, decodedTransaction } from './in-process-blocks.js';
import { inProcessEventStream } from './in-process-events.js';
import {
  asLedgerError,
  faultError,
  type Fault,
  type FaultKind,
  type FaultOptions,
} from './in-process-faults.js';
import {
  newTxId,
  type CommittedTransaction,
  type InProcessChannel,
  type InProcessNetwork,
} from './in-process-network.js';

export interface InProcessOrg {
  /** The org key (as in network.json: seller, buyer, auditor). */
  org: string;
  mspId: string;
  users: readonly string[];
}

/** Runs `work` as a promise: what it throws becomes a rejection, as from a real ledger call. */
const later = <T>(work: () => T): Promise<T> =>
  new Promise((resolve) => {
    resolve(work());
  });

/** The org's admin (OU=admin, may RegisterOrgApp); no API token maps to it. */
export const ORG_ADMIN = 'OrgAdmin';

export class InProcessMarketLedger extends ContractMarketLedger {
  readonly org: string;
  readonly mspId: string;
  private readonly identities = new Map<string, Identity>();
  private readonly faults: Fault[] = [];

  constructor(
    readonly network: InProcessNetwork,
    options: InProcessOrg,
  ) {
    super();
    this.org = options.org;
    this.mspId = options.mspId;
    for (const user of options.users) {
      this.identities.set(user, identity(options.mspId, user, options.org));
    }
    this.identities.set(ORG_ADMIN, orgAdmin(options.mspId, options.org));
  }

  /** The identity a user of this org acts as. */
  identityOf(user: string): Identity {
    const found = this.identities.get(user);
    if (!found) throw new AccessDenied(`${user} is not a user of ${this.org} (${this.mspId})`);
    return found;
  }

  /** The ledger account id of a user of this org (no ledger call). */
  accountOf(user: string): string {
    return accountOf(this.identityOf(user));
  }

  /** Makes the next matching submit(s) throw a LedgerError of this kind. */
  failNext(kind: FaultKind, options: FaultOptions = {}): void {
    this.faults.push({
      kind,
      committed: options.committed ?? false,
      fn: options.fn,
      remaining: options.times ?? 1,
    });
  }

  private channelFor(channel: string): InProcessChannel {
    const found = this.network.channel(channel);
    if (!found) throw new ChannelNotFound(`this org's peer is not in channel ${channel}`);
    if (!found.isMember(this.mspId)) {
      throw new ChannelNotAccessible(
        `this org's peer cannot serve the contract on channel ${channel} (${this.mspId} is not a member)`,
      );
    }
    return found;
  }

  private takeFault(fn: TxName): Fault | undefined {
    const fault = this.faults.find((f) => f.fn === undefined || f.fn === fn);
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault;
  }

  protected async evaluateText(
    user: string,
    channel: string,
    fn: ContractFunction,
    args: string[],
  ): Promise<string> {
    const who = this.identityOf(user);
    const target = this.channelFor(channel);
    try {
      return await target.evaluate(who, fn, args);
    } catch (error) {
      throw asLedgerError(error);
    }
  }

  /** Endorses and commits one submit, with the injected fault if one matches. */
  private async commit(
    user: string,
    channel: string,
    fn: TxName,
    args: string[],
    beforeSubmit?: (txId: string) => Promise<void>,
  ): Promise<CommittedTransaction> {
    const who = this.identityOf(user);
    const target = this.channelFor(channel);
    const txId = newTxId();
    await beforeSubmit?.(txId);
    const fault = this.takeFault(fn);
    if (fault && !fault.committed) throw faultError(fault.kind, fn, channel, txId);
    let committed: CommittedTransaction;
    try {
      committed = await target.submit(who, fn, args, txId);
    } catch (error) {
      throw asLedgerError(error);
    }
    if (fault) throw faultError(fault.kind, fn, channel, txId);
    return committed;
  }

  protected submitText(
    user: string,
    channel: string,
    fn: ContractFunction,
    args: string[],
    beforeSubmit?: (txId: string) => Promise<void>,
  ): Promise<Committed<string>> {
    return this.commit(user, channel, fn, args, beforeSubmit);
  }

  /**
   * Submits any contract function as a user (test setup: Initialize, MintTo, Transfer, ...);
   * resolves with the contract's return text.
   */
  async invoke(user: string, channel: string, fn: TxName, ...args: string[]): Promise<string> {
    return (await this.commit(user, channel, fn, args)).result;
  }

  // ---- chain ----

  chainInfo(user: string, channel: string): Promise<ChainInfo> {
    return later(() => {
      this.identityOf(user);
      return chainInfoOf(this.channelFor(channel));
    });
  }

  block(user: string, channel: string, blockNumber: bigint): Promise<DecodedBlock> {
    return later(() => {
      this.identityOf(user);
      const target = this.channelFor(channel);
      const found = blockNumber >= 0n ? blockOf(target, blockNumber) : undefined;
      if (!found) {
        const height = String(target.height);
        throw new NotFound(`block ${String(blockNumber)} does not exist yet (height ${height})`);
      }
      return found;
    });
  }

  transaction(user: string, channel: string, txId: string): Promise<DecodedTransaction> {
    return later(() => {
      this.identityOf(user);
      const found = this.channelFor(channel).findTransaction(txId);
      if (!found) throw new NotFound(`no transaction ${txId} on channel ${channel}`);
      return decodedTransaction(channel, found);
    });
  }

  // ---- events ----

  events(
    user: string,
    channel: string,
    from: EventPosition | undefined,
    startBlock: bigint,
  ): Promise<EventStream> {
    return later(() => {
      this.identityOf(user);
      return inProcessEventStream(this.channelFor(channel), from, startBlock);
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
