import { signRequest, type SigningIdentity } from './auth.js';
import { z } from 'zod';
import { badGateway, HttpError } from './http/errors.js';

const errorBody = z.object({ error: z.string().optional(), code: z.string().optional() });

/**
 * Calls to other orgs' gateway apps (a buyer's app fetching a bundle from the seller's app),
 * signed with the calling user's own Fabric identity so the other app sees the real caller.
 * Their refusals come back with their status (5xx become 502) and code.
 */
export class OtherApps {
  constructor(private readonly signingIdentity: (user: string) => Promise<SigningIdentity>) {}

  async call(
    user: string,
    baseUrl: string,
    method: 'GET' | 'PUT' | 'POST',
    path: string,
    body?: Uint8Array,
  ): Promise<Response> {
    const url = new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    const identity = await this.signingIdentity(user);
    const headers = signRequest(identity, method, url.pathname + url.search, body);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...headers, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
        body: body ? Buffer.from(body) : undefined,
      });
    } catch (error) {
      throw badGateway(`the seller's app at ${baseUrl} is unreachable: ${messageOf(error)}`);
    }
    if (!response.ok) throw await refusalOf(response);
    return response;
  }

  /** The body of a successful call, as bytes. */
  async bytes(...args: Parameters<OtherApps['call']>): Promise<Uint8Array> {
    const response = await this.call(...args);
    return new Uint8Array(await response.arrayBuffer());
  }
}

async function refusalOf(response: Response): Promise<HttpError> {
  const detail: unknown = await response.json().catch(() => ({}));
  const { error, code } = errorBody.safeParse(detail).data ?? {};
  const status = response.status >= 500 ? 502 : response.status;
  return new HttpError(
    status,
    `the seller's app answered ${String(response.status)}: ${error ?? response.statusText}`,
    code ?? 'SELLER_APP',
  );
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
