import { createHash } from 'node:crypto';
import { GatewayError } from './errors.js';
import { sendHttp, type HttpAnswer } from './http-transport.js';
import { untilFound, type PendingAnswer } from './pending.js';
import { newRequestId, purchaseOnce } from './purchase-retry.js';
import type { DecodedBlock, DecodedTransaction } from '../gateway/blocks.js';
import type {
  BalanceCompaction,
  SupplyCheckpoint,
  SupplyTotals,
} from '../gateway/schemas/supply.js';
import type {
  Listing,
  ListingInput,
  Page,
  PlainResult,
  Trade,
  TradeState,
} from '../gateway/types.js';

export { GatewayError } from './errors.js';
export type { PendingAnswer } from './pending.js';

export interface ClientOptions {
  /** The org's gateway app, e.g. http://127.0.0.1:8102 */
  url: string;
  /** The API token of one of the org's users. */
  token: string;
  /** Default channel (default "market"). */
  channel?: string;
  /** Progress callback for long steps (waiting on the ledger, downloads). */
  progress?: (message: string) => void;
}

export interface AccountInfo {
  user: string;
  mspId: string;
  channel: string;
  accountId: string;
  balance: string;
}

export interface DataDelivery {
  trade: Trade;
  bundle: Uint8Array;
  /** SHA-256 of the bundle, equal to the ledger's bundleHash. */
  sha256: string;
}

export interface DeliveredResult {
  tradeId: string;
  resultDigest: string;
  verified: boolean;
  result: PlainResult;
}

/** How long a pending purchase is followed before it is sent again (same request id). */
const FOLLOW_BEFORE_RETRY_MS = 20_000;
const FINAL: TradeState[] = ['SETTLED', 'REJECTED', 'REFUNDED', 'CLAIMED'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The buyer's (and seller's, auditor's) client of an org's gateway app: the thesis's client API
 * (initialize, request_test, retrieve_test_result, request_data, request_result, litigation)
 * over REST. CKKS computation happens between requestData and submitResult, on the buyer's
 * machine (see the CLI's `run` and the demo).
 */
export class DataMarketClient {
  readonly url: string;
  readonly channel: string;
  private readonly token: string;
  private readonly progress: (message: string) => void;

  constructor(options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.channel = options.channel ?? 'market';
    this.progress = options.progress ?? (() => undefined);
  }

  private path(template: string, channel = this.channel): string {
    return `/api/channels/${encodeURIComponent(channel)}${template}`;
  }

  async request(
    method: string,
    path: string,
    options: { json?: unknown; raw?: Uint8Array; query?: Record<string, string | undefined> } = {},
  ): Promise<HttpAnswer> {
    const query = Object.entries(options.query ?? {}).filter(([, v]) => v !== undefined) as [
      string,
      string,
    ][];
    const url = `${this.url}${path}${query.length ? `?${new URLSearchParams(query).toString()}` : ''}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.raw) {
      headers['content-type'] = 'application/octet-stream';
      body = Buffer.from(options.raw);
    }
    let response: HttpAnswer;
    try {
      response = await sendHttp(url, { method, headers, ...(body === undefined ? {} : { body }) });
    } catch (error) {
      throw new GatewayError(
        0,
        'UNREACHABLE',
        `cannot reach ${this.url}: ${(error as Error).message}`,
      );
    }
    if (!response.ok) {
      const detail = (await response.json().catch(() => ({}))) as { error?: string; code?: string };
      throw new GatewayError(
        response.status,
        detail.code ?? 'HTTP',
        detail.error ?? `${response.status} ${response.statusText}`,
      );
    }
    return response;
  }

  private async json<T>(
    method: string,
    path: string,
    options: Parameters<DataMarketClient['request']>[2] = {},
  ): Promise<T> {
    return (await (await this.request(method, path, options)).json()) as T;
  }

  /**
   * A submit that may answer 202 (commit outcome unknown): then `follow` waits for the record
   * by the id the app gave, instead of the caller retrying blindly (and buying twice).
   */
  private async submitted<T>(
    path: string,
    json: unknown,
    follow: (pending: PendingAnswer) => Promise<T>,
  ): Promise<T> {
    const response = await this.request('POST', path, { json });
    const body: unknown = await response.json();
    if (response.status !== 202) return body as T;
    const pending = body as PendingAnswer;
    this.progress(`outcome unknown (tx ${pending.txId}): following ${pending.location}`);
    return follow(pending);
  }

  private async bytes(path: string): Promise<{ bytes: Uint8Array; sha256: string }> {
    const response = await this.request('GET', path);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const claimed = response.headers.get('x-datamarket-sha256');
    if (claimed && claimed !== sha256)
      throw new GatewayError(
        502,
        'HASH_MISMATCH',
        `download hash ${sha256} is not the announced ${claimed}`,
      );
    return { bytes, sha256 };
  }

  // ---- the thesis's client API ----

  /** `initialize`: checks the app and returns the caller's account on the channel. */
  async initialize(): Promise<AccountInfo> {
    await this.json('GET', '/health');
    return this.account();
  }

  /** `request_test`: the listing's free test sample (a bundle under the sample's own keys). */
  async requestTest(datasetId: string): Promise<Uint8Array> {
    this.progress(`fetching the test sample of ${datasetId}`);
    return (await this.bytes(this.path(`/listings/${encodeURIComponent(datasetId)}/sample`))).bytes;
  }

  /** `retrieve_test_result`: the seller decrypts a result computed on the sample (free, rate-limited). */
  async retrieveTestResult(
    datasetId: string,
    encryptedResult: Uint8Array,
  ): Promise<{ values: number[]; remaining: number }> {
    return this.json(
      'POST',
      this.path(`/listings/${encodeURIComponent(datasetId)}/sample/result`),
      { raw: encryptedResult },
    );
  }

  /**
   * `request_data`: buy (escrow), wait for the seller's delivery, download the bundle, and
   * check its hash and size against the ledger.
   */
  async requestData(
    datasetId: string,
    options: {
      expectedPrice?: string;
      expectedDeposit?: string;
      timeoutMs?: number;
      requestId?: string;
    } = {},
  ): Promise<DataDelivery> {
    const listing = await this.listing(datasetId);
    const expectedPrice = options.expectedPrice ?? listing.price;
    const expectedDeposit = options.expectedDeposit ?? listing.deposit;
    this.progress(`buying ${datasetId} for ${expectedPrice} (+${expectedDeposit} deposit)`);
    const bought = await this.buy(datasetId, expectedPrice, expectedDeposit, options.requestId);
    this.progress(`trade ${bought.tradeId}: PAID, waiting for the seller's delivery`);
    const trade = await this.waitForState(bought.tradeId, ['DELIVERED'], options.timeoutMs);
    return this.download(trade.tradeId);
  }

  /** Downloads a delivered trade's bundle and checks it against the ledger. */
  async download(tradeId: string): Promise<DataDelivery> {
    const trade = await this.trade(tradeId);
    this.progress(`downloading the bundle (${trade.bundleBytes ?? '?'} bytes)`);
    const { bytes, sha256 } = await this.bytes(this.path(`/trades/${tradeId}/bundle`));
    if (sha256 !== trade.bundleHash || bytes.length !== trade.bundleBytes) {
      throw new GatewayError(
        502,
        'HASH_MISMATCH',
        `the bundle (${sha256}) is not the one on the ledger (${trade.bundleHash})`,
      );
    }
    return { trade, bundle: bytes, sha256 };
  }

  /** Uploads the encrypted result to the seller and records its hash on chain. */
  async submitResult(
    tradeId: string,
    encryptedResult: Uint8Array,
    valueCount: number,
  ): Promise<Trade> {
    this.progress(
      `uploading the encrypted result (${encryptedResult.length} bytes, ${valueCount} values)`,
    );
    return this.json('POST', this.path(`/trades/${tradeId}/result`), {
      raw: encryptedResult,
      query: { valueCount: String(valueCount) },
    });
  }

  /** A named computation's result and parameters (made by `computeApproved`), hashes on chain. */
  async submitComputedResult(
    tradeId: string,
    encryptedResult: Uint8Array,
    valueCount: number,
    computation: { computationId: string; params: unknown },
  ): Promise<Trade> {
    this.progress(
      `uploading the ${computation.computationId} result (${encryptedResult.length} bytes, ${valueCount} values)`,
    );
    return this.json('POST', this.path(`/trades/${tradeId}/computed-result`), {
      raw: encryptedResult,
      query: {
        valueCount: String(valueCount),
        computation: computation.computationId,
        params: JSON.stringify(computation.params),
      },
    });
  }

  /** The code of a seller script the listing approves (its hash checked by the buyer's app). */
  async script(datasetId: string, computationId: string): Promise<string> {
    const { bytes } = await this.bytes(
      this.path(`/listings/${datasetId}/scripts/${computationId}`),
    );
    return Buffer.from(bytes).toString('utf8');
  }

  /**
   * `request_result`: waits until the seller settles (or rejects) and returns the decrypted
   * result, its digest checked against the ledger.
   */
  async requestResult(tradeId: string, timeoutMs?: number): Promise<DeliveredResult> {
    const trade = await this.waitForState(tradeId, FINAL, timeoutMs);
    if (trade.state !== 'SETTLED') {
      throw new GatewayError(
        409,
        trade.state,
        `trade ${tradeId} is ${trade.state}${trade.rejectReason ? `: ${trade.rejectReason}` : ''}`,
      );
    }
    return this.json('GET', this.path(`/trades/${tradeId}/result`));
  }

  /** `litigation`: get the escrow back (withdrawal, or a missed seller deadline). */
  litigation(tradeId: string): Promise<Trade> {
    return this.json('POST', this.path(`/trades/${tradeId}/refund`));
  }

  // ---- plain calls ----

  account(channel = this.channel): Promise<AccountInfo> {
    return this.json('GET', this.path('/account', channel));
  }
  /** Folds the caller's credit keys into its balance (the balance stays; reading it gets cheap). */
  compactBalance(channel = this.channel): Promise<BalanceCompaction> {
    return this.json('POST', this.path('/account/compact', channel));
  }
  listings(pageSize?: number, bookmark?: string): Promise<Page<Listing>> {
    return this.json('GET', this.path('/listings'), {
      query: { pageSize: pageSize ? String(pageSize) : undefined, bookmark },
    });
  }
  listing(datasetId: string): Promise<Listing> {
    return this.json('GET', this.path(`/listings/${encodeURIComponent(datasetId)}`));
  }
  /**
   * Purchases under a request id (a fresh one unless given): an unknown commit outcome (202)
   * is followed by its trade id for a while, and a failed or still unknown try is sent again
   * with the same request id, which the ledger answers with the first trade, never a second.
   */
  buy(
    datasetId: string,
    expectedPrice?: string,
    expectedDeposit?: string,
    requestId = newRequestId(),
  ): Promise<Trade> {
    const body = { datasetId, expectedPrice, expectedDeposit, requestId };
    return purchaseOnce(
      () =>
        this.submitted<Trade>(this.path('/trades'), body, (pending) => {
          const tradeId = pending.tradeId ?? pending.txId;
          return untilFound(() => this.trade(tradeId), `trade ${tradeId}`, FOLLOW_BEFORE_RETRY_MS);
        }),
      this.progress,
    );
  }
  trade(tradeId: string): Promise<Trade> {
    return this.json('GET', this.path(`/trades/${tradeId}`));
  }
  trades(as: 'buyer' | 'seller' = 'buyer'): Promise<Page<Trade>> {
    return this.json('GET', this.path('/trades'), { query: { as, pageSize: '100' } });
  }

  /** Polls a trade until it reaches one of `states` (or a final state). */
  async waitForState(tradeId: string, states: TradeState[], timeoutMs = 300_000): Promise<Trade> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const trade = await this.trade(tradeId);
      if (trade.state !== last) {
        last = trade.state;
        this.progress(`trade ${tradeId.slice(0, 12)}…: ${trade.state}`);
      }
      if (states.includes(trade.state)) return trade;
      if (FINAL.includes(trade.state)) {
        throw new GatewayError(
          409,
          trade.state,
          `trade ${tradeId} ended ${trade.state}${trade.rejectReason ? `: ${trade.rejectReason}` : ''}`,
        );
      }
      if (Date.now() > deadline)
        throw new GatewayError(504, 'TIMEOUT', `trade ${tradeId} still ${trade.state}`);
      await sleep(500);
    }
  }

  // ---- seller ----

  sell(
    listing: Omit<ListingInput, 'schema' | 'sellerGatewayUrl'> & { sellerGatewayUrl?: string },
    data: { csv?: string; path?: string; columns?: string[]; standardize?: boolean },
  ): Promise<{ listing: Listing; rowCount: number; droppedRows: number }> {
    return this.submitted(this.path('/datasets'), { listing, ...data }, async (pending) => {
      const found = await untilFound(() => this.listing(listing.id), `listing ${listing.id}`);
      return {
        listing: found,
        rowCount: pending.rowCount ?? found.schema.rowCount,
        droppedRows: pending.droppedRows ?? 0,
      };
    });
  }
  updateListing(
    datasetId: string,
    changes: Record<string, unknown>,
    data: { csv?: string; path?: string } = {},
  ): Promise<{ listing: Listing }> {
    return this.json('PATCH', this.path(`/datasets/${encodeURIComponent(datasetId)}`), {
      json: { listing: changes, ...data },
    });
  }
  delist(datasetId: string): Promise<{ listing: Listing }> {
    return this.json('DELETE', this.path(`/datasets/${encodeURIComponent(datasetId)}`));
  }
  pumpLog(tradeId: string): Promise<{ entries: { action: string; detail: string; at: number }[] }> {
    return this.json('GET', this.path(`/trades/${tradeId}/pump-log`));
  }

  // ---- auditor ----

  auditTrades(filter: {
    dataset?: string;
    buyer?: string;
    seller?: string;
    state?: string;
  }): Promise<Page<Trade>> {
    return this.json('GET', this.path('/audit/trades'), { query: { ...filter, pageSize: '100' } });
  }
  auditHistory(
    tradeId: string,
  ): Promise<{ history: { txId: string; timestamp: number; trade: Trade }[] }> {
    return this.json('GET', this.path(`/audit/trades/${tradeId}/history`));
  }
  auditSupply(): Promise<{
    totalSupply: string;
    sumOfBalances: string;
    sumOfEscrow: string;
    balanced: boolean;
    problems: string[];
  }> {
    return this.json('GET', this.path('/audit/supply'));
  }
  /** The supply from the running totals: costs the deltas since the last checkpoint. */
  auditSupplyTotals(): Promise<SupplyTotals> {
    return this.json('GET', this.path('/audit/supply/totals'));
  }
  /** Folds the running-total deltas of minutes long past into the checkpoint. */
  checkpointSupply(): Promise<SupplyCheckpoint> {
    return this.json('POST', this.path('/audit/supply/checkpoint'));
  }
  chainInfo(): Promise<{ height: string; currentBlockHash: string }> {
    return this.json('GET', this.path('/audit/chain'));
  }
  block(number: number | string): Promise<DecodedBlock> {
    return this.json('GET', this.path(`/audit/blocks/${number}`));
  }
  transaction(txId: string): Promise<DecodedTransaction> {
    return this.json('GET', this.path(`/audit/transactions/${txId}`));
  }
}
