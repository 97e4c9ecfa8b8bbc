import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A seller app that misbehaves, on 127.0.0.1: the first path segment chooses how. `huge`
 * streams megabytes forever, `silent` never answers, `stalls` sends headers then nothing,
 * `redirect` points the caller at another local service.
 */
export class HostileApp {
  private server: Server | undefined;
  url = '';
  /** Connections the caller closed while the app was still sending. */
  abandoned = 0;
  /** Requests received, of any kind. */
  requests = 0;
  redirectTo = '';
  private readonly open = new Set<ServerResponse>();

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const mode = (req.url ?? '').split('/')[1];
    this.requests += 1;
    this.open.add(res);
    res.on('close', () => {
      if (!res.writableEnded) this.abandoned += 1;
      this.open.delete(res);
    });
    if (mode === 'huge') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(1024 * 1024, 7);
      const pour = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pour);
      pour();
    } else if (mode === 'stalls') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('x');
    } else if (mode === 'redirect') {
      res.writeHead(302, { location: this.redirectTo }).end();
    }
    // 'silent': no answer at all.
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
