import type { z } from 'zod';
import type { SignedCaller } from '../auth.js';
import type { Role } from '../config.js';
import type { pendingSchema } from '../schemas/responses.js';
import type { RouteContext } from './context.js';

/**
 * A route, declared once: where it lives, who may call it, what it takes and answers (as
 * zod schemas) and its handler. The registry mounts it on express, validates requests with
 * the schemas, and the OpenAPI document is generated from the same declarations.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** How the caller authenticates: none, an API token, or a request signed by another org. */
export type Auth = 'none' | 'token' | 'signed';
/** The request body: none, JSON (small), JSON carrying a dataset (large), raw bytes. */
export type BodyKind = 'none' | 'json' | 'dataset' | 'raw';
/** 'any' routes exist in every app; the others only in apps with that role. */
export type RouteRole = Role | 'any';
/** Refusals a route documents (the registry adds the ones every route may give). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 502 | 503 | 504;

type ObjectSchema = z.ZodObject;
type BodySchema = z.ZodType;

/** The answer of a route with a JSON response schema. */
export interface JsonReply<R> {
  status?: 200 | 201 | 202;
  body: R;
  location?: string;
}
/** A 202 (routes whose response declares `pending`): sent, commit outcome unknown. */
export interface PendingReply {
  status: 202;
  body: z.input<typeof pendingSchema>;
  location: string;
}
/** The answer of a route that serves bytes (with their SHA-256 in a header). */
export interface BytesReply {
  bytes: Uint8Array;
  sha256: string;
}

export type ResponseSpec = {
  description: string;
  status?: 200 | 201;
  /** Documents a 202 (pendingSchema) when a commit's outcome is unknown. */
  pending?: string;
} & ({ schema: z.ZodType } | { bytes: true });

type ReplyFor<S extends ResponseSpec> = S extends { schema: infer R extends z.ZodType }
  ? JsonReply<z.input<R>> | PendingReply
  : BytesReply;

type Principal<A extends Auth> = A extends 'token'
  ? { user: string }
  : A extends 'signed'
    ? { caller: SignedCaller }
    : object;

type BodyOf<K extends BodyKind, B extends BodySchema | undefined> = K extends 'raw'
  ? Buffer
  : B extends z.ZodType
    ? z.output<B>
    : undefined;

type Parsed<S extends ObjectSchema | undefined> = S extends ObjectSchema
  ? z.output<S>
  : Record<string, never>;

export type RouteInput<
  A extends Auth,
  K extends BodyKind,
  P extends ObjectSchema | undefined,
  Q extends ObjectSchema | undefined,
  B extends BodySchema | undefined,
> = Principal<A> & { params: Parsed<P>; query: Parsed<Q>; body: BodyOf<K, B> };

export interface RouteSpec<
  A extends Auth,
  K extends BodyKind,
  P extends ObjectSchema | undefined,
  Q extends ObjectSchema | undefined,
  B extends BodySchema | undefined,
  S extends ResponseSpec,
> {
  method: Method;
  /** OpenAPI-style path: /api/channels/{channel}/... */
  path: string;
  role: RouteRole;
  auth: A;
  body: K;
  summary: string;
  params?: P;
  query?: Q;
  /** The JSON body's schema (body 'json' or 'dataset'). */
  json?: B;
  /** Describes a raw body (body 'raw'). */
  rawDescription?: string;
  response: S;
  errors?: Partial<Record<ErrorStatus, string>>;
  handler: (
    input: RouteInput<A, K, P, Q, B>,
    ctx: RouteContext,
  ) => Promise<ReplyFor<S>> | ReplyFor<S>;
}

/** A route with its types erased, as the registry and the OpenAPI generator see it. */
export interface Route {
  method: Method;
  path: string;
  role: RouteRole;
  auth: Auth;
  body: BodyKind;
  summary: string;
  params?: ObjectSchema;
  query?: ObjectSchema;
  json?: BodySchema;
  rawDescription?: string;
  response: ResponseSpec;
  errors: Partial<Record<ErrorStatus, string>>;
  /** Runs the handler on an already validated input; returns its reply. */
  run(input: ValidatedInput, ctx: RouteContext): Promise<JsonReply<unknown> | BytesReply>;
}

/** What the registry hands a route after authentication and validation. */
export interface ValidatedInput {
  user?: string;
  caller?: SignedCaller;
  params: unknown;
  query: unknown;
  body: unknown;
}

/** Declares a route; the handler's input and reply types follow from the schemas. */
export function defineRoute<
  A extends Auth,
  K extends BodyKind,
  S extends ResponseSpec,
  P extends ObjectSchema | undefined = undefined,
  Q extends ObjectSchema | undefined = undefined,
  B extends BodySchema | undefined = undefined,
>(spec: RouteSpec<A, K, P, Q, B, S>): Route {
  const { handler, errors, ...declared } = spec;
  return {
    ...declared,
    errors: errors ?? {},
    // The registry built `input` from these very schemas, so it has the declared types.
    run: async (input, ctx) => handler(input as RouteInput<A, K, P, Q, B>, ctx),
  };
}
