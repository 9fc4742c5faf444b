import * as z from 'zod';
import { isRealDate } from './dates.ts';
import { isId } from './ids.ts';
import { normaliseName, normalisePhone } from './identifiers/normalise.ts';
import { categories, onMatchActions, severities } from './records.ts';
import { roles } from './routes.ts';
import { ValidationError, type FieldError } from './errors.ts';

/**
 * The zod schemas of every request body, used at the edge. Objects are strict (unknown fields
 * are a 400), strings and arrays are capped, and no message repeats what the caller sent.
 */
const date = z.string().refine(isRealDate, 'must be a real date written YYYY-MM-DD');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256 (64 characters)');
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const id = z.string().refine((value) => isId(value), 'must be an id as returned by this API');

export const createPracticeSchema = z.strictObject({ name: text(200), region: text(100) });

export const createKeySchema = z.strictObject({ role: z.enum(roles), practiceId: id.optional(), label: text(100) }).superRefine((body, ctx) => {
  const needsPractice = body.role === 'practice' || body.role === 'reviewer';
  if (needsPractice && !body.practiceId) {
    ctx.addIssue({ code: 'custom', path: ['practiceId'], message: `is required for a ${body.role} key` });
  }
  if (!needsPractice && body.practiceId) {
    ctx.addIssue({ code: 'custom', path: ['practiceId'], message: `must be left out: ${body.role} keys belong to no practice` });
  }
});

export const publishClauseSchema = z.strictObject({ text: z.string().min(1, 'must not be empty').max(20_000), jurisdiction: text(100).optional() });

/** The client identifiers of a subject. Values are checked for shape here and normalised later. */
function subjectSchema(phoneRegion: string) {
  return z.strictObject({
    fullName: z
      .string()
      .max(200, 'must be at most 200 characters')
      .refine((value) => normaliseName(value) !== '', 'must contain letters')
      .optional(),
    dateOfBirth: date.optional(),
    phone: z
      .string()
      .max(40, 'must be at most 40 characters')
      .refine(
        (value) => normalisePhone(value, phoneRegion) !== undefined,
        `must be a valid phone number (international, or national for region ${phoneRegion})`,
      )
      .optional(),
    // Internationalised addresses (`søren@example.com`, `x@exämple.de`) are addresses too.
    email: z
      .string()
      .trim()
      .max(254, 'must be at most 254 characters')
      .pipe(z.email({ pattern: z.regexes.unicodeEmail, message: 'must be an e-mail address' }))
      .optional(),
  });
}

export function alertSubjectSchema(phoneRegion: string) {
  return subjectSchema(phoneRegion).superRefine((subject, ctx) => {
    const strong = subject.phone || subject.email || (subject.fullName && subject.dateOfBirth);
    if (!strong) ctx.addIssue({ code: 'custom', message: 'needs a phone, an email, or a fullName with a dateOfBirth' });
  });
}

export function checkSubjectSchema(phoneRegion: string) {
  return subjectSchema(phoneRegion).superRefine((subject, ctx) => {
    if (!subject.phone && !subject.email && !subject.fullName) {
      ctx.addIssue({ code: 'custom', message: 'needs at least a phone, an email or a fullName' });
    }
  });
}

export const incidentSchema = z.strictObject({
  occurredOn: date,
  category: z.enum(categories),
  severity: z.enum(severities),
  summary: z.string().trim().min(1, 'must not be empty').max(10_000, 'must be at most 10000 characters'),
  actionsTaken: text(5_000).optional(),
  witnesses: z.number().int().min(0).max(1_000).optional(),
});

export const consentSchema = z.strictObject({
  clauseId: id,
  clauseVersion: z.number().int().min(1).max(1_000_000),
  clauseSha256: hex64,
  signedOn: date,
  method: z.enum(['e_signature', 'wet_ink']),
  documentSha256: hex64,
});

/**
 * Schemas that depend on the phone region are built once per region, not once per request.
 * Each `perRegion(...)` call is marked pure, so a Lambda bundle that does not use the schema
 * drops it, and with it libphonenumber-js's metadata (test/infra/bundling.test.ts checks).
 */
function perRegion<S>(build: (phoneRegion: string) => S): (phoneRegion: string) => S {
  const built = new Map<string, S>();
  return (phoneRegion) => {
    let schema = built.get(phoneRegion);
    if (!schema) built.set(phoneRegion, (schema = build(phoneRegion)));
    return schema;
  };
}

export const submitAlertSchema = /* @__PURE__ */ perRegion((phoneRegion) =>
  z.strictObject({ subject: alertSubjectSchema(phoneRegion), incident: incidentSchema, consent: consentSchema }),
);
export type AlertSubmission = z.infer<ReturnType<typeof submitAlertSchema>>;

export const reasonSchema = z.strictObject({ reason: text(2_000) });

export const reviewDecisionSchema = z.strictObject({ decision: z.enum(['approve', 'reject']), reason: text(2_000) });

export const checkSchema = /* @__PURE__ */ perRegion((phoneRegion) => z.strictObject({ subject: checkSubjectSchema(phoneRegion), bookingOn: date.optional() }));
export type CheckRequest = z.infer<ReturnType<typeof checkSchema>>;

/** The most bookings one batch check may carry. */
export const maxBatchBookings = 100;

/**
 * A batch: each booking has an opaque `ref` of the caller's (echoed back, never stored; a
 * booking id, not client details, hence the narrow alphabet) and refs are unique in the batch.
 */
export const batchCheckSchema = /* @__PURE__ */ perRegion((phoneRegion) =>
  z.strictObject({
    bookings: z
      .array(
        z.strictObject({
          ref: z
            .string()
            .min(1, 'must not be empty')
            .max(64, 'must be at most 64 characters')
            .regex(/^[A-Za-z0-9._:#/-]+$/, 'must be a booking reference of letters, digits and . _ : # / -'),
          subject: checkSubjectSchema(phoneRegion),
          bookingOn: date.optional(),
        }),
      )
      .min(1, 'must hold at least one booking')
      .max(maxBatchBookings, `must hold at most ${maxBatchBookings} bookings`)
      .superRefine((bookings, ctx) => {
        const seen = new Map<string, number>();
        bookings.forEach((booking, i) => {
          const first = seen.get(booking.ref);
          if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'ref'], message: `repeats the ref of bookings.${first}` });
          else seen.set(booking.ref, i);
        });
      }),
  }),
);

/**
 * A booking's ref as registered for re-screening: a booking id of the practice's software, never
 * client details. Narrower than a batch ref (no `/`, `#` or `|`), as it is a path segment of
 * DELETE /v1/bookings/{ref} and part of a storage key.
 */
export const bookingRefSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9._:-]+$/, 'must be a booking reference of letters, digits and . _ : -');

/** An upcoming booking registered for re-screening: the identifiers are screened, tokenised and dropped. */
export const bookingRegistrationSchema = /* @__PURE__ */ perRegion((phoneRegion) =>
  z.strictObject({ ref: bookingRefSchema, appointmentOn: date, subject: checkSubjectSchema(phoneRegion) }),
);
export type BookingRegistrationInput = z.infer<ReturnType<typeof bookingRegistrationSchema>>;

/** The reporter's opt-in to its alert's daily match digest. */
export const matchDigestSchema = z.strictObject({ enabled: z.boolean() });

/** Cal.com's own API (cloud); a practice that runs its own Cal.com names its API v2 base URL instead. */
export const defaultCalcomApiBaseUrl = 'https://api.cal.com/v2';

/** What Cal.com tells a client whose booking is declined: nothing about why (see docs/integrations.md). */
export const defaultDeclineReason = 'The practice is unable to offer this appointment.';

/**
 * An HTTPS URL without credentials, query or fragment; plain HTTP only to this machine (a local
 * Cal.com, or a test's stand-in server).
 */
const apiBaseUrl = z
  .url({ protocol: /^https?$/, error: 'must be an https URL such as https://api.cal.com/v2' })
  .max(300, 'must be at most 300 characters')
  .refine((value) => {
    const url = new URL(value);
    const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    return (url.protocol === 'https:' || local) && !url.username && !url.password && !url.search && !url.hash;
  }, 'must be an https URL (http only for localhost) without user, query or fragment, such as https://api.cal.com/v2')
  .transform((value) => value.replace(/\/+$/, ''));

/**
 * A practice's Cal.com integration, replaced whole by each PUT. The webhook secret is the one
 * typed into Cal.com's webhook form; the API key is needed only to decline matching bookings.
 */
export const calcomIntegrationSchema = z
  .strictObject({
    webhookSecret: z
      .string()
      .min(16, 'must be at least 16 characters (generate one, e.g. with openssl rand -hex 32)')
      .max(256, 'must be at most 256 characters'),
    calcomApiKey: z
      .string()
      .regex(/^\S{8,256}$/, 'must be a Cal.com API key (8 to 256 characters, no spaces)')
      .optional(),
    calcomApiBaseUrl: apiBaseUrl.optional(),
    onMatch: z.enum(onMatchActions).default('notify'),
    declineReason: text(200).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.onMatch === 'decline' && !body.calcomApiKey) {
      ctx.addIssue({ code: 'custom', path: ['calcomApiKey'], message: "is required when onMatch is decline (Peerguard declines through Cal.com's API)" });
    }
  });
export type CalcomIntegrationInput = z.infer<typeof calcomIntegrationSchema>;

/**
 * One key: printable ASCII without spaces or commas. API Gateway joins repeated headers with a
 * comma (Node with ", "), so two keys in one request arrive as one value; that is refused, not
 * taken as a third key.
 */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(128, 'must be at most 128 characters')
  .regex(/^[\x21-\x2b\x2d-\x7e]+$/, 'must be one key of printable ASCII without spaces or commas');

/** Parses with a schema, turning the zod issues into one `errors` entry per bad field of a 400. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(issuesToFieldErrors(result.error.issues, root, input));
}

export function issuesToFieldErrors(issues: readonly z.core.$ZodIssue[], root = '', input?: unknown): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const base = [root, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ path: [base, printable(key)].filter(Boolean).join('.'), message: 'is not a known field' });
    } else if (isMissing(input, issue)) {
      errors.push({ path: base || '(body)', message: 'is required' });
    } else {
      errors.push({ path: base || '(body)', message: issue.message.replace(/^Invalid input: /, '') });
    }
  }
  // A field that breaks several rules (too long and not a phone number) is still one entry: the first.
  const seen = new Set<string>();
  return errors.filter(({ path }) => {
    if (seen.has(path)) return false;
    seen.add(path);
    return true;
  });
}

/** True when the issue is about a field the caller left out (whatever type or values it needed). */
function isMissing(input: unknown, issue: z.core.$ZodIssue): boolean {
  if (issue.code !== 'invalid_type' && issue.code !== 'invalid_value' && issue.code !== 'invalid_union') return false;
  if (issue.path.length === 0) return input === undefined;
  let value: unknown = input;
  for (const key of issue.path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key as PropertyKey)) return true;
    value = (value as Record<PropertyKey, unknown>)[key as PropertyKey];
  }
  return value === undefined;
}

/**
 * Field names come from the caller, and a careless or hostile one may put an identifier in a
 * key (`{"quixley": true}` is shaped like a field name but is a surname). Only names that are
 * fields somewhere in this API (a `phone` sent outside `subject`, say) are repeated back.
 */
function printable(key: string): string {
  return requestFieldNames.has(key) ? key : '(unrecognised field name)';
}

/**
 * Every field name of every request body schema above. Kept as a list rather than walked from
 * the schemas at run time, because walking them would pull the phone-number library into every
 * Lambda bundle; test/unit/schemas.test.ts walks the schemas and checks this list against them.
 */
export const requestFieldNames: ReadonlySet<string> = new Set([
  'actionsTaken',
  'appointmentOn',
  'bookingOn',
  'enabled',
  'bookings',
  'calcomApiBaseUrl',
  'calcomApiKey',
  'category',
  'clauseId',
  'clauseSha256',
  'clauseVersion',
  'consent',
  'dateOfBirth',
  'decision',
  'declineReason',
  'documentSha256',
  'email',
  'fullName',
  'incident',
  'jurisdiction',
  'label',
  'method',
  'name',
  'occurredOn',
  'onMatch',
  'phone',
  'practiceId',
  'reason',
  'ref',
  'region',
  'role',
  'severity',
  'signedOn',
  'subject',
  'summary',
  'text',
  'webhookSecret',
  'witnesses',
]);
