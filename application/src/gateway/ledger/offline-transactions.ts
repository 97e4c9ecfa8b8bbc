import { verify, X509Certificate } from 'node:crypto';
import protos from '@hyperledger/fabric-protos';
import type { Commit, Gateway, Proposal, Transaction } from '@hyperledger/fabric-gateway';
import { HttpError, notFound, unauthorized } from '../http/errors.js';
import { retryWhileEndorsersSettle } from '../../fabric/index.js';
import type { ContractFunction } from './contract-args.js';
import { commitFailure, toLedgerError } from './errors.js';

/**
 * Transactions signed by the user, not the app (non-custodial mode, docs/gateway.md): the app
 * builds each message, hands out its digest, and forwards it only with a signature that
 * verifies against the user's certificate. Three signatures per transaction: the proposal
 * (then endorsed), the transaction (then sent to the orderer) and the commit-status request.
 * The app keeps what it built in memory, for `ttlMs`; a client forwards nothing of its own.
 */

/** The contract functions a non-custodial buyer signs. */
export const SELF_SIGNED_FUNCTIONS = [
  'Purchase',
  'PurchaseAtPrice',
  'SubmitResult',
  'Refund',
] as const satisfies readonly ContractFunction[];
export type SelfSignedFunction = (typeof SELF_SIGNED_FUNCTIONS)[number];

type Stage =
  | { name: 'proposal'; proposal: Proposal }
  | { name: 'transaction'; transaction: Transaction }
  | { name: 'commit'; commit: Commit; transaction: Transaction };

interface Pending {
  user: string;
  certificatePem: string;
  channel: string;
  fn: SelfSignedFunction;
  stage: Stage;
  expiresAt: number;
}

/** The next thing to sign: its digest (base64), and what the signature unlocks. */
export interface ToSign {
  txId: string;
  stage: Stage['name'];
  digest: string;
}

export interface SelfSignedCommit {
  txId: string;
  blockNumber: string;
  /** The contract's answer (JSON text of the trade). */
  result: string;
}

const utf8 = new TextDecoder();

export class OfflineTransactions {
  private readonly pending = new Map<string, Pending>();

  constructor(
    /** A gateway with the user's identity and no signer (fabric-gateway's offline mode). */
    private readonly gatewayFor: (certificatePem: string) => Promise<Gateway>,
    private readonly chaincode: string,
    private readonly ttlMs = 5 * 60_000,
    private readonly maxPending = 1000,
  ) {}

  /** Builds a proposal; answers its transaction id and the digest to sign. */
  async propose(
    user: { name: string; certificatePem: string },
    channel: string,
    fn: SelfSignedFunction,
    args: string[],
  ): Promise<ToSign> {
    this.forgetExpired();
    if (this.pending.size >= this.maxPending) {
      throw new HttpError(
        429,
        'too many transactions wait for signatures; sign or retry later',
        'RATE_LIMITED',
      );
    }
    const gateway = await this.gatewayFor(user.certificatePem);
    const proposal = gateway
      .getNetwork(channel)
      .getContract(this.chaincode)
      .newProposal(fn, { arguments: args });
    const txId = proposal.getTransactionId();
    this.pending.set(txId, {
      user: user.name,
      certificatePem: user.certificatePem,
      channel,
      fn,
      stage: { name: 'proposal', proposal },
      expiresAt: Date.now() + this.ttlMs,
    });
    return toSign(txId, 'proposal', proposal.getDigest());
  }

  /** Endorses the signed proposal; answers the transaction's digest to sign. */
  async endorse(user: string, txId: string, signature: Uint8Array): Promise<ToSign> {
    const entry = this.take(user, txId, 'proposal');
    if (entry.stage.name !== 'proposal') throw new Error('unreachable');
    const bytes = entry.stage.proposal.getBytes();
    const inner = protos.gateway.ProposedTransaction.deserializeBinary(bytes)
      .getProposal()
      ?.getProposalBytes_asU8();
    this.check(entry, inner, signature);
    const gateway = await this.gatewayFor(entry.certificatePem);
    const context = { channel: entry.channel, fn: entry.fn, txId };
    let transaction: Transaction;
    try {
      const signed = gateway.newSignedProposal(bytes, signature);
      transaction = await retryWhileEndorsersSettle(() => signed.endorse());
    } catch (error) {
      this.pending.delete(txId);
      throw toLedgerError(error, context);
    }
    entry.stage = { name: 'transaction', transaction };
    return toSign(txId, 'transaction', transaction.getDigest());
  }

  /** Sends the signed transaction to the orderer; answers the commit request's digest. */
  async submit(user: string, txId: string, signature: Uint8Array): Promise<ToSign> {
    const entry = this.take(user, txId, 'transaction');
    if (entry.stage.name !== 'transaction') throw new Error('unreachable');
    const bytes = entry.stage.transaction.getBytes();
    const inner = protos.gateway.PreparedTransaction.deserializeBinary(bytes)
      .getEnvelope()
      ?.getPayload_asU8();
    this.check(entry, inner, signature);
    const gateway = await this.gatewayFor(entry.certificatePem);
    const transaction = gateway.newSignedTransaction(bytes, signature);
    let commit: Commit;
    try {
      commit = await transaction.submit();
    } catch (error) {
      this.pending.delete(txId);
      throw toLedgerError(error, { channel: entry.channel, fn: entry.fn, txId });
    }
    entry.stage = { name: 'commit', commit, transaction };
    return toSign(txId, 'commit', commit.getDigest());
  }

  /** Reads the commit status with the signed request; answers the committed result. */
  async commit(user: string, txId: string, signature: Uint8Array): Promise<SelfSignedCommit> {
    const entry = this.take(user, txId, 'commit');
    if (entry.stage.name !== 'commit') throw new Error('unreachable');
    const bytes = entry.stage.commit.getBytes();
    const inner =
      protos.gateway.SignedCommitStatusRequest.deserializeBinary(bytes).getRequest_asU8();
    this.check(entry, inner, signature);
    const gateway = await this.gatewayFor(entry.certificatePem);
    const context = { channel: entry.channel, fn: entry.fn, txId };
    try {
      const status = await gateway.newSignedCommit(bytes, signature).getStatus();
      this.pending.delete(txId);
      if (!status.successful) throw commitFailure(status.code, txId);
      return {
        txId,
        blockNumber: status.blockNumber.toString(),
        result: utf8.decode(entry.stage.transaction.getResult()),
      };
    } catch (error) {
      throw toLedgerError(error, context);
    }
  }

  /** The caller's pending transaction at this stage; 404 otherwise (or someone else's). */
  private take(user: string, txId: string, stage: Stage['name']): Pending {
    this.forgetExpired();
    const entry = this.pending.get(txId);
    if (entry?.user !== user) throw notFound(`no transaction ${txId} waits for your signature`);
    if (entry.stage.name !== stage) {
      throw new HttpError(
        409,
        `transaction ${txId} waits for its ${entry.stage.name} signature, not the ${stage}'s`,
        'WRONG_STAGE',
      );
    }
    return entry;
  }

  /** 401 unless `signature` is the user's ECDSA-SHA256 signature over `signed`. */
  private check(entry: Pending, signed: Uint8Array | undefined, signature: Uint8Array): void {
    let valid = false;
    try {
      const key = new X509Certificate(entry.certificatePem).publicKey;
      valid = signed !== undefined && verify('sha256', signed, key, signature);
    } catch {
      valid = false;
    }
    if (!valid) throw unauthorized(`the signature does not verify with your certificate`);
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [txId, entry] of this.pending) {
      if (entry.expiresAt < now) this.pending.delete(txId);
    }
  }
}

const toSign = (txId: string, stage: Stage['name'], digest: Uint8Array): ToSign => ({
  txId,
  stage,
  digest: Buffer.from(digest).toString('base64'),
});
