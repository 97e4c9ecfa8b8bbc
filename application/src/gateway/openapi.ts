import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { ErrorStatus, Route } from './routes/route.js';
import { errorSchema, pendingSchema } from './schemas/responses.js';

/**
 * The OpenAPI 3.1 document, generated from the route declarations (routes/*.ts) and served
 * at GET /openapi.json. Each operation carries `x-datamarket-role`: the role an app must
 * have to serve it ("any" = every app).
 */

const sha256Header = z.string().meta({ description: 'SHA-256 hex of the body' });
const binary = z.string().meta({ format: 'binary' });

/** Failures of any route that reaches the ledger (http/ledger-status.ts). */
const ledgerFailures: Partial<Record<ErrorStatus, string>> = {
  502: 'the ledger failed (commit failed, unexpected answer)',
  503: 'the ledger (the org peer) is unavailable',
  504: 'the ledger timed out, or a commit outcome is unknown (the answer has its txId)',
};

/** Refusals every route may give, and those of routes with parameters, a body or a login. */
function refusals(route: Route): Partial<Record<ErrorStatus, string>> {
  const writes = route.method !== 'get';
  return {
    400: 'malformed request',
    ...(route.auth === 'none' ? {} : { 401: 'missing or unknown API token / signature' }),
    403: "the caller may not do this (wrong party, or the ledger refused the caller's org)",
    404: 'unknown channel, dataset or trade',
    ...(writes ? { 409: 'the ledger refused the change (state, conflict)' } : {}),
    ...(route.auth === 'signed' ? { 409: 'a replayed signed request, or the state' } : {}),
    ...(route.body === 'none' ? {} : { 413: 'body over the size limit' }),
    ...(route.auth === 'none' ? { 503: ledgerFailures[503] } : ledgerFailures),
    ...route.errors,
  };
}

function success(route: Route): ResponseConfig {
  const { response } = route;
  if ('bytes' in response) {
    return {
      description: response.description,
      headers: z.object({ 'x-datamarket-sha256': sha256Header }),
      content: { 'application/octet-stream': { schema: binary } },
    };
  }
  return {
    description: response.description,
    content: { 'application/json': { schema: response.schema } },
  };
}

function requestBody(route: Route): RouteConfig['request'] {
  if (route.body === 'raw') {
    return {
      body: {
        required: true,
        description: route.rawDescription ?? 'bytes',
        content: { 'application/octet-stream': { schema: binary } },
      },
    };
  }
  if (!route.json) return {};
  return { body: { required: true, content: { 'application/json': { schema: route.json } } } };
}

function security(route: Route): RouteConfig['security'] {
  if (route.auth === 'none') return [];
  return route.auth === 'token' ? [{ apiToken: [] }] : [{ fabricSignature: [] }];
}

function operation(route: Route): RouteConfig {
  const responses: RouteConfig['responses'] = {
    [String(route.response.status ?? 200)]: success(route),
  };
  if (route.response.pending !== undefined) {
    responses['202'] = {
      description: route.response.pending,
      content: { 'application/json': { schema: pendingSchema } },
    };
  }
  for (const [status, description] of Object.entries(refusals(route))) {
    responses[status] = { description, content: { 'application/json': { schema: errorSchema } } };
  }
  return {
    method: route.method,
    path: route.path,
    summary: route.summary,
    'x-datamarket-role': route.role,
    security: security(route),
    request: {
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...requestBody(route),
    },
    responses,
  };
}

/** The document describing exactly these routes. */
export function openApiDocument(routes: readonly Route[]): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiToken', {
    type: 'http',
    scheme: 'bearer',
    description: "an API token of one of the org's users",
  });
  registry.registerComponent('securitySchemes', 'fabricSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'x-datamarket-signature',
    description:
      'with x-datamarket-msp, x-datamarket-cert, x-datamarket-time, x-datamarket-nonce (docs/gateway.md)',
  });
  for (const route of routes) registry.registerPath(operation(route));
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'datamarket gateway app',
      version: '0.1.0',
      description:
        'One app per org. /api routes take an API token (Authorization: Bearer); /peer routes take a request signed with a Fabric identity (docs/gateway.md).',
    },
  });
  return document as unknown as Record<string, unknown>;
}
