import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { ValidationError, type FieldError } from '#shared/errors.ts';
import {
  batchCheckSchema,
  calcomIntegrationSchema,
  checkSchema,
  createKeySchema,
  createPracticeSchema,
  parseInput,
  publishClauseSchema,
  reasonSchema,
  requestFieldNames,
  reviewDecisionSchema,
  submitAlertSchema,
  bookingRegistrationSchema,
  matchDigestSchema,
} from '#shared/schemas.ts';

const hex = (char: string) => char.repeat(64);
const valid = () => ({
  subject: { fullName: 'Ann Lee', dateOfBirth: '1980-02-29', phone: '+1 860 555 0100', email: 'ann@example.com' },
  incident: { occurredOn: '2026-11-02', category: 'harassment', severity: 'medium', summary: 'What happened.', witnesses: 0 },
  consent: { clauseId: `cls_${'a'.repeat(26)}`, clauseVersion: 1, clauseSha256: hex('a'), signedOn: '2026-10-01', method: 'wet_ink', documentSha256: hex('b') },
});
type Body = ReturnType<typeof valid>;
const alertSchema = submitAlertSchema('US');

/** The field errors parseInput throws (fails the test if it does not throw a ValidationError). */
function errorsOf(schema: Parameters<typeof parseInput>[0], input: unknown): FieldError[] {
  try {
    parseInput(schema, input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...((error as ValidationError).errors ?? [])];
  }
  throw new Error('expected a ValidationError');
}
const pathsOf = (schema: Parameters<typeof parseInput>[0], input: unknown) => errorsOf(schema, input).map((e) => e.path);
const alertWith = (edit: (body: Body) => void) => {
  const body = valid();
  edit(body);
  return body;
};

describe('submitAlertSchema', () => {
  it('accepts a valid submission', () => {
    expect(parseInput(alertSchema, valid()).incident.category).toBe('harassment');
  });

  it('names each bad field once', () => {
    const body = alertWith((b) => {
      b.subject.phone = '555';
      b.incident.category = 'rudeness';
      b.consent.clauseSha256 = 'ABC';
      b.consent.signedOn = 'yesterday';
    });
    expect(pathsOf(alertSchema, body).sort()).toEqual(['consent.clauseSha256', 'consent.signedOn', 'incident.category', 'subject.phone']);
  });

  it('gives one entry for a field that breaks several rules', () => {
    const body = alertWith((b) => {
      b.subject.phone = '9'.repeat(50); // too long, and not a phone number
    });
    expect(pathsOf(alertSchema, body)).toEqual(['subject.phone']);
  });

  it('says which required fields are missing', () => {
    const body = alertWith((b) => {
      delete (b.incident as Partial<Body['incident']>).summary;
    });
    expect(errorsOf(alertSchema, body)).toEqual([{ path: 'incident.summary', message: 'is required' }]);
  });

  it('says "is required" for a missing choice or number too, not "invalid option"', () => {
    const body = alertWith((b) => {
      delete (b.consent as Partial<Body['consent']>).method;
      delete (b.consent as Partial<Body['consent']>).clauseVersion;
    });
    expect(errorsOf(alertSchema, body)).toEqual([
      { path: 'consent.clauseVersion', message: 'is required' },
      { path: 'consent.method', message: 'is required' },
    ]);
  });

  it('rejects unknown fields at any depth, with their path, naming only field names this API has', () => {
    const body = { ...valid(), extra: 1, subject: { ...valid().subject, ssn: 'x' }, consent: { ...valid().consent, notes: 'y', phone: 'z' } };
    expect(pathsOf(alertSchema, body).sort()).toEqual([
      '(unrecognised field name)',
      'consent.(unrecognised field name)',
      'consent.phone',
      'subject.(unrecognised field name)',
    ]);
  });

  it("does not echo an unknown key shaped like a field name, which may be a client's name", () => {
    const body = { ...valid(), subject: { ...valid().subject, quixley: true }, zebulon: 1 };
    const text = JSON.stringify(errorsOf(alertSchema, body));
    expect(text).toContain('subject.(unrecognised field name)');
    for (const canary of ['quixley', 'zebulon']) expect(text).not.toContain(canary);
  });

  it.each([[{ phone: '+1 860 555 0100' }], [{ email: 'ann@example.com' }], [{ fullName: 'Ann Lee', dateOfBirth: '1980-02-29' }]])(
    'accepts a subject with %j',
    (subject) => {
      expect(() => parseInput(alertSchema, { ...valid(), subject })).not.toThrow();
    },
  );

  it.each([[{ fullName: 'Ann Lee' }], [{ dateOfBirth: '1980-02-29' }], [{}]])('refuses a subject with only %j', (subject) => {
    expect(pathsOf(alertSchema, { ...valid(), subject })).toEqual(['subject']);
  });

  it('accepts 29 February in a leap year and refuses dates that do not exist', () => {
    expect(parseInput(alertSchema, valid()).subject.dateOfBirth).toBe('1980-02-29');
    for (const date of ['2026-02-30', '1981-02-29', '2026-13-01', '2026-1-05', '2026-11-02T00:00:00Z']) {
      const body = alertWith((b) => {
        b.incident.occurredOn = date;
      });
      expect(pathsOf(alertSchema, body)).toEqual(['incident.occurredOn']);
    }
  });

  it('never repeats the identifiers it was sent', () => {
    const canaries = ['Canaryfirst', '+1 860 CANARY', 'canary@', '1899-02-31'];
    const body = alertWith((b) => {
      b.subject = { fullName: `${canaries[0]} ${'!'.repeat(300)}`, phone: canaries[1]!, email: canaries[2]!, dateOfBirth: canaries[3]! };
      (b.subject as Record<string, unknown>).ssn = 'canary-ssn';
    });
    const errors = errorsOf(alertSchema, body);
    expect(errors.map((e) => e.path).sort()).toEqual([
      'subject.(unrecognised field name)',
      'subject.dateOfBirth',
      'subject.email',
      'subject.fullName',
      'subject.phone',
    ]);
    const text = JSON.stringify(errors);
    for (const canary of [...canaries, 'CANARY', 'canary-ssn']) expect(text).not.toContain(canary);
  });

  it('does not echo an unknown field name that could hold an identifier', () => {
    const body = { ...valid(), subject: { ...valid().subject, 'Zeb Canary 860-555-0199': true } };
    const text = JSON.stringify(errorsOf(alertSchema, body));
    expect(text).toContain('subject.');
    for (const canary of ['Zeb', 'Canary', '860']) expect(text).not.toContain(canary);
  });
});

describe('checkSchema', () => {
  const check = checkSchema('US');

  it.each([[{ phone: '860.555.0100' }], [{ email: 'a@b.co' }], [{ email: 'søren@example.com' }], [{ email: 'x@exämple.de' }], [{ fullName: 'Ann Lee' }]])(
    'accepts %j',
    (subject) => {
      expect(parseInput(check, { subject }).subject).toEqual(subject);
    },
  );

  it('needs at least one identifier (a date of birth alone is not one)', () => {
    expect(pathsOf(check, { subject: {} })).toEqual(['subject']);
    expect(pathsOf(check, { subject: { dateOfBirth: '1980-02-29' } })).toEqual(['subject']);
    expect(errorsOf(check, {})).toEqual([{ path: 'subject', message: 'is required' }]);
  });

  it('checks bookingOn and refuses unknown fields', () => {
    expect(pathsOf(check, { subject: { email: 'a@b.co' }, bookingOn: '2026-02-30', ref: 'x' }).sort()).toEqual(['bookingOn', 'ref']);
  });
});

describe('other bodies', () => {
  it('needs a practiceId for practice and reviewer keys, and none for admin keys', () => {
    expect(pathsOf(createKeySchema, { role: 'practice', label: 'front desk' })).toEqual(['practiceId']);
    expect(pathsOf(createKeySchema, { role: 'admin', label: 'ops', practiceId: `prc_${'a'.repeat(26)}` })).toEqual(['practiceId']);
    expect(() => parseInput(createKeySchema, { role: 'auditor', label: 'counsel' })).not.toThrow();
  });

  it('needs a decision and a non-blank reason for a review', () => {
    expect(pathsOf(reviewDecisionSchema, { decision: 'maybe', reason: '   ' }).sort()).toEqual(['decision', 'reason']);
  });

  it('puts a root in front of every path when given one', () => {
    try {
      parseInput(checkSchema('US'), { subject: { phone: '1' } }, 'bookings.3');
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).errors).toEqual([expect.objectContaining({ path: 'bookings.3.subject.phone' })]);
    }
  });
});

describe('requestFieldNames', () => {
  /** Every field name reachable in a schema: object keys, through optional, default, array and pipe. */
  function fieldNames(schema: unknown, names = new Set<string>()): Set<string> {
    if (schema instanceof z.ZodObject) {
      for (const [name, child] of Object.entries(schema.shape as Record<string, unknown>)) fieldNames(child, names.add(name));
    } else if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) fieldNames(schema.unwrap(), names);
    else if (schema instanceof z.ZodArray) fieldNames(schema.element, names);
    else if (schema instanceof z.ZodPipe) fieldNames(schema.in, names);
    return names;
  }

  it('is exactly the field names of every request body schema, so error messages name real fields and nothing else', () => {
    const names = new Set<string>();
    const bodies = [
      createPracticeSchema,
      createKeySchema,
      publishClauseSchema,
      submitAlertSchema('US'),
      reasonSchema,
      reviewDecisionSchema,
      checkSchema('US'),
      batchCheckSchema('US'),
      calcomIntegrationSchema,
      bookingRegistrationSchema('US'),
      matchDigestSchema,
    ];
    for (const schema of bodies) fieldNames(schema, names);
    expect([...requestFieldNames].sort()).toEqual([...names].sort());
  });
});
