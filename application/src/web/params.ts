import type { z } from 'zod';
import { badRequest, notFound } from '../gateway/http/errors.js';
import type { RouteContext } from '../gateway/routes/context.js';
import { validationMessage } from '../gateway/routes/validation.js';

/** Path parameters of a web-only route, checked with the REST routes' schemas (400 / 404). */
export function webParams<S extends z.ZodObject>(
  ctx: RouteContext,
  schema: S,
  value: unknown,
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(validationMessage('path', result.error));
  const channel = (result.data as { channel?: unknown }).channel;
  if (typeof channel === 'string' && !ctx.config.channels.includes(channel)) {
    throw notFound(`this app does not serve channel '${channel}'`);
  }
  return result.data;
}
