import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Browser sessions of one gateway app, kept in memory: a signed-in API token becomes a random
 * session id (the httpOnly cookie) and a CSRF token the page sends back in a header on every
 * state-changing call. The token itself is never kept. A restart signs everyone out.
 */
export interface Session {
  id: string;
  user: string;
  /** A user added at run time is looked up in the store at each request (role, revocation). */
  kind: 'config' | 'runtime';
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * Cookies are not kept apart by port, and the demo runs every org's app on 127.0.0.1: each
 * app's session cookie carries its org's name so that signing in to one app leaves the others'.
 */
export const sessionCookieName = (org: string) =>
  `dm_session_${org.replace(/[^A-Za-z0-9_-]/g, '_')}`;
export const CSRF_HEADER = 'x-csrf-token';
/** Sessions last at most this long; a page may ask for less (never more). */
export const MAX_SESSION_SECONDS = 30 * 60;
/** A bound on live sessions, so sign-ins cannot fill the app's memory. */
const MAX_SESSIONS = 10_000;

const newSecret = () => randomBytes(32).toString('base64url');

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    readonly cookieName: string,
    private readonly now: () => number = Date.now,
  ) {}

  create(user: string, seconds = MAX_SESSION_SECONDS, kind: Session['kind'] = 'config'): Session {
    this.dropExpired();
    if (this.sessions.size >= MAX_SESSIONS) {
      // The oldest session goes first (Map keeps insertion order).
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const createdAt = this.now();
    const lifetime = Math.min(Math.max(seconds, 1), MAX_SESSION_SECONDS);
    const session: Session = {
      id: newSecret(),
      user,
      kind,
      csrfToken: newSecret(),
      createdAt,
      expiresAt: createdAt + lifetime * 1000,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id; an expired one is forgotten and not returned. */
  find(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [id, session] of this.sessions)
      if (session.expiresAt <= now) this.sessions.delete(id);
  }
}

/** Constant-time comparison of the CSRF header with the session's token. */
export function csrfMatches(session: Session, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for a session (or for clearing it, with seconds = 0). */
export function sessionCookie(name: string, id: string, seconds: number, secure: boolean): string {
  const attributes = [
    `${name}=${id}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(seconds))}`,
  ];
  if (secure) attributes.push('Secure');
  return attributes.join('; ');
}
