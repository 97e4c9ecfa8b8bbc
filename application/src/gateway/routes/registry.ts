import express, { type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import {
  authenticate,
  authenticateUsers,
  requireSignedCaller,
  type SignedCaller,
} from '../auth.js';
import type { Role } from '../config.js';
import { badRequest, errorHandler, notFound, notFoundRoute } from '../http/errors.js';
import { openApiDocument } from '../openapi.js';
import { ALL_ROUTES } from './all.js';
import { routeContext, type AppDeps, type RouteContext } from './context.js';
import type { BodyKind, BytesReply, JsonReply, Route, ValidatedInput } from './route.js';
import { validationMessage } from './validation.js';
import { mountWeb } from '../../web/mount.js';

export const SHA_HEADER = 'x-datamarket-sha256';

/** The routes an app with these roles serves, in declaration order. */
export function routesFor(roles: readonly Role[], routes = ALL_ROUTES): Route[] {
  return routes.filter((route) => route.role === 'any' || roles.includes(route.role));
}

/** Express path of an OpenAPI path: {name} → :name. */
export const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/** Builds the express app for the roles in the config. */
export function createApp(deps: AppDeps): express.Express {
  const { config } = deps;
  const routes = routesFor(config.roles);
  let document: unknown;
  const ctx = routeContext(deps, () => (document ??= openApiDocument(routes)));
  const app = express();
  app.disable('x-powered-by');
  // No ETag: express would hash every answer (a bundle of megabytes too) for a conditional GET
  // that no client of this API sends.
  app.disable('etag');
  app.set('query parser', 'simple');
  // The web app (src/web): browser sessions checked before every route, its pages and streams.
  app.locals.web = mountWeb(app, ctx);
  const parsers: Record<BodyKind, RequestHandler[]> = {
    none: [],
    json: [express.json({ limit: config.limits.json, strict: true })],
    dataset: [express.json({ limit: config.limits.dataset, strict: true })],
    raw: [express.raw({ limit: config.limits.result, type: () => true })],
  };
  const configTokenAuth = authenticate(config.users);
  const usersAuth = deps.onboarding && authenticateUsers(deps.onboarding.users);
  const tokenAuth = (route: Route) => usersAuth?.(route.role, route.path) ?? configTokenAuth;
  const signedAuth = requireSignedCaller(deps.trustedCas, (accountId, nonce, validUntil) =>
    deps.store.rememberNonce(accountId, nonce, validUntil),
  );
  for (const route of routes) {
    // Token auth runs before the body is read; signed requests need the body for the signature.
    const chain =
      route.auth === 'signed'
        ? [...parsers[route.body], signedAuth]
        : route.auth === 'token'
          ? [tokenAuth(route), ...parsers[route.body]]
          : parsers[route.body];
    app[route.method](expressPath(route.path), ...chain, async (req: Request, res: Response) => {
      const reply = await route.run(validatedInput(route, req, res, ctx), ctx);
      send(res, reply);
    });
  }
  app.use(notFoundRoute);
  app.use(errorHandler);
  return app;
}

function parsed(schema: z.ZodObject | undefined, value: unknown, where: 'path' | 'query') {
  if (!schema) return {};
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(validationMessage(where, result.error));
  return result.data;
}

function bodyOf(route: Route, req: Request): unknown {
  const body: unknown = req.body;
  if (route.body === 'raw') {
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw badRequest('expected a non-empty body (Content-Type: application/octet-stream)');
    }
    return body;
  }
  if (!route.json) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('expected a JSON object body (Content-Type: application/json)');
  }
  const result = route.json.safeParse(body);
  if (!result.success) throw badRequest(validationMessage('body', result.error));
  return result.data;
}

/** Checks the request against the route's schemas, and its channel against the config. */
function validatedInput(
  route: Route,
  req: Request,
  res: Response,
  ctx: RouteContext,
): ValidatedInput {
  const params = parsed(route.params, req.params, 'path');
  const channel = (params as { channel?: unknown }).channel;
  if (typeof channel === 'string' && !ctx.config.channels.includes(channel)) {
    throw notFound(`this app does not serve channel '${channel}'`);
  }
  const locals = res.locals as { user?: string; caller?: SignedCaller };
  return {
    user: locals.user,
    caller: locals.caller,
    params,
    query: parsed(route.query, req.query, 'query'),
    body: bodyOf(route, req),
  };
}

function send(res: Response, reply: JsonReply<unknown> | BytesReply): void {
  if ('bytes' in reply) {
    const { bytes, sha256 } = reply;
    res.status(200).set('content-type', 'application/octet-stream').set(SHA_HEADER, sha256);
    res.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return;
  }
  if (reply.location) res.location(reply.location);
  res.status(reply.status ?? 200).json(reply.body);
}

/** Method + OpenAPI-style path of every route an app built with these roles serves. */
export function mountedRoutes(app: express.Express): string[] {
  const router = (
    app as unknown as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    }
  ).router;
  const found: string[] = [];
  for (const layer of router.stack) {
    if (!layer.route) continue;
    const path = layer.route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    for (const method of Object.keys(layer.route.methods))
      found.push(`${method.toUpperCase()} ${path}`);
  }
  return found.sort();
}
