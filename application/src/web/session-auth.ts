import type { RequestHandler } from 'express';
import type { TokenCaller } from '../gateway/auth.js';
import { HttpError, unauthorized } from '../gateway/http/errors.js';
import {
  cookieValue,
  csrfMatches,
  CSRF_HEADER,
  type Session,
  type SessionStore,
} from './sessions.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Sign-in itself needs no session (the API token is the proof). */
const SIGN_IN = '/web/session';

export const csrfRefused = () =>
  new HttpError(
    403,
    `missing or wrong CSRF token: send the session's token in the ${CSRF_HEADER} header`,
    'CSRF',
  );

/** A runtime user as the store has it now (OrgUsers' store.getAppUser), or undefined. */
export type RuntimeUserLookup = (
  name: string,
) => Promise<{ role: string; custody: 'app' | 'self'; revokedAt?: number } | undefined>;

const sessionEnded = (message: string) => new HttpError(401, message, 'SESSION_EXPIRED');

/**
 * Runs before every route. A request with an Authorization header is left to the bearer-token
 * check as before. A request carrying the session cookie instead is the browser's: an unknown
 * or expired session is a 401, a state-changing call without the session's CSRF token a 403;
 * otherwise `res.locals.sessionCaller` is the session's caller for the token check, which
 * holds it to the same role and custody rules as a bearer caller. A runtime user's session is
 * looked up in the store at each request, so revoking the user ends its live sessions.
 */
export function sessionAuth(
  sessions: SessionStore,
  runtimeUser?: RuntimeUserLookup,
): RequestHandler {
  return (req, res, next) => {
    if (req.get('authorization')) {
      next();
      return;
    }
    const id = cookieValue(req.get('cookie'), sessions.cookieName);
    const guarded = req.path.startsWith('/api/') || req.path.startsWith('/web/');
    if (id === undefined || !guarded || (req.path === SIGN_IN && req.method === 'POST')) {
      next();
      return;
    }
    const session = sessions.find(id);
    if (!session) {
      next(sessionEnded('the session has expired or was signed out: sign in again'));
      return;
    }
    if (!SAFE_METHODS.has(req.method) && !csrfMatches(session, req.get(CSRF_HEADER))) {
      next(csrfRefused());
      return;
    }
    const admit = (caller: TokenCaller) => {
      res.locals.sessionCaller = caller;
      res.locals.sessionUser = session.user;
      res.locals.sessionId = session.id;
      next();
    };
    if (session.kind === 'config') {
      admit({ name: session.user, kind: 'config' });
      return;
    }
    currentRuntimeCaller(session, runtimeUser).then(
      (caller) => {
        if (caller) {
          admit(caller);
          return;
        }
        sessions.delete(session.id);
        next(sessionEnded(`user ${session.user} was revoked: its session has ended`));
      },
      (error: unknown) => {
        next(error);
      },
    );
  };
}

/** A runtime session's caller with its role as stored now; undefined once revoked or gone. */
async function currentRuntimeCaller(
  session: Session,
  runtimeUser: RuntimeUserLookup | undefined,
): Promise<TokenCaller | undefined> {
  const user = await runtimeUser?.(session.user);
  if (!user || user.revokedAt !== undefined) return undefined;
  return { name: session.user, kind: 'runtime', user: { role: user.role, custody: user.custody } };
}

/** The caller's user for the web-only routes: the session's, or a bearer token's. */
export function webUser(locals: Record<string, unknown>, bearerUser: string | undefined): string {
  const user = bearerUser ?? locals.sessionUser;
  if (typeof user !== 'string') {
    throw unauthorized('sign in first (session cookie) or send Authorization: Bearer <api token>');
  }
  return user;
}
