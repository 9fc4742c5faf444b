import type * as z from 'zod';
import type { FunctionGroup, GroupRouteKey } from '../routes.ts';

/**
 * The other half of the route table (shared/routes.ts holds method, path, group, authentication
 * and roles), in two parts per function group:
 *
 * - shared/contract/requests/<group>.ts: what each route takes (path parameters, headers, query,
 *   body) as zod schemas. The group pipeline (functions/http/group-handler.ts) validates every
 *   request with them before the handler runs. Lambdas import this part only.
 * - shared/contract/<group>.ts: the rest of each entry: operationId, summary, description, tags,
 *   examples, the success answers by status with their schemas, and the route's own problem
 *   answers. The OpenAPI document is generated from both parts (functions/http/openapi.ts);
 *   handlers are typed from both (a type-only import, so none of it reaches a Lambda bundle).
 */
export interface RouteRequest {
  /** Path parameters; one that fails its schema is a 404 ("No such alert."), not a 400. */
  readonly params?: z.ZodObject;
  /** Query parameters (a failure is a 400 naming each parameter). */
  readonly query?: z.ZodType;
  /** Headers the route reads, under their canonical names (`Idempotency-Key`); a failure is a 400. */
  readonly headers?: z.ZodObject;
  /** The JSON body (a failure is a 400 with one `errors` entry per bad field). */
  readonly body?: SchemaSource;
  /**
   * The handler takes the body's bytes exactly as sent and reads them itself (a webhook whose
   * signature covers the raw body must be checked before anything is parsed); `body` then only
   * documents it. The 64 KiB cap still applies.
   */
  readonly rawBody?: true;
}

export interface RouteDocs {
  /** Unique, stable, camelCase: the client's and the document's name for the operation. */
  readonly operationId: string;
  readonly summary: string;
  /** Markdown for an integrator: what it does, what to do with the answer. (Who may call it is added from the route list.) */
  readonly description: string;
  readonly tags: readonly [Tag, ...Tag[]];
  /** Examples of the request body, by name: each is checked against the body schema by the contract tests. */
  readonly examples?: Examples;
  /** The success answers, by status. */
  readonly responses: { readonly [status: number]: ResponseDocs };
  /**
   * The problem+json answers particular to this route, by status, each with when it happens.
   * The ones every route of its kind can give (400 for bad input, 401, 403, 404 for a bad path
   * parameter, 413, 415, 500, 503) are added by the generator.
   */
  readonly errors?: { readonly [status: number]: string };
}

export type Examples = { readonly [name: string]: { readonly summary: string; readonly value: unknown } };

/** A schema, or a schema that depends on the deployment's phone region (built once per region). */
export type SchemaSource = z.ZodType | ((phoneRegion: string) => z.ZodType);

export interface ResponseDocs {
  readonly description: string;
  /** A JSON body (application/json); leave out for an empty answer (204). */
  readonly schema?: z.ZodType;
  readonly examples?: Examples;
  /** Bodies in other media types (an export page): the media type, its schema and an example. */
  readonly content?: { readonly [mediaType: string]: { readonly schema: z.ZodType; readonly example?: unknown } };
  readonly headers?: { readonly [name: string]: { readonly description: string; readonly schema: z.ZodType; readonly required?: boolean } };
}

/** The tags of the document, in the order a reader meets them. */
export const tags = {
  Service: 'Liveness and this document.',
  Administration: 'The network operator registers practices and issues and revokes API keys (admin).',
  'Consent clauses': 'The consent clause practices put in their intake paperwork: the admin publishes it, every role reads it.',
  Alerts: 'A practice submits an alert about a client; it is read, retracted and disputed here.',
  Reviews: 'Reviewers of two other practices approve or reject each alert before it matches anything.',
  Screening: 'A practice screens a booking (or a batch of them) against the published alerts.',
  Audit: "Counsel's signed, tamper-evident export of the audit log, its verification key, and a subject's tokens.",
  Rescreening:
    "A practice registers upcoming bookings, which are screened at once and again whenever an alert publishes before the appointment; a reporting practice may opt in to a daily count of its alert's matches.",
  Statistics: 'Figures about the network that reveal no practice and no client: any figure behind fewer than k practices or alerts is suppressed.',
  Integrations: "Booking software that screens each new booking by itself: a practice's Cal.com integration and the webhook Cal.com calls.",
} as const;
export type Tag = keyof typeof tags;

/** What the routes of one function group take: one entry per route of the group, no more, no fewer. */
export interface GroupRequests<
  G extends FunctionGroup = FunctionGroup,
  Q extends { readonly [K in GroupRouteKey<G>]: RouteRequest } = { readonly [K in GroupRouteKey<G>]: RouteRequest },
> {
  readonly group: G;
  readonly routes: Q;
}

/** A function group's whole contract: its requests, and the documentation of each route. */
/** Any group's requests, for constraints. */
export interface AnyGroupRequests {
  readonly group: FunctionGroup;
  readonly routes: { readonly [key: string]: RouteRequest };
}

export interface GroupContract<
  Q extends AnyGroupRequests = AnyGroupRequests,
  D extends { readonly [K in keyof Q['routes']]: RouteDocs } = { readonly [K in keyof Q['routes']]: RouteDocs },
> {
  readonly group: Q['group'];
  readonly requests: Q;
  readonly routes: D;
}

/**
 * Declares what a group's routes take. A route of the group without an entry, or an entry for a
 * key that is not a route of the group, is a type error.
 */
export function defineRequests<G extends FunctionGroup, const Q extends { readonly [K in GroupRouteKey<G>]: RouteRequest }>(
  group: G,
  routes: Q & { readonly [K in Exclude<keyof Q, GroupRouteKey<G>>]: never },
): GroupRequests<G, Q> {
  return { group, routes };
}

/** Documents a group's routes: again exactly one entry per route. */
export function defineContract<Q extends AnyGroupRequests, const D extends { readonly [K in keyof Q['routes']]: RouteDocs }>(
  requests: Q,
  routes: D & { readonly [K in Exclude<keyof D, keyof Q['routes']>]: never },
): GroupContract<Q, D> {
  return { group: requests.group, requests, routes };
}

/** Any group's contract, for constraints. */
export interface AnyGroupContract {
  readonly group: FunctionGroup;
  readonly requests: AnyGroupRequests;
  readonly routes: { readonly [key: string]: RouteDocs };
}

/** The parsed (output) type of a schema source, `undefined` when there is none. */
export type Parsed<S> = S extends ((phoneRegion: string) => infer Z extends z.ZodType) ? z.output<Z> : S extends z.ZodType ? z.output<S> : undefined;
