import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendHttp } from '../../../src/client/http-transport.js';

describe('client: HTTP transport (node:http, keep-alive)', () => {
  let server: http.Server;
  let base: string;
  const sockets = new Set<unknown>();
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] =
    [];

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        sockets.add(req.socket);
        seen.push({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        if (req.url === '/missing') {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'no such thing', code: 'NOT_FOUND' }));
          return;
        }
        if (req.url === '/bytes') {
          res.writeHead(200, {
            'x-datamarket-sha256': 'abc',
            'content-type': 'application/octet-stream',
          });
          res.end(Buffer.from([0, 1, 2, 255]));
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
        res.end(JSON.stringify({ echoed: Buffer.concat(chunks).toString() }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  it('sends method, headers and body with its length, and reads the whole answer', async () => {
    const body = JSON.stringify({ datasetId: 'é-data' });
    const answer = await sendHttp(`${base}/trades?x=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body,
    });
    const request = seen.at(-1);
    expect(request?.method).to.equal('POST');
    expect(request?.url).to.equal('/trades?x=1');
    expect(request?.headers.authorization).to.equal('Bearer t');
    expect(request?.headers['content-length']).to.equal(String(Buffer.byteLength(body)));
    expect(request?.body).to.equal(body);
    expect(answer.status).to.equal(201);
    expect(answer.ok).to.equal(true);
    expect(answer.headers.get('Content-Type')).to.equal('application/json');
    expect(answer.headers.get('set-cookie')).to.equal('a=1, b=2');
    expect(answer.headers.get('x-absent')).to.equal(null);
    expect(await answer.json()).to.deep.equal({ echoed: body });
  });

  it('answers an error status as an answer, not a rejection', async () => {
    const answer = await sendHttp(`${base}/missing`, { method: 'GET', headers: {} });
    expect(answer.ok).to.equal(false);
    expect(answer.status).to.equal(404);
    expect(answer.statusText).to.equal('Not Found');
    expect(await answer.json()).to.deep.equal({ error: 'no such thing', code: 'NOT_FOUND' });
  });

  it('gives bytes as an ArrayBuffer of exactly the body', async () => {
    const answer = await sendHttp(`${base}/bytes`, { method: 'GET', headers: {} });
    expect([...new Uint8Array(await answer.arrayBuffer())]).to.deep.equal([0, 1, 2, 255]);
    expect(answer.headers.get('x-datamarket-sha256')).to.equal('abc');
  });

  it('reuses one connection for requests in a row', async () => {
    sockets.clear();
    for (let i = 0; i < 5; i++) await sendHttp(`${base}/x`, { method: 'GET', headers: {} });
    expect(sockets.size).to.equal(1);
  });

  it('fails a request the server leaves unanswered past the idle timeout', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const error = await sendHttp(`http://127.0.0.1:${String(port)}/`, {
        method: 'GET',
        headers: {},
        idleTimeoutMs: 100,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as Error).message).to.match(/^no answer from 127\.0\.0\.1:\d+ for 0\.1 s$/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) =>
        silent.close(() => {
          resolve();
        }),
      );
    }
  });

  it('rejects when nothing answers, and refuses other schemes', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) =>
      closed.close(() => {
        resolve();
      }),
    );
    const refused = await sendHttp(`http://127.0.0.1:${String(port)}/`, {
      method: 'GET',
      headers: {},
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((refused as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
    const other = await sendHttp('ftp://127.0.0.1/', { method: 'GET', headers: {} }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((other as Error).message).to.match(/ftp: is not http: or https:/);
  });
});
