import express, { type Router } from 'express';
import { forbidden } from '../gateway/http/errors.js';
import type { RouteContext } from '../gateway/routes/context.js';
import { channelParams, tradeParams } from '../gateway/schemas/fields.js';
import { webAuth } from './web-auth.js';
import type { EventHubs } from './event-hub.js';
import { webParams } from './params.js';
import { openEventStream } from './sse.js';

/**
 * Server-sent events pushed from the contract's events: a trade's states for its buyer or
 * seller (`trade` events with the trade and the server's clock, for countdowns), and for
 * auditors the supply series with the ledger's own AuditSupply at each new block.
 */
export function liveRoutes(ctx: RouteContext, hubs: EventHubs): Router {
  const router = express.Router();

  router.get(
    '/web/channels/:channel/trades/:tradeId/live',
    webAuth(ctx, 'any', '/web/trade-live'),
    async (req, res) => {
      const user = res.locals.user as string;
      const { channel, tradeId } = webParams(ctx, tradeParams, req.params);
      const read = () =>
        ctx.access.callersTrade(
          user,
          channel,
          tradeId,
          ['buyer', 'seller'],
          `trade ${tradeId} is not yours`,
        );
      const first = await read();
      const sink = openEventStream(req, res);
      sink.send('trade', { trade: first, now: Date.now() });
      let busy = Promise.resolve();
      const unsubscribe = hubs.of(channel).subscribe((event) => {
        if (event.payload.tradeId !== tradeId) return;
        busy = busy.then(async () => {
          try {
            sink.send('trade', { trade: await read(), now: Date.now(), event: event.payload.type });
          } catch (error) {
            sink.send('failure', { error: (error as Error).message });
          }
        });
      });
      sink.onClose(unsubscribe);
    },
  );

  router.get(
    '/web/channels/:channel/supply/live',
    webAuth(ctx, 'auditor', '/web/supply-live'),
    async (req, res) => {
      if (!ctx.config.roles.includes('auditor'))
        throw forbidden('the supply chart is for auditors');
      const user = res.locals.user as string;
      const { channel } = webParams(ctx, channelParams, req.params);
      const hub = hubs.of(channel);
      const snapshot = async () => ({
        series: hub.series,
        audit: await ctx.ledger.auditSupply(user, channel),
        height: (await ctx.ledger.chainInfo(user, channel)).height,
      });
      const first = await snapshot();
      const sink = openEventStream(req, res);
      sink.send('supply', first);
      let timer: NodeJS.Timeout | undefined;
      const unsubscribe = hub.subscribe(() => {
        // Coalesce a burst of events (replay, a busy block) into one update.
        timer ??= setTimeout(() => {
          timer = undefined;
          snapshot().then(
            (data) => {
              sink.send('supply', data);
            },
            (error: unknown) => {
              sink.send('failure', { error: (error as Error).message });
            },
          );
        }, 300);
      });
      sink.onClose(() => {
        unsubscribe();
        if (timer) clearTimeout(timer);
      });
    },
  );
  return router;
}
