/**
 * The client's HTTP requests, over node:http(s) with keep-alive agents rather than fetch.
 * undici's fetch spends about 0.75 ms of CPU on a small JSON request (WHATWG streams and
 * request objects), node:http about 0.1 ms: a buyer's script making purchases in a loop, or
 * the bench's clients sharing two cores with the network, feel the difference. The answer is
 * read whole (as fetch's json() and arrayBuffer() would) and offers the few parts of a
 * Response the client uses.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  /** 2xx. */
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Silence on the connection after which the request fails (default 300 s, as fetch's). */
  idleTimeoutMs?: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

function answerOf(status: number, statusText: string, headers: IncomingHttpHeaders, body: Buffer) {
  const answer: HttpAnswer = {
    status,
    statusText,
    ok: status >= 200 && status < 300,
    headers: { get: (name) => headerValue(headers, name) },
    text: () => Promise.resolve(body.toString('utf8')),
    json: () => {
      try {
        return Promise.resolve(JSON.parse(body.toString('utf8')) as unknown);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    // A copy of its own: Buffer.concat may hand out a slice of a shared pool.
    arrayBuffer: () => Promise.resolve(new Uint8Array(body).buffer),
  };
  return answer;
}

/** Sends one request and reads the whole answer; rejects only when no answer came. */
export function sendHttp(url: string, request: HttpRequest): Promise<HttpAnswer> {
  const target = new URL(url);
  const protocol = target.protocol === 'https:' ? 'https:' : 'http:';
  if (target.protocol !== protocol) {
    return Promise.reject(new Error(`${target.protocol} is not http: or https:`));
  }
  const send = protocol === 'https:' ? https.request : http.request;
  const headers: Record<string, string> = { ...request.headers };
  if (request.body !== undefined)
    headers['content-length'] = String(Buffer.byteLength(request.body));
  return new Promise((resolve, reject) => {
    const outgoing = send(
      target,
      { method: request.method, headers, agent: agents[protocol] },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          resolve(
            answerOf(
              incoming.statusCode ?? 0,
              incoming.statusMessage ?? '',
              incoming.headers,
              Buffer.concat(chunks),
            ),
          );
        });
      },
    );
    outgoing.on('error', reject);
    const idleMs = request.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    outgoing.setTimeout(idleMs, () => {
      outgoing.destroy(new Error(`no answer from ${target.host} for ${String(idleMs / 1000)} s`));
    });
    outgoing.end(request.body);
  });
}
