import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { signers } from '@hyperledger/fabric-gateway';
import { signRequest, type SigningIdentity } from '../gateway/auth.js';
import { certificateRequest, newEnrolmentKey, privateKeyPem } from '../gateway/ca/csr.js';
import {
  decryptWithResultKey,
  generateResultKeyPair,
  type ResultKeyPair,
} from '../gateway/crypto/result-envelope.js';
import type { Listing, PlainResult, Trade, TradeState } from '../gateway/types.js';
import { DataMarketClient, GatewayError, type ClientOptions } from './client.js';

/**
 * A non-custodial buyer (docs/gateway.md, "Non-custodial mode"): its Fabric key and its
 * result keys stay on this machine. Its org's app builds each transaction and forwards it
 * once this client has signed its three digests (proposal, transaction, commit request);
 * bundles and results go to the seller's app in requests this client signs itself.
 */

/** What a non-custodial user keeps: its key, its certificate, and its API token. */
export interface SelfIdentity {
  name: string;
  mspId: string;
  certificatePem: string;
  privateKeyPem: string;
  token: string;
}

interface ToSign {
  txId: string;
  stage: string;
  digest: string;
}

/** Enrols a non-custodial user through an org admin's client: the key never leaves here. */
export async function enrollSelfCustody(
  admin: DataMarketClient,
  name: string,
  role: 'buyer' | 'seller' | 'auditor',
): Promise<SelfIdentity> {
  const key = newEnrolmentKey();
  const added = (await (
    await admin.request('POST', '/api/admin/users', {
      json: { name, role, csr: certificateRequest(key, name) },
    })
  ).json()) as { token: string; certificate: string; mspId: string };
  return {
    name,
    mspId: added.mspId,
    certificatePem: added.certificate,
    privateKeyPem: privateKeyPem(key),
    token: added.token,
  };
}

const FINAL: TradeState[] = ['SETTLED', 'REJECTED', 'REFUNDED', 'CLAIMED'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Conflicted tries (MVCC: nothing committed) are signed again as new transactions. */
const CONFLICT_TRIES = 4;

export class SelfCustodyBuyer {
  readonly http: DataMarketClient;
  private readonly key: KeyObject;
  private readonly sign: (digest: Uint8Array) => Promise<Uint8Array>;

  constructor(
    readonly identity: SelfIdentity,
    options: Omit<ClientOptions, 'token'>,
  ) {
    this.http = new DataMarketClient({ ...options, token: identity.token });
    this.key = createPrivateKey(identity.privateKeyPem);
    this.sign = signers.newPrivateKeySigner(this.key);
  }

  get channel(): string {
    return this.http.channel;
  }

  private path(rest: string): string {
    return `/api/self/channels/${encodeURIComponent(this.channel)}${rest}`;
  }

  private async json<T>(method: string, path: string, json?: unknown): Promise<T> {
    const response = await this.http.request(method, path, json === undefined ? {} : { json });
    return (await response.json()) as T;
  }

  private async signed(step: ToSign): Promise<{ signature: string }> {
    const signature = await this.sign(Buffer.from(step.digest, 'base64'));
    return { signature: Buffer.from(signature).toString('base64') };
  }

  /** One transaction (each returns the trade), signed here at each of its three steps; answers the contract's result. */
  async transact(fn: string, args: string[]): Promise<{ txId: string; result: Trade }> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const proposal = await this.json<ToSign>('POST', this.path('/transactions'), { fn, args });
        const tx = `/transactions/${proposal.txId}`;
        const transaction = await this.json<ToSign>(
          'POST',
          this.path(`${tx}/endorse`),
          await this.signed(proposal),
        );
        const commit = await this.json<ToSign>(
          'POST',
          this.path(`${tx}/submit`),
          await this.signed(transaction),
        );
        const done = await this.json<{ txId: string; result: Trade }>(
          'POST',
          this.path(`${tx}/commit`),
          await this.signed(commit),
        );
        return done;
      } catch (error) {
        const conflicted = error instanceof GatewayError && error.code === 'TRANSACTION_CONFLICT';
        if (!conflicted || attempt >= CONFLICT_TRIES) throw error;
        await sleep(50 * attempt);
      }
    }
  }

  account(): Promise<{ accountId: string; balance: string; mspId: string; user: string }> {
    return this.json('GET', this.path('/account'));
  }

  listing(datasetId: string): Promise<Listing> {
    return this.json('GET', this.path(`/listings/${encodeURIComponent(datasetId)}`));
  }

  trade(tradeId: string): Promise<Trade> {
    return this.json('GET', this.path(`/trades/${tradeId}`));
  }

  /**
   * Purchases at the listing's current terms with a result key made here: answers the trade
   * and the key pair, which the caller keeps (the seller encrypts the result to it).
   */
  async buy(datasetId: string): Promise<{ trade: Trade; resultKey: ResultKeyPair }> {
    const listing = await this.listing(datasetId);
    const resultKey = generateResultKeyPair();
    const { result } = await this.transact('PurchaseAtPrice', [
      datasetId,
      resultKey.publicKeyPem,
      listing.price,
      listing.deposit,
    ]);
    return { trade: result, resultKey };
  }

  async waitForState(tradeId: string, states: TradeState[], timeoutMs = 300_000): Promise<Trade> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const trade = await this.trade(tradeId);
      if (states.includes(trade.state)) return trade;
      if (FINAL.includes(trade.state)) {
        throw new GatewayError(409, trade.state, `trade ${tradeId} ended ${trade.state}`);
      }
      if (Date.now() > deadline) {
        throw new GatewayError(504, 'TIMEOUT', `trade ${tradeId} still ${trade.state}`);
      }
      await sleep(500);
    }
  }

  private signingIdentity(): SigningIdentity {
    const { mspId, certificatePem } = this.identity;
    return { mspId, certificatePem, privateKey: this.key };
  }

  /** A request to the seller's app, signed here with the user's own key. */
  private async toSeller(
    trade: Trade,
    method: 'GET' | 'PUT',
    path: string,
    body?: Uint8Array,
  ): Promise<Response> {
    const base = trade.terms.sellerGatewayUrl.replace(/\/+$/, '');
    const headers = signRequest(this.signingIdentity(), method, path, body);
    const response = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...headers, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
      body: body ? Buffer.from(body) : undefined,
      signal: AbortSignal.timeout(120_000),
    });
    if (!response.ok) {
      const detail = (await response.json().catch(() => ({}))) as { error?: string; code?: string };
      throw new GatewayError(
        response.status >= 500 || response.status < 200 ? 502 : response.status,
        detail.code ?? 'SELLER_APP',
        `the seller's app answered ${String(response.status)}: ${detail.error ?? response.statusText}`,
      );
    }
    return response;
  }

  /** The bundle, from the seller's app, checked against the ledger's hash and size. */
  async download(tradeId: string): Promise<{ trade: Trade; bundle: Uint8Array }> {
    const trade = await this.trade(tradeId);
    const path = `/peer/channels/${this.channel}/trades/${tradeId}/bundle`;
    const response = await this.toSeller(trade, 'GET', path);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (trade.bundleBytes === null || declared > trade.bundleBytes) {
      await response.body?.cancel();
      throw new GatewayError(502, 'HASH_MISMATCH', 'the bundle is larger than the ledger says');
    }
    const bundle = new Uint8Array(await response.arrayBuffer());
    const sha256 = createHash('sha256').update(bundle).digest('hex');
    if (sha256 !== trade.bundleHash || bundle.length !== trade.bundleBytes) {
      throw new GatewayError(502, 'HASH_MISMATCH', `the bundle (${sha256}) is not the ledger's`);
    }
    return { trade, bundle };
  }

  /** Uploads the encrypted result to the seller's app, then signs SubmitResult with its hash. */
  async submitResult(tradeId: string, result: Uint8Array, valueCount: number): Promise<Trade> {
    const trade = await this.trade(tradeId);
    const path = `/peer/channels/${this.channel}/trades/${tradeId}/result`;
    await (await this.toSeller(trade, 'PUT', path, result)).arrayBuffer();
    const hash = createHash('sha256').update(result).digest('hex');
    return (await this.transact('SubmitResult', [tradeId, hash, String(valueCount)])).result;
  }

  /** Waits for settlement and decrypts the result here with the trade's result key. */
  async requestResult(
    tradeId: string,
    resultKeyPem: string,
    timeoutMs?: number,
  ): Promise<{ tradeId: string; resultDigest: string; result: PlainResult }> {
    await this.waitForState(tradeId, ['SETTLED'], timeoutMs);
    const delivered = await this.json<{ encryptedResult: string; resultDigest: string }>(
      'GET',
      this.path(`/trades/${tradeId}/delivery`),
    );
    const plaintext = decryptWithResultKey(resultKeyPem, delivered.encryptedResult);
    const digest = createHash('sha256').update(plaintext).digest('hex');
    if (digest !== delivered.resultDigest) {
      throw new GatewayError(
        502,
        'DIGEST_MISMATCH',
        `the result's digest ${digest} is not the ledger's`,
      );
    }
    return {
      tradeId,
      resultDigest: digest,
      result: JSON.parse(plaintext.toString('utf8')) as PlainResult,
    };
  }

  async refund(tradeId: string): Promise<Trade> {
    return (await this.transact('Refund', [tradeId])).result;
  }
}
