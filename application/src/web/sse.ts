import type { Request, Response } from 'express';

/** A server-sent events stream on a response: `send(event, data)`, heartbeats, close on hang-up. */
export interface EventSink {
  send(event: string, data: unknown): void;
  onClose(cleanup: () => void): void;
}

const HEARTBEAT_MS = 15_000;

export function openEventStream(req: Request, res: Response): EventSink {
  res.status(200);
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-accel-buffering', 'no');
  res.flushHeaders();
  const heartbeat = setInterval(() => {
    res.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  const cleanups: (() => void)[] = [
    () => {
      clearInterval(heartbeat);
    },
  ];
  req.on('close', () => {
    for (const cleanup of cleanups) cleanup();
  });
  return {
    send(event, data) {
      if (res.writableEnded) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose(cleanup) {
      cleanups.push(cleanup);
    },
  };
}
