import * as z from 'zod';
import { adminContract } from '#shared/contract/admin.ts';
import { alertsContract } from '#shared/contract/alerts.ts';
import { auditContract } from '#shared/contract/audit.ts';
import { checksContract } from '#shared/contract/checks.ts';
import { clausesContract } from '#shared/contract/clauses.ts';
import { problemSchema } from '#shared/contract/common.ts';
import { tags, type AnyGroupContract, type RouteDocs, type RouteRequest } from '#shared/contract/define.ts';
import { healthContract } from '#shared/contract/health.ts';
import { integrationsContract } from '#shared/contract/integrations.ts';
import { bookingsContract } from '#shared/contract/bookings.ts';
import { reviewsContract } from '#shared/contract/reviews.ts';
import { routeKey, routes, type FunctionGroup, type RouteDefinition } from '#shared/routes.ts';
import { maxBodyBytes } from './request.ts';
import { problemKinds, problemTypeBase } from './problem.ts';
import { resolveSchema } from './group-handler.ts';

/**
 * The OpenAPI 3.1 document, generated from the route table (shared/routes.ts) and the contract
 * modules (shared/contract/<group>.ts): `npm run contract` writes it to docs/openapi.json, and
 * test/unit/contract-document.test.ts fails when the committed copy is stale.
 */

/** Every group's contract. */
export const contracts: { readonly [G in FunctionGroup]: AnyGroupContract & { readonly group: G } } = {
  health: healthContract,
  admin: adminContract,
  clauses: clausesContract,
  alerts: alertsContract,
  reviews: reviewsContract,
  checks: checksContract,
  audit: auditContract,
  integrations: integrationsContract,
  bookings: bookingsContract,
};

/** The contract entry of a route: what it takes, and its documentation. */
export function contractOf(route: RouteDefinition): { request: RouteRequest; docs: RouteDocs } {
  const contract = contracts[route.group];
  const request = contract.requests.routes[routeKey(route)];
  const docs = contract.routes[routeKey(route)];
  if (!request || !docs) throw new Error(`no contract entry for ${routeKey(route)}`);
  return { request, docs };
}

/** The phone region the document's schemas are built for (the region changes messages only, never shapes). */
const documentPhoneRegion = 'US';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export const serverUrls = {
  local: 'http://127.0.0.1:3000',
};

export function openApiDocument(version: string): JsonObject {
  const components = new ComponentSchemas();
  const problemRef = components.ref(problemSchema, 'output');
  const paths: Record<string, JsonObject> = {};
  const used = new Set<string>();
  for (const route of routes as readonly RouteDefinition[]) {
    const { request, docs } = contractOf(route);
    const path = (paths[route.path] ??= {});
    path[route.method.toLowerCase()] = operation(route, request, docs, components, problemRef, used);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Peerguard API',
      version,
      summary: 'A safety-alert network for massage-therapy and other one-to-one care practices.',
      description: infoDescription(),
      license: { name: 'Proprietary', identifier: 'LicenseRef-Peerguard' },
      contact: { name: 'The network operator' },
    },
    servers: [
      { url: serverUrls.local, description: 'The local server (`npm start`).' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'A deployment in AWS (the `ApiUrl` output of the Peerguard stack).',
        variables: { apiId: { default: 'abcdef1234', description: 'The HTTP API id.' }, region: { default: 'us-east-1', description: 'The AWS region.' } },
      },
    ],
    security: [{ apiKey: [] }],
    tags: Object.entries(tags).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key issued by the network operator (`POST /v1/keys`), sent as `Authorization: Bearer <api key>`. Each key has one role: admin, reviewer, practice or auditor. A missing, unknown or revoked key is a 401.',
        },
      },
      headers: {
        'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 }, example: 30 },
        'WWW-Authenticate': {
          description: 'The authentication scheme: `Bearer realm="peerguard"`.',
          schema: { type: 'string' },
          example: 'Bearer realm="peerguard"',
        },
      },
      responses: Object.fromEntries(
        Object.entries(commonProblems)
          .filter(([name]) => used.has(name))
          .map(([name, [status, description]]) => [name, problemResponse(status, description, problemRef)]),
      ),
      schemas: components.schemas,
    },
  };
}

const infoDescription = () =>
  [
    "Peerguard lets a practice that ended a client relationship for safety reasons file an **alert**, backed by proof that the client signed the network's consent clause. Reviewers from two other practices approve it, and from then on any participating practice that **screens a booking** is told whether it matches, how strongly, and the category and severity of what happened: never who reported, never a name.",
    '',
    "- **Auth**: every route but `GET /v1/health`, `GET /v1/openapi.json` and Cal.com's webhook (`POST /v1/integrations/calcom/{practiceId}`, authenticated by its `X-Cal-Signature-256` signature instead) needs `Authorization: Bearer <api key>`. Missing, unknown or revoked: 401. A role the route does not allow: 403. A resource of another practice: 404, as if it did not exist.",
    "- **Roles**: `admin` (the network operator), `reviewer` (a peer-review committee member of a practice), `practice` (a practice's booking software or front desk), `auditor` (counsel pulling audit exports). Each operation says which roles may call it.",
    `- **Errors**: RFC 9457 problem documents (\`application/problem+json\`). Bad input is a 400 with one \`errors\` entry per bad field; unknown fields are refused, not ignored. Bodies are JSON, at most ${maxBodyBytes / 1024} KiB.`,
    '- **Privacy**: client identifiers (name, date of birth, phone, e-mail) are accepted in request bodies only. They are never stored, logged, returned, put in an error message or sent anywhere.',
    '- **Idempotency**: `POST /v1/alerts` takes an `Idempotency-Key`; **quotas**: screening is limited per practice per minute and per day (429 with `Retry-After`).',
    '',
    '',
    '**Problem types** (the `type` of a problem document, by status):',
    '',
    '| type | status | title |',
    '| --- | --- | --- |',
    ...[...Object.values(problemKinds), ...[431, 500].map((status) => ({ status, ...slugByStatus.get(status)! }))].map(
      ({ status, slug, title }) => `| \`${problemTypeBase}${slug}\` | ${status} | ${title} |`,
    ),
    '',
    'The conventions in full: docs/api.md in the repository.',
  ].join('\n');

function operation(
  route: RouteDefinition,
  request: RouteRequest,
  contract: RouteDocs,
  components: ComponentSchemas,
  problemRef: JsonObject,
  used: Set<string>,
): JsonObject {
  const parameters: Json[] = [
    ...parametersOf(request.params, 'path', components),
    ...parametersOf(request.query, 'query', components),
    ...parametersOf(request.headers, 'header', components),
  ];
  const who = route.auth === 'none' ? 'Anyone, without an API key.' : `${route.roles.map((role) => `\`${role}\``).join(', ')} keys.`;
  const op: JsonObject = {
    operationId: contract.operationId,
    summary: contract.summary,
    description: `${contract.description}\n\n**Who may call it**: ${who}`,
    tags: [...contract.tags],
    'x-peerguard-roles': [...route.roles],
  };
  if (route.auth === 'none') op.security = [];
  if (parameters.length > 0) op.parameters = parameters;
  if (request.body) {
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: components.ref(resolveSchema(request.body, documentPhoneRegion), 'input'), ...examplesOf(contract.examples) } },
    };
  }
  const responses: JsonObject = {};
  for (const [status, answer] of Object.entries(contract.responses)) {
    const content: JsonObject = {};
    if (answer.schema) content['application/json'] = { schema: components.ref(answer.schema, 'output'), ...examplesOf(answer.examples) };
    for (const [mediaType, body] of Object.entries(answer.content ?? {})) {
      content[mediaType] = { schema: components.ref(body.schema, 'output'), ...(body.example === undefined ? {} : { example: body.example as Json }) };
    }
    const headers = Object.fromEntries(
      Object.entries(answer.headers ?? {}).map(([name, header]) => [
        name,
        { description: header.description, required: header.required ?? false, schema: components.ref(header.schema, 'output') },
      ]),
    );
    responses[status] = {
      description: answer.description,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(Object.keys(content).length > 0 ? { content } : {}),
    };
  }
  for (const [status, answer] of errorResponses(route, request, contract)) {
    if (answer in commonProblems) used.add(answer);
    responses[String(status)] = answer in commonProblems ? { $ref: `#/components/responses/${answer}` } : problemResponse(status, answer, problemRef);
  }
  op.responses = responses;
  return op;
}

/**
 * The problem answers every route of a kind can give, described once (components/responses):
 * bad input, authentication, body limits, our own failures and unavailable dependencies.
 */
const commonProblems = {
  BadRequest: [
    400,
    'Bad input: a body field, query parameter or header is missing, malformed or unknown (`errors` names each), or the body is not valid JSON.',
  ],
  Unauthorized: [401, 'No API key, or an unknown or revoked one.'],
  Forbidden: [403, "The key's role may not use this route (see who may call it)."],
  NotFound: [404, 'No such resource (or not one your key may see).'],
  PayloadTooLarge: [413, `The body is over ${maxBodyBytes / 1024} KiB.`],
  UnsupportedMediaType: [415, 'The body is not sent as JSON (`Content-Type: application/json`).'],
  HeadersTooLarge: [431, 'The request headers are over 16 KiB in all: send the API key and the usual headers only.'],
  InternalError: [500, 'Something failed on our side; nothing we know of changed. Quote the `instance` to the network operator.'],
  ServiceUnavailable: [503, 'A dependency (the database or the key service) is throttling or unavailable; retry after `Retry-After` seconds.'],
} as const satisfies Record<string, readonly [number, string]>;
type CommonProblem = keyof typeof commonProblems;

/**
 * The problem answers a route can give, by status: its own (described where they happen) and
 * the common ones of its kind (a reference to the shared description).
 */
export function errorResponses(route: RouteDefinition, request: RouteRequest, contract: RouteDocs): [number, CommonProblem | string][] {
  const own = contract.errors ?? {};
  const answers = new Map<number, CommonProblem | string>();
  for (const [status, description] of Object.entries(own)) answers.set(Number(status), description);
  const common = (name: CommonProblem) => {
    if (!answers.has(commonProblems[name][0])) answers.set(commonProblems[name][0], name);
  };
  common('BadRequest');
  if (route.auth === 'apiKey') {
    common('Unauthorized');
    common('Forbidden');
  }
  if (request.params) common('NotFound');
  common('PayloadTooLarge');
  common('UnsupportedMediaType');
  common('HeadersTooLarge');
  common('InternalError');
  if (route.auth === 'apiKey') common('ServiceUnavailable');
  return [...answers.entries()].sort(([a], [b]) => a - b);
}

const slugByStatus = new Map<number, { slug: string; title: string }>([
  ...Object.values(problemKinds)
    .map(({ status, slug, title }) => [status, { slug, title }] as const)
    .reverse(),
  [431, { slug: 'headers-too-large', title: 'The request headers are too large' }],
  [500, { slug: 'internal-error', title: 'Something went wrong on our side' }],
]);

function problemResponse(status: number, description: string, problemRef: JsonObject): JsonObject {
  const kind = slugByStatus.get(status)!;
  const example: JsonObject = {
    type: `${problemTypeBase}${kind.slug}`,
    title: kind.title,
    status,
    detail: description.replace(/`/g, ''),
    instance: 'urn:request:8d1f6f5e-0c4b-4a8e-9a57-2f1d3c4b5a69',
  };
  if (status === 400) example.errors = [{ path: 'subject.phone', message: 'must be a valid phone number (international, or national for region US)' }];
  const headers: JsonObject = {};
  if (status === 401) headers['WWW-Authenticate'] = { $ref: '#/components/headers/WWW-Authenticate' };
  if (status === 429 || status === 503) headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
  return {
    description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: { 'application/problem+json': { schema: problemRef, example } },
  };
}

function examplesOf(examples: { readonly [name: string]: { readonly summary: string; readonly value: unknown } } | undefined): JsonObject {
  if (!examples) return {};
  return { examples: Object.fromEntries(Object.entries(examples).map(([name, { summary, value }]) => [name, { summary, value: value as Json }])) };
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header', components: ComponentSchemas): JsonObject[] {
  if (!schema) return [];
  const json = components.inline(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}

/** The named schemas of the document (zod `.meta({ id })`), collected as the operations use them. */
class ComponentSchemas {
  readonly schemas: Record<string, JsonObject> = {};

  /** A schema for use in an operation: a `$ref` when it is named, else inline (its named parts become components). */
  ref(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
    return this.inline(schema, io);
  }

  inline(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
    const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonObject;
    const { $schema: _dialect, $defs, ...rest } = converted;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonObject>)) this.add(id, rewriteRefs(def) as JsonObject);
    return rewriteRefs(rest) as JsonObject;
  }

  private add(id: string, schema: JsonObject): void {
    const existing = this.schemas[id];
    if (existing && JSON.stringify(existing) !== JSON.stringify(schema)) {
      throw new Error(`Two different schemas are named ${id} (an input and an output form?): name only one of them.`);
    }
    this.schemas[id] = schema;
  }
}

function rewriteRefs(value: Json): Json {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string' ? inner.replace(/^#\/\$defs\//, '#/components/schemas/') : rewriteRefs(inner),
    ]),
  );
}
