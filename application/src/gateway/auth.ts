import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { unauthorized } from './http/errors.js';

/** A user of this org's gateway app: an API token stands for one Fabric identity. */
export interface ApiUser {
  /** cryptogen user name (User1, ...) whose certificate and key the app signs with. */
  user: string;
  /** SHA-256 (hex) of the bearer token; the token itself is never stored. */
  tokenSha256: string;
}

export const tokenDigest = (token: string) => createHash('sha256').update(token).digest();

/**
 * Bearer-token authentication: `Authorization: Bearer <token>`. The request then acts as that
 * user's Fabric identity, so the ledger itself decides whether the caller is the trade's buyer
 * or the dataset's seller.
 */
export function authenticate(users: ApiUser[]): RequestHandler {
  const digests = users.map((u) => ({ user: u.user, digest: Buffer.from(u.tokenSha256, 'hex') }));
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/-]{16,256}=*)$/.exec(header);
    if (!match?.[1]) {
      next(unauthorized('missing or malformed Authorization header (expected: Bearer <api token>)'));
      return;
    }
    const digest = tokenDigest(match[1]);
    const found = digests.find((d) => timingSafeEqual(d.digest, digest));
    if (!found) {
      next(unauthorized('unknown API token'));
      return;
    }
    res.locals.user = found.user;
    next();
  };
}
