import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { userForToken } from '../gateway/auth.js';
import { badRequest, unauthorized } from '../gateway/http/errors.js';
import type { RouteContext } from '../gateway/routes/context.js';
import { validationMessage } from '../gateway/routes/validation.js';
import { MAX_SESSION_SECONDS, sessionCookie, type Session, type SessionStore } from './sessions.js';

const signInBody = z
  .object({
    token: z.string().min(1).max(300),
    /** A shorter session than the app's maximum, e.g. on a shared computer. */
    seconds: z.number().int().min(1).max(MAX_SESSION_SECONDS).optional(),
  })
  .strict();

/** Sign-in (API token → session cookie), the current session, sign-out. */
export function sessionRoutes(ctx: RouteContext, sessions: SessionStore): Router {
  const router = express.Router();
  const secure = () => ctx.publicUrl().startsWith('https:');
  const describe = (session: Session) => ({
    user: session.user,
    org: ctx.ledger.org,
    mspId: ctx.ledger.mspId,
    roles: ctx.config.roles,
    channels: ctx.config.channels,
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
  });
  const current = (res: Response) => {
    const session = sessions.find(res.locals.sessionId as string | undefined);
    if (!session) throw unauthorized('not signed in');
    return session;
  };

  router.post('/web/session', express.json({ limit: 4096, strict: true }), (req, res) => {
    const parsed = signInBody.safeParse(req.body);
    if (!parsed.success) throw badRequest(validationMessage('body', parsed.error));
    const user = userForToken(ctx.config.users, `Bearer ${parsed.data.token}`);
    if (!user) throw unauthorized('unknown API token');
    const session = sessions.create(user, parsed.data.seconds);
    const seconds = (session.expiresAt - session.createdAt) / 1000;
    res.setHeader('set-cookie', sessionCookie(sessions.cookieName, session.id, seconds, secure()));
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(describe(session));
  });
  router.get('/web/session', (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json(describe(current(res)));
  });
  router.delete('/web/session', (_req, res) => {
    sessions.delete(current(res).id);
    res.setHeader('set-cookie', sessionCookie(sessions.cookieName, '', 0, secure()));
    res.status(204).end();
  });
  return router;
}
