import type express from 'express';
import type { RouteContext } from '../gateway/routes/context.js';
import { computeRoutes } from './compute-routes.js';
import { EventHubs } from './event-hub.js';
import { historyRoutes } from './history-routes.js';
import { liveRoutes } from './live-routes.js';
import { sessionAuth } from './session-auth.js';
import { sessionRoutes } from './session-routes.js';
import { SessionStore, sessionCookieName } from './sessions.js';
import { staticFiles } from './static-files.js';

/** What the web app adds to a gateway app; close() stops its event streams. */
export interface WebApp {
  sessions: SessionStore;
  hubs: EventHubs;
  close(): void;
}

/**
 * Mounts the web app on a gateway app, before the REST routes: browser sessions (cookie +
 * CSRF, checked for every /api and /web call that carries the cookie), the web-only routes
 * (sign-in, server-sent events, the buyer's compute jobs, a seller's record) and the pages.
 */
export function mountWeb(app: express.Express, ctx: RouteContext): WebApp {
  const sessions = new SessionStore(sessionCookieName(ctx.ledger.org));
  const hubs = new EventHubs(ctx.ledger, ctx.readerUser);
  const store = ctx.onboarding?.users.store;
  app.use(sessionAuth(sessions, store && ((name) => store.getAppUser(name))));
  app.use(sessionRoutes(ctx, sessions));
  app.use(liveRoutes(ctx, hubs));
  app.use(computeRoutes(ctx));
  app.use(historyRoutes(ctx));
  app.use(staticFiles());
  return {
    sessions,
    hubs,
    close: () => {
      hubs.close();
    },
  };
}

/** Stops the web app's event streams (the app's close calls this before the ledger closes). */
export function closeWeb(app: express.Express): void {
  (app.locals.web as WebApp | undefined)?.close();
}
