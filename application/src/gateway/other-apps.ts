import { signRequest, type SigningIdentity } from './auth.js';
import { z } from 'zod';
import { badGateway, HttpError } from './http/errors.js';
import { ContractRefusal } from './ledger/errors.js';
import type { MarketLedger } from './ledger/market-ledger.js';
import { messageOf } from './message-of.js';

const errorBody = z.object({ error: z.string().optional(), code: z.string().optional() });

/** How long a call to another app may take (docs/gateway.md, "Calls to other apps"). */
export interface OtherAppTimeouts {
  /** Until the other app's answer starts (connect, TLS, headers), in ms. */
  connectMs: number;
  /** The whole call, body included, in ms. */
  totalMs: number;
}

export const DEFAULT_OTHER_APP_TIMEOUTS: OtherAppTimeouts = { connectMs: 5_000, totalMs: 60_000 };

/** The most bytes of a refusal's body read (its JSON `{error, code}`). */
const REFUSAL_BYTES = 16 * 1024;

export interface CallOptions {
  body?: Uint8Array;
  /** The most bytes the answer may have; a longer one is refused (502) while it streams. */
  maxBytes: number;
}

/** The seller app a call goes to: the URL a listing or trade names, and whose it is. */
export interface SellerApp {
  channel: string;
  /** The seller's account id (its MSP is the part before the first '::'). */
  seller: string;
  /** The app's URL; undefined: the one app the seller's org registered on chain. */
  url?: string | undefined;
}

/** A successful answer, its body read in full (never more than `maxBytes`). */
export interface OtherAppAnswer {
  status: number;
  bytes: Uint8Array;
}

/**
 * Calls to other orgs' gateway apps (a buyer's app fetching a bundle from the seller's app),
 * signed with the calling user's own Fabric identity so the other app sees the real caller.
 * The other app is not trusted: an answer is read only up to a size cap, within timeouts, and
 * redirects are never followed (each is a 502 or 504 that says so). Its refusals come back
 * with their status (5xx become 502) and code.
 */
export class OtherApps {
  constructor(
    private readonly signingIdentity: (user: string) => Promise<SigningIdentity>,
    private readonly timeouts: OtherAppTimeouts,
    private readonly ledger: Pick<MarketLedger, 'getOrgApp' | 'listOrgApps'>,
  ) {}

  /**
   * The app's URL if the seller's org registered it on chain (RegisterOrgApp); otherwise 502
   * SELLER_APP_UNREGISTERED and nothing is sent.
   */
  private async registered(user: string, app: SellerApp): Promise<string> {
    const mspId = app.seller.split('::')[0] ?? '';
    if (app.url === undefined) return this.onlyApp(user, app.channel, mspId);
    try {
      return (await this.ledger.getOrgApp(user, app.channel, mspId, app.url)).url;
    } catch (error) {
      if (!(error instanceof ContractRefusal)) throw error;
      throw new HttpError(
        502,
        `the seller's app URL ${app.url} is not registered on chain by ${mspId}: ${error.message}`,
        'SELLER_APP_UNREGISTERED',
      );
    }
  }

  /**
   * The one app `mspId` registered on `channel`: 502 SELLER_APP_UNREGISTERED if none, 400
   * APP_URL_REQUIRED naming them if several (the caller must choose).
   */
  private async onlyApp(user: string, channel: string, mspId: string): Promise<string> {
    const apps = await this.ledger.listOrgApps(user, channel, mspId);
    const [only] = apps;
    if (apps.length === 1 && only) return only.url;
    if (apps.length === 0) {
      throw new HttpError(
        502,
        `${mspId} has registered no app on chain (RegisterOrgApp): nothing to call`,
        'SELLER_APP_UNREGISTERED',
      );
    }
    throw new HttpError(
      400,
      `${mspId} has registered ${String(apps.length)} apps (${apps.map((a) => a.url).join(', ')}): name one with appUrl`,
      'APP_URL_REQUIRED',
    );
  }

  async call(
    user: string,
    app: SellerApp,
    method: 'GET' | 'PUT' | 'POST',
    path: string,
    options: CallOptions,
  ): Promise<OtherAppAnswer> {
    const { body, maxBytes } = options;
    const baseUrl = await this.registered(user, app);
    const url = new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    const identity = await this.signingIdentity(user);
    const headers = signRequest(identity, method, url.pathname + url.search, body);
    const deadline = new Deadline(this.timeouts, baseUrl);
    try {
      const response = await deadline.starting(
        fetch(url, {
          method,
          redirect: 'manual',
          signal: deadline.signal,
          headers: { ...headers, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
          body: body ? Buffer.from(body) : undefined,
        }),
      );
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        throw badGateway(
          `the seller's app at ${baseUrl} answered a redirect (${String(response.status)} to ${response.headers.get('location') ?? 'nowhere'}); redirects are not followed`,
        );
      }
      if (!response.ok) throw await refusalOf(response);
      return { status: response.status, bytes: await readCapped(response, maxBytes, baseUrl) };
    } catch (error) {
      throw deadline.explain(error);
    } finally {
      deadline.clear();
    }
  }

  /** The body of a successful call, as bytes. */
  async bytes(...args: Parameters<OtherApps['call']>): Promise<Uint8Array> {
    return (await this.call(...args)).bytes;
  }

  /** The body of a successful call, parsed as JSON (502 if it is not JSON). */
  async json(...args: Parameters<OtherApps['call']>): Promise<unknown> {
    const { bytes } = await this.call(...args);
    try {
      return JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw badGateway(`the seller's app at ${args[1].url} answered something that is not JSON`);
    }
  }
}

/** The connect and total timeouts of one call, and what a timeout or failure becomes. */
class Deadline {
  private readonly controller = new AbortController();
  private readonly totalTimer: NodeJS.Timeout;
  private connectTimer: NodeJS.Timeout | undefined;
  private reason: string | undefined;

  constructor(
    private readonly timeouts: OtherAppTimeouts,
    private readonly baseUrl: string,
  ) {
    this.totalTimer = setTimeout(() => {
      this.abort(`did not finish answering within ${String(timeouts.totalMs)} ms`);
    }, timeouts.totalMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The answer's start, which must come within the connect timeout. */
  async starting(response: Promise<Response>): Promise<Response> {
    this.connectTimer = setTimeout(() => {
      this.abort(`did not start answering within ${String(this.timeouts.connectMs)} ms`);
    }, this.timeouts.connectMs);
    try {
      return await response;
    } finally {
      clearTimeout(this.connectTimer);
    }
  }

  private abort(reason: string): void {
    this.reason = reason;
    this.controller.abort();
  }

  /** A timeout is a 504, any other failure to talk to the app a 502; HttpErrors pass. */
  explain(error: unknown): HttpError {
    if (this.reason !== undefined) {
      return new HttpError(
        504,
        `the seller's app at ${this.baseUrl} ${this.reason}`,
        'SELLER_APP_TIMEOUT',
      );
    }
    if (error instanceof HttpError) return error;
    return badGateway(`the seller's app at ${this.baseUrl} is unreachable: ${messageOf(error)}`);
  }

  clear(): void {
    clearTimeout(this.totalTimer);
    clearTimeout(this.connectTimer);
  }
}

/** Reads at most `maxBytes` of the body; refuses (502) as soon as it grows past them. */
async function readCapped(response: Response, maxBytes: number, from: string): Promise<Uint8Array> {
  const tooLarge = () =>
    new HttpError(
      502,
      `the seller's app at ${from} answered more than the ${String(maxBytes)} bytes expected`,
      'SELLER_APP_TOO_LARGE',
    );
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (!response.body) return new Uint8Array();
  const body: AsyncIterable<Uint8Array> = response.body;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBytes) {
      // Leaving the loop cancels the stream: nothing more is read.
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

async function refusalOf(response: Response): Promise<HttpError> {
  let detail: unknown = {};
  try {
    detail = JSON.parse(Buffer.from(await readCapped(response, REFUSAL_BYTES, '')).toString());
  } catch {
    detail = {};
  }
  const { error, code } = errorBody.safeParse(detail).data ?? {};
  const status = response.status >= 500 ? 502 : response.status;
  return new HttpError(
    status,
    `the seller's app answered ${String(response.status)}: ${error ?? response.statusText}`,
    code ?? 'SELLER_APP',
  );
}
