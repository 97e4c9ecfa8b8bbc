import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { userForToken, type TokenCaller } from '../gateway/auth.js';
import { badRequest, forbidden, unauthorized } from '../gateway/http/errors.js';
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

const roleOf = (caller: TokenCaller | undefined) =>
  caller?.kind === 'runtime' ? caller.user.role : undefined;

/**
 * Sign-in (API token → session cookie), the current session, sign-out. The token may be a
 * config user's or, with onboarding, one the org admin added at run time; a non-custodial
 * user cannot sign in, since the app does not hold its key.
 */
export function sessionRoutes(ctx: RouteContext, sessions: SessionStore): Router {
  const router = express.Router();
  const secure = () => ctx.publicUrl().startsWith('https:');
  /** A runtime user's page shows its own role only; the API refuses it the others anyway. */
  const rolesOf = (role: string | undefined) =>
    role === undefined ? ctx.config.roles : ctx.config.roles.filter((r) => r === role);
  const describe = (session: Session, role?: string) => ({
    user: session.user,
    org: ctx.ledger.org,
    mspId: ctx.ledger.mspId,
    roles: rolesOf(role),
    channels: ctx.config.channels,
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
  });
  const current = (res: Response) => {
    const session = sessions.find(res.locals.sessionId as string | undefined);
    if (!session) throw unauthorized('not signed in');
    return session;
  };

  /** The token's caller: the same lookup the API's token check makes (revoked: 401). */
  const callerOf = async (token: string): Promise<TokenCaller | undefined> => {
    const header = `Bearer ${token}`;
    if (ctx.onboarding) return ctx.onboarding.users.byToken(header);
    const user = userForToken(ctx.config.users, header);
    return user === undefined ? undefined : { name: user, kind: 'config' };
  };

  router.post('/web/session', express.json({ limit: 4096, strict: true }), async (req, res) => {
    const parsed = signInBody.safeParse(req.body);
    if (!parsed.success) throw badRequest(validationMessage('body', parsed.error));
    const caller = await callerOf(parsed.data.token);
    if (!caller) throw unauthorized('unknown API token');
    if (caller.kind === 'runtime' && caller.user.custody === 'self') {
      throw forbidden(
        `${caller.name} signs its own transactions: the web app cannot sign for it (use the CLI)`,
      );
    }
    const session = sessions.create(caller.name, parsed.data.seconds, caller.kind);
    const seconds = (session.expiresAt - session.createdAt) / 1000;
    res.setHeader('set-cookie', sessionCookie(sessions.cookieName, session.id, seconds, secure()));
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(describe(session, roleOf(caller)));
  });
  router.get('/web/session', (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json(describe(current(res), roleOf(res.locals.sessionCaller as TokenCaller | undefined)));
  });
  router.delete('/web/session', (_req, res) => {
    sessions.delete(current(res).id);
    res.setHeader('set-cookie', sessionCookie(sessions.cookieName, '', 0, secure()));
    res.status(204).end();
  });
  return router;
}
