import { forbidden, HttpError } from '../http/errors.js';
import {
  addedUserSchema,
  addUserBody,
  appUsersSchema,
  revokedUserSchema,
  userParams,
} from '../schemas/onboarding.js';
import type { RouteContext } from './context.js';
import { defineRoute, type Route } from './route.js';

/** The org user who may add and revoke users: the org's admin identity. */
export const ADMIN_USER = 'Admin';

/** 403 unless the caller is the config's Admin (a runtime user can never be it). */
function requireAdmin(ctx: RouteContext, user: string): void {
  const configured = ctx.onboarding ? ctx.onboarding.users.isConfigUser(user) : true;
  if (user !== ADMIN_USER || !configured) {
    throw forbidden(`only the org admin (${ADMIN_USER}) manages users`);
  }
}

function admin(ctx: RouteContext, user: string) {
  requireAdmin(ctx, user);
  const onboarding = ctx.onboarding?.admin;
  if (!onboarding) {
    throw new HttpError(503, "this app has no access to the org's Fabric CA", 'NO_CA');
  }
  return onboarding;
}

/** User onboarding and revocation (docs/gateway.md, "Onboarding and revocation"). */
export const adminRoutes: Route[] = [
  defineRoute({
    method: 'post',
    path: '/api/admin/users',
    role: 'any',
    auth: 'token',
    body: 'json',
    summary:
      "register and enroll a user with the org's CA; answers its API token once (with `csr`: non-custodial)",
    json: addUserBody,
    response: {
      status: 201,
      description: 'the user, its token and certificate',
      schema: addedUserSchema,
    },
    errors: {
      403: 'not the org admin',
      409: 'the name is taken',
      502: "the org's CA failed",
      503: 'no CA',
    },
    handler: async ({ user, body }, ctx) => {
      const added = await admin(ctx, user).addUser(body.name, body.role, body.csr);
      return {
        status: 201 as const,
        body: {
          name: added.name,
          role: added.role,
          custody: added.custody,
          token: added.token,
          certificate: added.certificatePem,
          mspId: ctx.ledger.mspId,
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/admin/users',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary: 'the users added at run time',
    response: { description: 'users', schema: appUsersSchema },
    errors: { 403: 'not the org admin' },
    handler: async ({ user }, ctx) => {
      requireAdmin(ctx, user);
      const users = (await ctx.onboarding?.users.store.listAppUsers()) ?? [];
      return {
        body: {
          users: users.map((u) => ({
            name: u.name,
            role: u.role,
            custody: u.custody,
            revoked: u.revokedAt !== undefined,
            createdAt: u.createdAt,
          })),
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/admin/users/{name}/revoke',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary:
      "revoke a user: its token at once, its certificate at the CA, and the CRL into every channel's MSP",
    params: userParams,
    response: { description: 'revoked', schema: revokedUserSchema },
    errors: {
      403: 'not the org admin',
      404: 'no such runtime user',
      502: 'the CA or the channel update failed',
    },
    handler: async ({ user, params: { name } }, ctx) => {
      const { serial, channelsUpdated } = await admin(ctx, user).revoke(name);
      return { body: { name, revoked: true as const, serial, channelsUpdated } };
    },
  }),
];
