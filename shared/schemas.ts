import * as z from 'zod';
import { isRealDate } from './dates.ts';
import { isId } from './ids.ts';
import { normaliseName, normalisePhone } from './identifiers/normalise.ts';
import { categories, severities } from './records.ts';
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

export const createKeySchema = z
  .strictObject({ role: z.enum(roles), practiceId: id.optional(), label: text(100) })
  .superRefine((body, ctx) => {
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
      .refine((value) => normalisePhone(value, phoneRegion) !== undefined, `must be a valid phone number (international, or national for region ${phoneRegion})`)
      .optional(),
    // Internationalised addresses (`søren@example.com`, `x@exämple.de`) are addresses too.
    email: z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email({ pattern: z.regexes.unicodeEmail, message: 'must be an e-mail address' })).optional(),
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
  'actionsTaken', 'bookingOn', 'bookings', 'category', 'clauseId', 'clauseSha256', 'clauseVersion', 'consent', 'dateOfBirth',
  'decision', 'documentSha256', 'email', 'fullName', 'incident', 'jurisdiction', 'label', 'method', 'name', 'occurredOn',
  'phone', 'practiceId', 'reason', 'ref', 'region', 'role', 'severity', 'signedOn', 'subject', 'summary', 'text', 'witnesses',
]);
