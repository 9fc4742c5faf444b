import fc from 'fast-check';
import { z } from 'zod';
import { maxBodyBytes } from '#functions/http/request.ts';
import { routeKey, type RouteDefinition, type Role } from '#shared/routes.ts';
import {
  batchCheckSchema,
  bookingRegistrationSchema,
  calcomIntegrationSchema,
  checkSchema,
  checkSubjectSchema,
  createKeySchema,
  createPracticeSchema,
  matchDigestSchema,
  publishClauseSchema,
  reasonSchema,
  reviewDecisionSchema,
  submitAlertSchema,
} from '#shared/schemas.ts';
import { addDays, isoDate } from '#shared/dates.ts';
import { canarySubject, consentProof } from '../fakes/fixtures.ts';
import { calcomDelivery, signCalcom } from './calcom.ts';

/**
 * Hostile requests for every route, shared by the unit suite (group handlers over in-memory
 * fakes) and the HTTP suite (the local server over DynamoDB Local). Each route starts from a
 * valid request; a case mutates one part of it. A case marked `invalid` must be refused with a
 * 4xx; a `maybe` case may legitimately succeed (odd Unicode in a name is still a name).
 * Client identifiers (the canary subject) are planted wherever no answer may repeat them.
 */

/** What a route's valid request needs: keys of each role and ids of things that exist. */
export interface HostileTargets {
  readonly keys: Record<Role, string>;
  readonly clause: { clauseId: string; version: number; sha256: string };
  readonly alertId: string;
  /** A key the admin may revoke. */
  readonly spareKeyId: string;
  readonly practiceId: string;
  readonly today: string;
  /** A booking the practice registered for re-screening (the harness registers it). */
  readonly bookingRef: string;
}

/** The booking each harness registers for the practice, so that cancelling one is a valid request. */
export const hostileBooking = { ref: 'hostile-booking', subject: { phone: '+1 203 555 0142' } } as const;
export const inAWeek = (today: string): string => isoDate(addDays(new Date(`${today}T12:00:00Z`), 7));

/** The alert state a route's valid request needs (reviews want a pending alert, reinstating a suspended one). */
export type AlertState = 'pending_review' | 'published' | 'suspended';

export interface RouteSpec {
  readonly role: Role | undefined;
  readonly alertState: AlertState;
  /** The real request schema of the body, when the route takes one. */
  readonly schema?: z.ZodType;
  readonly body?: (t: HostileTargets) => Record<string, unknown>;
  readonly params?: (t: HostileTargets) => Record<string, string>;
  readonly query?: (t: HostileTargets) => Record<string, string>;
  /** Query strings the route must refuse with a 400 (the export's own when left out). */
  readonly hostileQueries?: (t: HostileTargets) => (readonly (readonly [string, string])[])[];
  /** Headers that sign whatever body a case sends (a webhook signed by its sender), added by the harness. */
  readonly sign?: (body: Buffer | undefined) => Record<string, string>;
}

/** The webhook secret of Harbour's Cal.com integration, which both harnesses set up. */
export const hostileWebhookSecret = 'hostile-input-webhook-secret-01';

export interface HostileCase {
  readonly kind: string;
  readonly invalid: boolean;
  /** The exact status when the case determines it (413, 415, 404...). */
  readonly status?: number;
  /** The key of this role (undefined: the route's own role); `authorization` overrides it. */
  readonly role?: Role;
  /** The whole Authorization header; null sends none. */
  readonly authorization?: string | null;
  /** undefined: application/json; null: no Content-Type header. */
  readonly contentType?: string | null;
  readonly idempotencyKey?: string;
  readonly params: Record<string, string>;
  readonly query: readonly (readonly [string, string])[];
  readonly body?: Buffer;
}

// ---------------------------------------------------------------------------------------------
// The canary: identifiers no answer (nor log line) may ever contain.

export const canary = canarySubject;
/** Lower-case pieces of the canary identifiers; an answer containing any of them has echoed input. */
export const canaryNeedles = ['zebulon', 'quixley', 'marchetti', '555-0199', '5550199', '1979-03-14'] as const;

export function echoedCanary(text: string): string | undefined {
  const lower = text.toLowerCase();
  return canaryNeedles.find((needle) => lower.includes(needle));
}

// ---------------------------------------------------------------------------------------------
// Routes: the valid request of each, and its body schema (from shared/schemas.ts).

const subjectTokensSchema = z.strictObject({ subject: checkSubjectSchema('US') });
const reason = () => ({ reason: 'Entered against the wrong booking, as the front desk confirmed.' });

export const routeSpecs: Record<string, RouteSpec> = {
  'GET /v1/health': { role: undefined, alertState: 'pending_review' },
  'GET /v1/openapi.json': { role: undefined, alertState: 'pending_review' },
  'GET /v1/me': { role: 'practice', alertState: 'pending_review' },
  'GET /v1/practices': { role: 'admin', alertState: 'pending_review' },
  'GET /v1/keys': {
    role: 'admin',
    alertState: 'pending_review',
    query: (t) => ({ practiceId: t.practiceId }),
    hostileQueries: () => [
      [['practiceId', '']],
      [['practiceId', canary.email]],
      [['practiceId', 'prc_1']],
      [['practiceId', `key_${'0'.repeat(26)}`]],
      [['role', 'admin']],
      [[canary.fullName, canary.phone]],
    ],
  },
  'GET /v1/overview': { role: 'admin', alertState: 'pending_review' },
  'GET /v1/stats': { role: 'admin', alertState: 'pending_review' },
  'GET /v1/stats/summary': { role: undefined, alertState: 'pending_review' },
  'GET /v1/alerts': {
    role: 'practice',
    alertState: 'pending_review',
    query: () => ({ status: 'pending_review', limit: '10' }),
    hostileQueries: () => [
      [['status', 'open']],
      [['status', canary.fullName]],
      [['limit', '0']],
      [['limit', '101']],
      [['limit', '1e2']],
      [['limit', '-1']],
      [['limit', ' 5']],
      [['limit', canary.phone]],
      [['cursor', 'not-a-cursor']],
      [['cursor', Buffer.from(JSON.stringify({ before: canary.email })).toString('base64url')]],
      [['cursor', Buffer.from(JSON.stringify({ before: `prc_${'0'.repeat(26)}` })).toString('base64url')]],
      [['cursor', 'x'.repeat(201)]],
      [['practiceId', `prc_${'0'.repeat(26)}`]],
      [[canary.fullName, canary.email]],
    ],
  },
  'GET /v1/reviews/decided': { role: 'reviewer', alertState: 'pending_review' },
  'POST /v1/practices': { role: 'admin', alertState: 'pending_review', schema: createPracticeSchema, body: () => ({ name: 'Harbour Annex', region: 'CT' }) },
  'POST /v1/keys': {
    role: 'admin',
    alertState: 'pending_review',
    schema: createKeySchema,
    body: (t) => ({ role: 'practice', practiceId: t.practiceId, label: 'Second desk' }),
  },
  'DELETE /v1/keys/{keyId}': { role: 'admin', alertState: 'pending_review', params: (t) => ({ keyId: t.spareKeyId }) },
  'POST /v1/consent-clauses': {
    role: 'admin',
    alertState: 'pending_review',
    schema: publishClauseSchema,
    body: () => ({ text: 'I agree that this practice may say whether it would see me again.', jurisdiction: 'US-CT' }),
  },
  'POST /v1/consent-clauses/{clauseId}/versions': {
    role: 'admin',
    alertState: 'pending_review',
    schema: publishClauseSchema,
    params: (t) => ({ clauseId: t.clause.clauseId }),
    body: () => ({ text: 'I agree, in version two, that this practice may say whether it would see me again.', jurisdiction: 'US-CT' }),
  },
  'GET /v1/consent-clauses': { role: 'practice', alertState: 'pending_review' },
  'POST /v1/alerts': {
    role: 'practice',
    alertState: 'pending_review',
    schema: submitAlertSchema('US'),
    body: (t) => ({
      subject: { ...canary },
      incident: {
        occurredOn: '2026-11-02',
        category: 'sexual_misconduct',
        severity: 'high',
        summary: 'Client made advances and would not stop when asked.',
        actionsTaken: 'Session ended.',
        witnesses: 1,
      },
      consent: consentProof(t.clause),
    }),
  },
  'GET /v1/alerts/{alertId}': { role: 'practice', alertState: 'pending_review', params: (t) => ({ alertId: t.alertId }) },
  'POST /v1/alerts/{alertId}/retract': {
    role: 'practice',
    alertState: 'published',
    schema: reasonSchema,
    params: (t) => ({ alertId: t.alertId }),
    body: reason,
  },
  'POST /v1/alerts/{alertId}/disputes': { role: 'admin', alertState: 'published', schema: reasonSchema, params: (t) => ({ alertId: t.alertId }), body: reason },
  'POST /v1/alerts/{alertId}/reinstate': {
    role: 'admin',
    alertState: 'suspended',
    schema: reasonSchema,
    params: (t) => ({ alertId: t.alertId }),
    body: reason,
  },
  'GET /v1/reviews/queue': { role: 'reviewer', alertState: 'pending_review' },
  'POST /v1/alerts/{alertId}/reviews': {
    role: 'reviewer',
    alertState: 'pending_review',
    schema: reviewDecisionSchema,
    params: (t) => ({ alertId: t.alertId }),
    body: () => ({ decision: 'approve', reason: 'Specific, and the consent is in order.' }),
  },
  'POST /v1/alerts/{alertId}/reconfirm': {
    role: 'reviewer',
    alertState: 'published',
    schema: reasonSchema,
    params: (t) => ({ alertId: t.alertId }),
    body: reason,
  },
  'POST /v1/checks': {
    role: 'practice',
    alertState: 'pending_review',
    schema: checkSchema('US'),
    body: () => ({ subject: { ...canary }, bookingOn: '2026-12-01' }),
  },
  'POST /v1/checks/batch': {
    role: 'practice',
    alertState: 'pending_review',
    schema: batchCheckSchema('US'),
    body: () => ({
      bookings: [
        { ref: 'bk-1', subject: { phone: canary.phone } },
        { ref: 'bk-2', subject: { email: canary.email, fullName: canary.fullName } },
      ],
    }),
  },
  'PUT /v1/practices/{practiceId}/integrations/calcom': {
    role: 'practice',
    alertState: 'pending_review',
    schema: calcomIntegrationSchema,
    params: (t) => ({ practiceId: t.practiceId }),
    body: () => ({ webhookSecret: hostileWebhookSecret, onMatch: 'notify' }),
  },
  'GET /v1/practices/{practiceId}/integrations/calcom': { role: 'practice', alertState: 'pending_review', params: (t) => ({ practiceId: t.practiceId }) },
  // Signed over each case's exact bytes, so what is tested is the body, not the (already tested) signature check.
  'POST /v1/integrations/calcom/{practiceId}': {
    role: undefined,
    alertState: 'pending_review',
    params: (t) => ({ practiceId: t.practiceId }),
    body: () => calcomDelivery({ uid: 'hostile-booking', attendees: [{ name: canary.fullName, email: canary.email, phoneNumber: canary.phone }] }),
    sign: (body) => ({ 'x-cal-signature-256': signCalcom(hostileWebhookSecret, body ?? Buffer.alloc(0)) }),
  },
  'POST /v1/bookings': {
    role: 'practice',
    alertState: 'pending_review',
    schema: bookingRegistrationSchema('US'),
    body: (t) => ({ ref: 'hostile-new-booking', appointmentOn: inAWeek(t.today), subject: { ...canary } }),
  },
  'GET /v1/bookings': { role: 'practice', alertState: 'pending_review' },
  'DELETE /v1/bookings/{ref}': { role: 'practice', alertState: 'pending_review', params: (t) => ({ ref: t.bookingRef }) },
  'GET /v1/alerts/{alertId}/match-digest': { role: 'practice', alertState: 'pending_review', params: (t) => ({ alertId: t.alertId }) },
  'PUT /v1/alerts/{alertId}/match-digest': {
    role: 'practice',
    alertState: 'pending_review',
    schema: matchDigestSchema,
    params: (t) => ({ alertId: t.alertId }),
    body: () => ({ enabled: true }),
  },
  'GET /v1/audit/export': { role: 'auditor', alertState: 'pending_review', query: (t) => ({ from: t.today, to: t.today }) },
  'GET /v1/audit/verification-key': { role: 'auditor', alertState: 'pending_review' },
  'POST /v1/audit/subject-tokens': { role: 'auditor', alertState: 'pending_review', schema: subjectTokensSchema, body: () => ({ subject: { ...canary } }) },
  'GET /v1/audit/checkpoints': { role: 'auditor', alertState: 'pending_review' },
  'POST /v1/audit/checkpoints': { role: 'auditor', alertState: 'pending_review' },
};

export function specOf(route: RouteDefinition): RouteSpec {
  const spec = routeSpecs[routeKey(route)];
  if (!spec) throw new Error(`no hostile-input spec for ${routeKey(route)}`);
  return spec;
}

/** The route's valid request, as a case. */
export function validCase(route: RouteDefinition, t: HostileTargets): HostileCase {
  const spec = specOf(route);
  const body = spec.body?.(t);
  return {
    kind: 'valid',
    invalid: false,
    params: spec.params?.(t) ?? {},
    query: Object.entries(spec.query?.(t) ?? {}),
    body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
  };
}

// ---------------------------------------------------------------------------------------------
// The fields of a body, read from its zod schema.

type FieldKind = 'object' | 'array' | 'string' | 'number' | 'enum' | 'boolean' | 'other';
type Path = readonly (string | number)[];

interface Field {
  readonly path: Path;
  readonly kind: FieldKind;
  readonly optional: boolean;
}

/** Every field a schema describes (array elements as index 0), with its JSON kind and whether it may be left out. */
export function fieldsOf(schema: z.ZodType, path: Path = [], optional = false): Field[] {
  const def = (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
  switch (def.type) {
    case 'optional':
    case 'default':
      return fieldsOf(def.innerType, path, true);
    case 'pipe':
      return fieldsOf(def.in, path, optional);
    case 'object':
      return [
        { path, kind: 'object', optional },
        ...Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([key, child]) => fieldsOf(child, [...path, key])),
      ];
    case 'array':
      return [{ path, kind: 'array', optional }, ...fieldsOf(def.element, [...path, 0], true)];
    case 'string':
    case 'number':
    case 'enum':
    case 'boolean':
      return [{ path, kind: def.type, optional }];
    default:
      return [{ path, kind: 'other', optional }];
  }
}

const getAt = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], value);

/** A deep copy of `body` with the value at `path` replaced (or removed, for `remove`). */
function setAt(body: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(body);
  if (path.length === 0) return value;
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === remove) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else Object.defineProperty(parent, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}
const remove = Symbol('remove');

/** Adds an own property, even one named `__proto__` (plain assignment would set the prototype). */
function withKey(body: unknown, path: Path, key: string, value: unknown): unknown {
  const copy = structuredClone(body);
  const target = getAt(copy, path) as object;
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** JSON text of `value`, with the string "@@RAW@@" replaced by raw bytes (numbers JSON.stringify cannot write, bad UTF-8). */
function encode(value: unknown, raw?: Buffer): Buffer {
  const text = JSON.stringify(value);
  if (raw === undefined) return Buffer.from(text, 'utf8');
  const parts = text.split('"@@RAW@@"');
  if (parts.length !== 2) throw new Error('encode: exactly one raw marker expected');
  return Buffer.concat([Buffer.from(parts[0]!, 'utf8'), raw, Buffer.from(parts[1]!, 'utf8')]);
}

// ---------------------------------------------------------------------------------------------
// Hostile values.

const canaryText = `${canary.fullName} ${canary.phone} ${canary.email} ${canary.dateOfBirth} `;
const repeatTo = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

/** Keys a hostile or careless caller may add: prototype names, identifiers as keys, odd and huge names. */
const hostileKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'zebulon',
  'quixley',
  canary.fullName,
  canary.email,
  canary.phone,
  '',
  ' ',
  '\u202e',
  '\u200b',
  'phone\u0000',
  'subject.phone',
  '$where',
  'x'.repeat(10_000),
  'a\u0301',
];

/** Values of the wrong JSON type for each kind of field, each carrying an identifier. */
function wrongTypes(kind: FieldKind): unknown[] {
  const asString = [canary.phone, canaryText];
  const asNumber = [5550199, 18605550199];
  const asObject = [{ phone: canary.phone }, { fullName: canary.fullName, __nested: { email: canary.email } }];
  const asArray = [[canary.email], [], [[canary.fullName]]];
  const others = [true, false, null];
  switch (kind) {
    case 'object':
      return [...asString, ...asNumber, ...asArray, ...others];
    case 'array':
      return [...asString, ...asNumber, ...asObject, ...others];
    case 'number':
      return [...asString, '1', ...asObject, ...asArray, ...others];
    case 'boolean':
      return [...asString, 'true', 0, 1, ...asObject, ...asArray, null];
    default:
      return [...asNumber, ...asObject, ...asArray, ...others];
  }
}

/** Odd but printable-looking Unicode around a base text: bidi overrides, zero-width, combining marks, emoji, lone surrogates. */
const unicodeDecorations: ((base: string) => string)[] = [
  (s) => `\u202e${s}\u202c`,
  (s) => `\u200f${s}`,
  (s) => [...s].join('\u200b'),
  (s) => s.replace(/[aeiou]/g, (c) => `${c}\u0301\u0308`),
  (s) => `${s} 👩‍⚕️🏳️‍🌈`,
  (s) => `${s}\ud800`,
  (s) => `\udc00${s}`,
  (s) => `\ufeff${s}`,
  (s) => `${s}\u0000`,
  (s) => `${s}\u2028\u2029`,
  (s) => s.replace(/[A-Za-z]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)),
  (s) => `\u00a0${s}\u3000`,
  () => '\u200b\u200c\u200d',
  () => '\u0301\u0301',
  () => '🙂',
];

const invalidNumbers = ['1e309', '-1e309', '-1', '0.5', '1e-7', '9007199254740993', '-9007199254740993', '1e21', '123456789012345678901234567890'];
const maybeNumbers = ['-0', '0', '1', '1.0', '1E0', '2', '1000', '1e3'];

const invalidUtf8 = [
  [0x80],
  [0xbf],
  [0xc0, 0xaf],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0xaf],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf0, 0x9f, 0x98],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xfe],
  [0xff],
  [0xfe, 0xff],
  [0xe9], // é in Latin-1
].map((bytes) => Buffer.from(bytes));

/** Content types that are not JSON: 415 whenever there is a body. */
export const refusedContentTypes = [
  'text/plain',
  'text/plain; charset=utf-8',
  'multipart/form-data; boundary=----x',
  'application/x-www-form-urlencoded',
  'application/xml',
  'text/json',
  'application/jsonx',
  'application/json-seq',
  'json',
  '*/*',
  'application/*',
  '',
  'application/json, text/plain',
  'text/html; charset=latin1',
];
/** Odd spellings of JSON that may be accepted. */
const oddJsonContentTypes = [
  null,
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;charset=UTF-8',
  'application/problem+json',
  'application/vnd.api+json',
  'application/json ; x=y',
];

const invalidAuthorizations = (keys: Record<Role, string>): (string | null)[] => [
  null,
  '',
  'Bearer',
  'Bearer ',
  `Bearer ${'A'.repeat(6_000)}`,
  `Bearer ${canary.phone}`,
  `Basic ${Buffer.from(`${canary.email}:pw`).toString('base64')}`,
  'Bearer pg.key_00000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  `Bearer ${keys.admin}x`,
  `Bearer ${keys.admin.slice(0, -1)}`,
  `Bearer ${keys.admin.replace('pg.', 'pg.key_../')}`,
  'Bearer pg.__proto__.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  `Token ${keys.admin}`,
];

const invalidIdempotencyKeys = [
  '',
  ' ',
  'a b',
  'x'.repeat(129),
  'ключ',
  canary.phone,
  '\tkey',
  'key\u00e9',
  `${'k'.repeat(64)} ${'k'.repeat(64)}`,
  'first,second',
  'first, second',
];
const maybeIdempotencyKeys = ['x'.repeat(128), '!~', 'idem-0001', '__proto__', 'constructor'];

/** Path values that name nothing: 404 on every route with a path parameter. */
function hostilePathValues(valid: string): string[] {
  const kind = valid.slice(0, 3);
  const other = kind === 'alt' ? 'prc' : 'alt';
  return [
    'x'.repeat(3_000),
    '../../etc/passwd',
    '..',
    '.',
    '%2e%2e%2f',
    '..%2F..%2Fkeys',
    `${valid}/../x`,
    `${kind}_${'A'.repeat(26)}`,
    `${other}${valid.slice(3)}`,
    `${kind}_00000000000000000000000000`,
    ` ${valid}`,
    `${valid}\u200b`,
    `${kind}_${'０'.repeat(26)}`,
    canary.phone,
    canary.email,
    `${valid}\u0000`,
    '__proto__',
    'constructor',
    `${valid.toUpperCase()}`,
    `${valid}x`,
    `${kind}_${'ü'.repeat(26)}`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Arbitraries: one hostile case for a route.

const body = (value: unknown, raw?: Buffer) => encode(value, raw);

export function hostileCase(route: RouteDefinition, t: HostileTargets): fc.Arbitrary<HostileCase> {
  const spec = specOf(route);
  const valid = validCase(route, t);
  const validBody = spec.body?.(t);
  const auth = route.auth === 'apiKey';
  const arbitraries: fc.WeightedArbitrary<HostileCase>[] = [];
  const add = (weight: number, arbitrary: fc.Arbitrary<Omit<HostileCase, 'params' | 'query'> & Partial<HostileCase>>) =>
    arbitraries.push({ weight, arbitrary: arbitrary.map((c) => ({ ...valid, ...c })) });

  if (spec.schema && validBody) {
    const fields = fieldsOf(spec.schema).filter((field) => getAt(validBody, field.path.slice(0, -1)) !== undefined);
    const present = fields.filter((field) => getAt(validBody, field.path) !== undefined);
    const leaves = present.filter((field) => field.kind !== 'object' && field.kind !== 'array');
    const objects = present.filter((field) => field.kind === 'object');
    const strings = present.filter((field) => field.kind === 'string' || field.kind === 'enum' || field.kind === 'other');
    const numbers = fields.filter((field) => field.kind === 'number');
    const inSubject = (field: Field) => field.path.includes('subject');

    // A field left out: invalid when the schema requires it (inside a present parent, not an array element).
    add(
      3,
      fc.constantFrom(...present).map((field) => {
        const required = !field.optional && typeof field.path.at(-1) === 'string';
        return {
          kind: 'drop-field',
          invalid: required && field.path.length > 0,
          body: field.path.length === 0 ? undefined : body(setAt(validBody, field.path, remove)),
        };
      }),
    );
    // A value of the wrong JSON type, carrying an identifier.
    add(
      4,
      fc
        .constantFrom(...present)
        .chain((field) =>
          fc.constantFrom(...wrongTypes(field.kind)).map((value) => ({ kind: 'wrong-type', invalid: true, body: body(setAt(validBody, field.path, value)) })),
        ),
    );
    // An extra field at any level: unknown fields are refused, prototype names included.
    add(
      4,
      fc
        .tuple(
          fc.constantFrom(...objects),
          fc.constantFrom(...hostileKeys),
          fc.constantFrom<unknown>(canary.phone, { polluted: canary.fullName }, [canary.email], 1, null),
        )
        .map(([field, key, value]) => ({
          kind: `extra-field${key === '__proto__' || key === 'constructor' || key === 'prototype' ? '-prototype' : ''}`,
          invalid: true,
          body: body(withKey(validBody, field.path, key, value)),
        })),
    );
    // Strings far over every field's limit: 30 000 characters (400) and about 1 MB (413).
    add(
      2,
      fc.tuple(fc.constantFrom(...present), fc.constantFrom(30_000, 1_048_576)).map(([field, length]) => ({
        kind: length > maxBodyBytes ? 'huge-string' : 'long-string',
        invalid: true,
        status: length > maxBodyBytes ? 413 : 400,
        body: body(setAt(validBody, field.path, repeatTo(canaryText, length))),
      })),
    );
    // Multi-byte text whose characters fit the cap but whose bytes do not.
    add(
      1,
      fc.constantFrom(...present).map((field) => ({
        kind: 'multibyte-over-cap',
        invalid: true,
        status: 413,
        body: body(setAt(validBody, field.path, 'é'.repeat(maxBodyBytes / 2 + 1))),
      })),
    );
    // Huge arrays in place of any field (and too many bookings).
    add(
      2,
      fc.tuple(fc.constantFrom(...present), fc.constantFrom(1_000, 50_000)).map(([field, length]) => ({
        kind: 'huge-array',
        invalid: true,
        body: body(
          setAt(
            validBody,
            field.path,
            Array.from({ length }, () => canary.phone),
          ),
        ),
      })),
    );
    // Deep nesting, 1 000 to 30 000 levels, as arrays or objects.
    add(
      2,
      fc.tuple(fc.constantFrom(...present), fc.constantFrom(1_000, 10_000, 30_000), fc.boolean()).map(([field, depth, arrays]) => {
        const nested = arrays ? `${'['.repeat(depth)}"${canary.phone}"${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}"${canary.phone}"${'}'.repeat(depth)}`;
        const bytes = body(setAt(validBody, field.path, '@@RAW@@'), Buffer.from(nested));
        return { kind: 'deep-nesting', invalid: true, status: bytes.length > maxBodyBytes ? 413 : 400, body: bytes };
      }),
    );
    // Odd Unicode in text: identifiers stay identifiers, other text stays other text.
    if (strings.length > 0) {
      add(
        3,
        fc.tuple(fc.constantFrom(...strings), fc.constantFrom(...unicodeDecorations)).map(([field, decorate]) => {
          const current = getAt(validBody, field.path);
          const base = inSubject(field) ? String(current) : typeof current === 'string' ? current : 'Harbour Annex';
          return { kind: 'odd-unicode', invalid: false, body: body(setAt(validBody, field.path, decorate(base))) };
        }),
      );
    }
    // Numbers at the edges, written as raw JSON (1e309, -0 and 2^53 + 1 cannot come from JSON.stringify).
    const numberTargets = numbers.length > 0 ? numbers : leaves;
    add(
      2,
      fc.tuple(fc.constantFrom(...numberTargets), fc.boolean()).chain(([field, bad]) =>
        fc.constantFrom(...(bad || field.kind !== 'number' ? invalidNumbers : maybeNumbers)).map((token) => ({
          kind: bad || field.kind !== 'number' ? 'edge-number' : 'edge-number-maybe',
          invalid: bad || field.kind !== 'number',
          body: body(setAt(validBody, field.path, '@@RAW@@'), Buffer.from(token)),
        })),
      ),
    );
    // Invalid UTF-8 inside a string value.
    add(
      2,
      fc.tuple(fc.constantFrom(...(strings.length > 0 ? strings : present)), fc.constantFrom(...invalidUtf8)).map(([field, bytes]) => ({
        kind: 'invalid-utf8',
        invalid: true,
        status: 400,
        body: body(setAt(validBody, field.path, '@@RAW@@'), Buffer.concat([Buffer.from(`"${canary.fullName}`), bytes, Buffer.from('"')])),
      })),
    );
    // A repeated key: the last one wins in JSON.parse, so a bad last one is refused and a good last one is not.
    add(
      1,
      fc.tuple(fc.constantFrom(...Object.keys(validBody)), fc.boolean()).map(([key, badLast]) => {
        const text = JSON.stringify(validBody);
        const dup = `${JSON.stringify(key)}:{"zebulon quixley":[${JSON.stringify(canary.phone)}]}`;
        return badLast
          ? { kind: 'duplicate-key', invalid: true, status: 400, body: Buffer.from(`${text.slice(0, -1)},${dup}}`) }
          : { kind: 'duplicate-key-maybe', invalid: false, body: Buffer.from(`{${dup},${text.slice(1)}`) };
      }),
    );
    // Bodies just under (valid) and just over (413) the 64 KiB cap, padded with JSON whitespace.
    add(
      2,
      fc.tuple(fc.constantFrom(0, 1), fc.constantFrom(' ', '\n', '\t', '\r\n')).map(([over, pad]) => {
        const text = JSON.stringify(validBody);
        const padding = repeatTo(pad, maxBodyBytes + over - Buffer.byteLength(text));
        return over
          ? { kind: 'size-over-cap', invalid: true, status: 413, body: Buffer.from(text + padding) }
          : { kind: 'size-at-cap', invalid: false, body: Buffer.from(padding + text) };
      }),
    );
    // Too many bookings, and exactly the most allowed.
    if (getAt(validBody, ['bookings']) !== undefined) {
      add(
        1,
        fc.constantFrom(100, 101).map((count) => ({
          kind: count > 100 ? 'too-many-bookings' : 'most-bookings',
          invalid: count > 100,
          body: body({ bookings: Array.from({ length: count }, (_, i) => ({ ref: `bk-${i}`, subject: { phone: canary.phone } })) }),
        })),
      );
    }
    // The whole body replaced by JSON that is not an object, or by nothing.
    add(
      2,
      fc
        .constantFrom('[]', `"${canary.fullName}"`, '1', 'null', 'true', `[${JSON.stringify(validBody)}]`, '', '{}')
        .map((text) => ({ kind: 'not-an-object', invalid: true, status: 400, body: text === '' ? undefined : Buffer.from(text) })),
    );
    // Content types that are not JSON (415), and odd spellings of JSON.
    add(
      2,
      fc
        .constantFrom(...refusedContentTypes)
        .map((contentType) => ({ kind: 'content-type-refused', invalid: true, status: 415, contentType, body: valid.body })),
    );
    add(
      1,
      fc.constantFrom(...oddJsonContentTypes).map((contentType) => ({ kind: 'content-type-odd', invalid: false, contentType, body: valid.body })),
    );
  } else {
    // Routes without a body: whatever JSON comes is ignored, but it is still read (cap, type, syntax).
    add(
      2,
      fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'ignored-body', invalid: false, body: Buffer.from(JSON.stringify(value ?? null)) })),
    );
    add(
      1,
      fc
        .constantFrom(...refusedContentTypes)
        .map((contentType) => ({ kind: 'content-type-refused', invalid: true, status: 415, contentType, body: Buffer.from(`{"phone":"${canary.phone}"}`) })),
    );
    add(
      1,
      fc.constantFrom(0, 1).map((over) => ({
        kind: over ? 'size-over-cap' : 'size-at-cap',
        invalid: over === 1,
        ...(over ? { status: 413 } : {}),
        body: Buffer.from(`{}${' '.repeat(maxBodyBytes - 2 + over)}`),
      })),
    );
  }

  // Every route: malformed JSON, invalid UTF-8 bytes, and random text.
  const text = valid.body?.toString('utf8') ?? `{"phone":"${canary.phone}"}`;
  add(
    3,
    fc
      .oneof(
        fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((cut) => text.slice(0, cut)),
        fc.constantFrom(
          `${text}x`,
          `${text},`,
          `${text}}`,
          `${text} {}`,
          text.replace(/"/g, "'"),
          text.replace(/}$/, ',}'),
          `/*${canary.fullName}*/${text}`,
          `{"phone": NaN}`,
          `{"phone": Infinity}`,
          `{"phone": undefined}`,
          `{phone: "${canary.phone}"}`,
          `{"a":"\\x41"}`,
          `{"a":"\\uZZZZ"}`,
          '{"a":"\u0001"}',
          '   ',
          '\u0000',
          `{"a":"${canary.fullName}`,
          `${text}\u0000`,
        ),
      )
      .map((malformed) => ({ kind: 'malformed-json', invalid: true, status: 400, body: Buffer.from(malformed) })),
  );
  add(
    2,
    fc.tuple(fc.constantFrom(...invalidUtf8), fc.nat()).map(([bytes, at]) => {
      const base = Buffer.from(text);
      const cut = at % (base.length + 1);
      return { kind: 'invalid-utf8-bytes', invalid: true, status: 400, body: Buffer.concat([base.subarray(0, cut), bytes, base.subarray(cut)]) };
    }),
  );
  add(
    1,
    fc.constantFrom(Buffer.from(text, 'utf16le'), Buffer.from(`\ufeff${text}`, 'utf16le'), Buffer.from(text.replace(/"/g, '"é'), 'latin1')).map((encoded) => ({
      kind: 'wrong-encoding',
      invalid: true,
      status: 400,
      body: encoded,
    })),
  );
  add(
    1,
    fc.string({ unit: 'binary', maxLength: 200 }).map((random) => ({ kind: 'random-text', invalid: false, body: Buffer.from(random) })),
  );
  add(1, fc.constant({ kind: 'bom-json', invalid: false, body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) }));

  if (auth) {
    add(
      2,
      fc
        .constantFrom(...invalidAuthorizations(t.keys))
        .map((authorization) => ({ kind: 'bad-authorization', invalid: true, status: 401, authorization, body: valid.body })),
    );
    const others = (['admin', 'reviewer', 'practice', 'auditor'] as const).filter((role) => !route.roles.includes(role));
    if (others.length > 0)
      add(
        1,
        fc.constantFrom(...others).map((role) => ({ kind: 'wrong-role', invalid: true, status: 403, role, body: valid.body })),
      );
  } else {
    add(
      1,
      fc.constantFrom(...invalidAuthorizations(t.keys)).map((authorization) => ({ kind: 'any-authorization', invalid: false, authorization })),
    );
  }

  const isSubmission = routeKey(route) === 'POST /v1/alerts';
  add(
    isSubmission ? 3 : 1,
    fc.constantFrom(...invalidIdempotencyKeys).map((idempotencyKey) => ({
      kind: isSubmission ? 'bad-idempotency-key' : 'ignored-idempotency-key',
      invalid: isSubmission,
      ...(isSubmission ? { status: 400 } : {}),
      idempotencyKey,
      body: valid.body,
    })),
  );
  add(
    1,
    fc.constantFrom(...maybeIdempotencyKeys).map((idempotencyKey) => ({ kind: 'odd-idempotency-key', invalid: false, idempotencyKey, body: valid.body })),
  );

  // Path parameters that name nothing.
  const paramNames = Object.keys(valid.params);
  if (paramNames.length > 0) {
    const name = paramNames[0]!;
    add(
      3,
      fc
        .constantFrom(...hostilePathValues(valid.params[name]!))
        .map((value) => ({ kind: 'hostile-path', invalid: true, status: 404, params: { [name]: value }, body: valid.body })),
    );
  }

  // Query strings: the export's and the lists' are validated; other routes ignore theirs.
  if (spec.query) {
    add(
      4,
      fc
        .constantFrom(...(spec.hostileQueries?.(t) ?? hostileExportQueries(t.today)))
        .map((query) => ({ kind: 'hostile-query', invalid: true, status: 400, query })),
    );
    if (!spec.hostileQueries)
      add(
        1,
        fc.constantFrom('jsonl', 'csv').map((format) => ({ kind: 'export-query', invalid: false, query: [...valid.query, ['format', format]] as const })),
      );
  } else {
    add(
      1,
      fc.constantFrom(...hostileExportQueries(t.today)).map((query) => ({ kind: 'ignored-query', invalid: false, query, body: valid.body })),
    );
  }

  return fc.oneof(...arbitraries);
}

/** Export queries that must be refused with a 400. */
function hostileExportQueries(today: string): (readonly (readonly [string, string])[])[] {
  const ok = [
    ['from', today],
    ['to', today],
  ] as const;
  return [
    [['to', today]],
    [['from', today]],
    [],
    [
      ['from', '2026-02-30'],
      ['to', today],
    ],
    [
      ['from', '2026-13-01'],
      ['to', today],
    ],
    [
      ['from', '26-01-01'],
      ['to', today],
    ],
    [
      ['from', ''],
      ['to', today],
    ],
    [
      ['from', today],
      ['to', '2000-01-01'],
    ],
    [
      ['from', '2020-01-01'],
      ['to', '2021-01-02'],
    ],
    [
      ['from', `${today}T00:00:00Z`],
      ['to', today],
    ],
    [...ok, ['format', 'xml']],
    [...ok, ['format', '']],
    [...ok, ['format', 'JSONL']],
    [...ok, ['format', canary.email]],
    [...ok, ['cursor', 'garbage']],
    [...ok, ['cursor', canary.email]],
    [...ok, ['cursor', 'A'.repeat(9_000)]],
    [...ok, ['cursor', Buffer.from('{"exportId":"exp_x","next":1}').toString('base64url')]],
    [...ok, ['constructor', '1']],
    [...ok, ['__proto__', canary.phone]],
    [...ok, ['toString', 'x']],
    [...ok, ['zebulon', 'quixley']],
    [...ok, ['', 'x']],
    [
      ['from', `${today},${today}`],
      ['to', today],
    ],
    [
      ['from', '\u0661\u0669\u0667\u0669-03-14'],
      ['to', today],
    ],
    [
      ['from', '2026\u200b-01-01'],
      ['to', today],
    ],
  ];
}
