import express, { type Router } from 'express';
import { z } from 'zod';
import { webAuth } from './web-auth.js';
import { badRequest } from '../gateway/http/errors.js';
import type { RouteContext } from '../gateway/routes/context.js';
import { validationMessage } from '../gateway/routes/validation.js';
import { channelParams } from '../gateway/schemas/fields.js';
import { webParams } from './params.js';

const historyQuery = z.object({ seller: z.string().min(1).max(2048) });
/** Enough for a listing page; the count says when it stopped early. */
const MAX_PAGES = 20;

/**
 * A seller's record for the listing page: how many of its trades ended settled, refunded,
 * rejected or claimed, and how many are open. Counts only: which buyer bought what stays off
 * the page (the ledger's index by seller is readable by every channel member).
 */
export function historyRoutes(ctx: RouteContext): Router {
  const router = express.Router();
  router.get(
    '/web/channels/:channel/seller-history',
    webAuth(ctx, 'any', '/web/seller-history'),
    async (req, res) => {
      const user = res.locals.user as string;
      const { channel } = webParams(ctx, channelParams, req.params);
      const query = historyQuery.safeParse(req.query);
      if (!query.success) throw badRequest(validationMessage('query', query.error));
      const counts: Record<string, number> = {};
      let bookmark: string | undefined;
      let pages = 0;
      let complete = false;
      while (pages < MAX_PAGES) {
        const page = await ctx.ledger.listTrades(
          user,
          channel,
          { by: 'seller', accountId: query.data.seller },
          { pageSize: 100, ...(bookmark ? { bookmark } : {}) },
        );
        pages += 1;
        for (const trade of page.records) counts[trade.state] = (counts[trade.state] ?? 0) + 1;
        if (page.records.length < 100 || !page.bookmark) {
          complete = true;
          break;
        }
        bookmark = page.bookmark;
      }
      res.json({ seller: query.data.seller, counts, complete });
    },
  );
  return router;
}
