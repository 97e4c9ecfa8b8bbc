import type { RequestHandler } from 'express';
import { HttpError, unauthorized } from '../gateway/http/errors.js';
import { cookieValue, csrfMatches, CSRF_HEADER, type SessionStore } from './sessions.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Sign-in itself needs no session (the API token is the proof). */
const SIGN_IN = '/web/session';

export const csrfRefused = () =>
  new HttpError(
    403,
    `missing or wrong CSRF token: send the session's token in the ${CSRF_HEADER} header`,
    'CSRF',
  );

/**
 * Runs before every route. A request with an Authorization header is left to the bearer-token
 * check as before. A request carrying the session cookie instead is the browser's: an unknown
 * or expired session is a 401, a state-changing call without the session's CSRF token a 403;
 * otherwise `res.locals.sessionUser` names the session's user for the token check to accept.
 */
export function sessionAuth(sessions: SessionStore): RequestHandler {
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
      next(
        new HttpError(
          401,
          'the session has expired or was signed out: sign in again',
          'SESSION_EXPIRED',
        ),
      );
      return;
    }
    if (!SAFE_METHODS.has(req.method) && !csrfMatches(session, req.get(CSRF_HEADER))) {
      next(csrfRefused());
      return;
    }
    res.locals.sessionUser = session.user;
    res.locals.sessionId = session.id;
    next();
  };
}

/** The caller's user for the web-only routes: the session's, or a bearer token's. */
export function webUser(locals: Record<string, unknown>, bearerUser: string | undefined): string {
  const user = bearerUser ?? locals.sessionUser;
  if (typeof user !== 'string') {
    throw unauthorized('sign in first (session cookie) or send Authorization: Bearer <api token>');
  }
  return user;
}
