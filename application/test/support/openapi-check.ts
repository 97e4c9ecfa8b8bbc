import type { z } from 'zod';
import type { Role } from '../../src/gateway/config.js';
import { openApiDocument } from '../../src/gateway/openapi.js';
import { routesFor } from '../../src/gateway/routes/registry.js';
import { fieldPath } from '../../src/gateway/routes/validation.js';
import { errorSchema, pendingSchema } from '../../src/gateway/schemas/responses.js';

/**
 * Checks a real response against the app's OpenAPI description: the route and the status must
 * be documented, and a JSON body must validate against the schema the document was generated
 * from (the route's response schema for its success status, the Error schema otherwise).
 * Returns the problems found (empty = the response matches).
 */
export function checkResponse(
  roles: readonly Role[],
  method: string,
  path: string,
  status: number,
  body: unknown,
): string[] {
  const where = `${method} ${path} ${String(status)}`;
  const operation = documentedOperation(roles, method, path);
  if (!operation) return [`${method} ${path} is not in the description`];
  if (!(String(status) in operation.responses)) {
    return [`${method} ${path}: status ${String(status)} is not documented`];
  }
  const route = routesFor(roles).find((r) => r.method === method.toLowerCase() && r.path === path);
  if (!route) return [`${method} ${path} is documented but not a route`];
  const success = route.response.status ?? 200;
  if (status === 202 && route.response.pending !== undefined) {
    return problemsOf(where, pendingSchema, body);
  }
  if (status !== success) return problemsOf(where, errorSchema, body);
  if ('bytes' in route.response) {
    return body === undefined ? [] : [`${where}: expected bytes, got a JSON body`];
  }
  return problemsOf(where, route.response.schema, body);
}

interface Operation {
  responses: Record<string, unknown>;
}
interface Document {
  paths?: Record<string, Record<string, Operation>>;
}

const documents = new Map<string, Document>();

function documentedOperation(roles: readonly Role[], method: string, path: string) {
  const key = [...roles].sort().join('+');
  let document = documents.get(key);
  if (!document) {
    document = openApiDocument(routesFor(roles));
    documents.set(key, document);
  }
  return document.paths?.[path]?.[method.toLowerCase()];
}

function problemsOf(where: string, schema: z.ZodType, body: unknown): string[] {
  const result = schema.safeParse(body);
  if (result.success) return [];
  return result.error.issues.map(
    (issue) => `${where}: ${fieldPath(issue.path) || 'body'}: ${issue.message}`,
  );
}
