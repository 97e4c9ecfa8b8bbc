import type { RequestHandler } from 'express';
import { authenticate, authenticateUsers } from '../gateway/auth.js';
import type { RouteContext } from '../gateway/routes/context.js';

/**
 * Token or session check for a web-only route, the same the REST routes get: with onboarding,
 * a runtime user reaches only the routes of its role, and a non-custodial one none of these.
 */
export function webAuth(ctx: RouteContext, role: string, path: string): RequestHandler {
  return ctx.onboarding
    ? authenticateUsers(ctx.onboarding.users)(role, path)
    : authenticate(ctx.config.users);
}
