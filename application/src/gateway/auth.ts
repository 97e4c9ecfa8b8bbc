import {
  createHash,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import type { RequestHandler } from 'express';
import { forbidden, HttpError, unauthorized } from './http/errors.js';

/**
 * Two ways to call a gateway app (docs/gateway.md, "Authentication"):
 *
 * 1. **API tokens** for the org's own users: `Authorization: Bearer <token>`. Each token stands
 *    for one of the org's Fabric identities (User1, Admin, ...); the app signs that user's
 *    transactions, so the ledger decides whether the caller is a trade's buyer or a dataset's
 *    seller. Only SHA-256 digests of tokens are configured; comparison is constant-time.
 * 2. **Signed requests** from another org's identity (a buyer fetching its bundle from the
 *    seller's app): the caller signs `METHOD`, path, time and body hash with its Fabric
 *    signing key and sends its certificate. The app checks the certificate against the CA
 *    of the named MSP, the signature, and a ±120 s time window; the caller's ledger account
 *    id is then derived from the certificate exactly as the chaincode derives it. Each signed
 *    request carries a random nonce (signed too) and is single-use: the app remembers the
 *    nonces it accepted, in its store, for as long as the request's time is in the window.
 */

/** A user of this org's gateway app: an API token stands for one Fabric identity. */
export interface ApiUser {
  /** cryptogen user name (User1, ...) whose certificate and key the app signs with. */
  user: string;
  /** SHA-256 (hex) of the bearer token; the token itself is never stored. */
  tokenSha256: string;
}

export const tokenDigest = (token: string) => createHash('sha256').update(token).digest();
export const tokenSha256Hex = (token: string) => tokenDigest(token).toString('hex');

const TOKEN = /^Bearer ([A-Za-z0-9._~+/-]{16,256}=*)$/;

/** Resolves a bearer token to its user, or undefined. */
export function userForToken(users: ApiUser[], header: string | undefined): string | undefined {
  const match = TOKEN.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const digest = tokenDigest(match[1]);
  let found: string | undefined;
  for (const u of users) {
    const candidate = Buffer.from(u.tokenSha256, 'hex');
    if (candidate.length === digest.length && timingSafeEqual(candidate, digest)) found = u.user;
  }
  return found;
}

export function authenticate(users: ApiUser[]): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization');
    // A browser session (src/web/session-auth.ts, which checked its cookie and CSRF token).
    // Without onboarding only config users sign in; a runtime user's session never passes here.
    const sessionCaller = res.locals.sessionCaller as TokenCaller | undefined;
    if (!header && sessionCaller) {
      if (sessionCaller.kind === 'config') res.locals.user = sessionCaller.name;
      next(
        sessionCaller.kind === 'config'
          ? undefined
          : forbidden(`${sessionCaller.name} was added at run time: this app has no onboarding`),
      );
      return;
    }
    if (!header || !TOKEN.test(header)) {
      next(
        unauthorized('missing or malformed Authorization header (expected: Bearer <api token>)'),
      );
      return;
    }
    const user = userForToken(users, header);
    if (!user) {
      next(unauthorized('unknown API token'));
      return;
    }
    res.locals.user = user;
    next();
  };
}

/** A caller of a token route: a config user, or one added at run time with its role. */
export type TokenCaller =
  | { name: string; kind: 'config' }
  | { name: string; kind: 'runtime'; user: { role: string; custody: 'app' | 'self' } };

/** Resolves a bearer token to the org's users, config or runtime (org-users.ts). */
export interface TokenUsers {
  byToken(header: string): Promise<TokenCaller | undefined>;
}

/**
 * Whether a caller may use a route: a runtime user only the routes of its role (and 'any'
 * routes), a non-custodial one only the /api/self routes. Undefined when it may.
 */
export function callerRefusal(
  caller: TokenCaller,
  routeRole: string,
  path: string,
): HttpError | undefined {
  if (caller.kind !== 'runtime') return undefined;
  const { role, custody } = caller.user;
  if (custody === 'self' && !path.startsWith('/api/self/')) {
    return forbidden(`${caller.name} signs its own transactions: use the /api/self routes`);
  }
  if (routeRole !== 'any' && routeRole !== role) {
    return forbidden(`${caller.name} is a ${role}: this is a ${routeRole} route`);
  }
  return undefined;
}

/**
 * Token authentication for the config's users and the users added at run time. A runtime
 * user calls only the routes of its role (and 'any' routes); a non-custodial one only the
 * /api/self routes, since the app cannot sign for it. A revoked user's token is refused (401).
 * A browser session is held to the same checks: src/web/session-auth.ts, which checked its
 * cookie, CSRF token and (for a runtime user) the store, puts its caller in
 * `res.locals.sessionCaller`.
 */
export function authenticateUsers(
  users: TokenUsers,
): (routeRole: string, path: string) => RequestHandler {
  return (routeRole, path) => (req, res, next) => {
    const admit = (caller: TokenCaller) => {
      const refusal = callerRefusal(caller, routeRole, path);
      if (refusal) {
        next(refusal);
        return;
      }
      res.locals.user = caller.name;
      next();
    };
    const header = req.get('authorization');
    const sessionCaller = res.locals.sessionCaller as TokenCaller | undefined;
    if (!header && sessionCaller) {
      admit(sessionCaller);
      return;
    }
    if (!header || !TOKEN.test(header)) {
      next(
        unauthorized('missing or malformed Authorization header (expected: Bearer <api token>)'),
      );
      return;
    }
    users.byToken(header).then(
      (caller) => {
        if (!caller) {
          next(unauthorized('unknown API token'));
          return;
        }
        admit(caller);
      },
      (error: unknown) => {
        next(error);
      },
    );
  };
}

// ---- signed requests between orgs ----

export const SIGNATURE_HEADERS = {
  msp: 'x-datamarket-msp',
  cert: 'x-datamarket-cert',
  time: 'x-datamarket-time',
  nonce: 'x-datamarket-nonce',
  signature: 'x-datamarket-signature',
} as const;
export const SIGNATURE_WINDOW_MS = 120_000;

const emptySha256 = createHash('sha256').digest('hex');

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

export function requestSigningString(
  method: string,
  pathAndQuery: string,
  time: string,
  nonce: string,
  bodySha256: string,
): string {
  return [
    'datamarket-request-v2',
    method.toUpperCase(),
    pathAndQuery,
    time,
    nonce,
    bodySha256,
  ].join('\n');
}

/** A Fabric identity that signs requests: its MSP, certificate PEM and private key. */
export interface SigningIdentity {
  mspId: string;
  certificatePem: string;
  privateKey: KeyObject;
}

/** Headers that sign a request with a Fabric identity (certificate PEM + its private key). */
export function signRequest(
  identity: SigningIdentity,
  method: string,
  pathAndQuery: string,
  body?: Uint8Array,
  now = Date.now(),
): Record<string, string> {
  const time = String(now);
  const nonce = randomBytes(18).toString('base64url');
  const bodyHash = body ? createHash('sha256').update(body).digest('hex') : emptySha256;
  const data = Buffer.from(requestSigningString(method, pathAndQuery, time, nonce, bodyHash));
  return {
    [SIGNATURE_HEADERS.msp]: identity.mspId,
    [SIGNATURE_HEADERS.cert]: Buffer.from(identity.certificatePem).toString('base64'),
    [SIGNATURE_HEADERS.time]: time,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: sign('sha256', data, identity.privateKey).toString('base64'),
  };
}

/** The chaincode's account id for a certificate (fabric-shim ClientIdentity's DN format). */
export function accountIdOf(mspId: string, certificate: X509Certificate): string {
  const dn = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        const eq = line.indexOf('=');
        return `/${line.slice(0, eq)}=${line.slice(eq + 1).replace('/', '\\/')}`;
      })
      .join('');
  return `${mspId}::${dn(certificate.subject)}::${dn(certificate.issuer)}`;
}

export interface SignedCaller {
  mspId: string;
  accountId: string;
}

/** A verified signed request: its caller, and the nonce that makes it single-use. */
export interface VerifiedRequest extends SignedCaller {
  nonce: string;
  /** Until when (epoch ms) the request's time is in the window: its nonce is kept that long. */
  validUntil: number;
}

/**
 * Remembers a nonce of an account until `validUntil`; false when it was already there (a
 * replay). The seller store keeps them (SellerStore.rememberNonce), so they survive a restart.
 */
export type NonceMemory = (
  accountId: string,
  nonce: string,
  validUntil: number,
) => Promise<boolean>;

/**
 * Checks a signed request. `trustedCas` maps each MSP id to its CA certificates (from the
 * network description). `body` is the raw body the signature covers (undefined = empty).
 */
export function verifySignedRequest(
  req: { method: string; originalUrl: string; get(name: string): string | undefined },
  body: Uint8Array | undefined,
  trustedCas: Map<string, X509Certificate[]>,
  now = Date.now(),
): VerifiedRequest {
  const { mspId, certB64, time, nonce, signature } = signatureHeaders(req);
  const cas = trustedCas.get(mspId);
  if (!cas) throw unauthorized(`unknown MSP '${mspId}'`);
  if (!/^\d{1,16}$/.test(time) || Math.abs(Number(time) - now) > SIGNATURE_WINDOW_MS) {
    throw unauthorized(
      `request time ${time} is more than ${SIGNATURE_WINDOW_MS / 1000} s from the app's clock`,
    );
  }
  if (!NONCE.test(nonce)) throw unauthorized('the nonce header is not 16-64 base64url characters');
  const certificate = issuedCertificate(certB64, mspId, cas, now);
  const bodyHash = body?.length ? createHash('sha256').update(body).digest('hex') : emptySha256;
  const data = Buffer.from(
    requestSigningString(req.method, req.originalUrl, time, nonce, bodyHash),
  );
  let valid = false;
  try {
    valid = verify('sha256', data, certificate.publicKey, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) throw unauthorized('the request signature does not verify');
  return {
    mspId,
    accountId: accountIdOf(mspId, certificate),
    nonce,
    validUntil: Number(time) + SIGNATURE_WINDOW_MS,
  };
}

/** The five signature headers; 401 when one is missing. */
function signatureHeaders(req: { get(name: string): string | undefined }) {
  const mspId = req.get(SIGNATURE_HEADERS.msp);
  const certB64 = req.get(SIGNATURE_HEADERS.cert);
  const time = req.get(SIGNATURE_HEADERS.time);
  const nonce = req.get(SIGNATURE_HEADERS.nonce);
  const signature = req.get(SIGNATURE_HEADERS.signature);
  if (!mspId || !certB64 || !time || !nonce || !signature) {
    throw unauthorized(
      `this route needs a request signed with a Fabric identity (headers ${Object.values(SIGNATURE_HEADERS).join(', ')})`,
    );
  }
  return { mspId, certB64, time, nonce, signature };
}

/** The caller's certificate, when a CA of its MSP issued it and it is valid now; 401 otherwise. */
function issuedCertificate(
  certB64: string,
  mspId: string,
  cas: X509Certificate[],
  now: number,
): X509Certificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(certB64, 'base64'));
  } catch {
    throw unauthorized('the certificate header is not a PEM certificate (base64)');
  }
  const issuer = cas.find((ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey));
  if (!issuer) throw unauthorized(`the certificate was not issued by a CA of ${mspId}`);
  if (Date.parse(certificate.validTo) < now || Date.parse(certificate.validFrom) > now) {
    throw unauthorized('the certificate is expired or not yet valid');
  }
  return certificate;
}

/**
 * Express middleware for signed routes; puts the caller in `res.locals.caller`. A request whose
 * nonce was seen before is a replay: 409 REQUEST_REPLAYED, before the route does anything.
 */
export function requireSignedCaller(
  trustedCas: Map<string, X509Certificate[]>,
  remember: NonceMemory,
): RequestHandler {
  return (req, res, next) => {
    const body = Buffer.isBuffer(req.body) ? req.body : undefined;
    let verified: VerifiedRequest;
    try {
      verified = verifySignedRequest(req, body, trustedCas);
    } catch (error) {
      next(error);
      return;
    }
    const { nonce, validUntil, ...caller } = verified;
    remember(caller.accountId, nonce, validUntil).then(
      (fresh) => {
        if (!fresh) {
          next(
            new HttpError(
              409,
              `this signed request was already used (nonce ${nonce}): each is accepted once, sign a new one`,
              'REQUEST_REPLAYED',
            ),
          );
          return;
        }
        res.locals.caller = caller;
        next();
      },
      (error: unknown) => {
        next(error);
      },
    );
  };
}

/** A fresh random API token (32 bytes, base64url). */
export function newApiToken(): string {
  // Never a leading '-': a CLI would read such a token as an option.
  for (;;) {
    const token = randomBytes(32).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}
