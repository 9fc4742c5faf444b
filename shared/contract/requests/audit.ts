import * as z from 'zod';
import { isRealDate } from '../../dates.ts';
import { decodeCursor } from '../../domain/audit.ts';
import { exportFormats } from '../../audit/manifest.ts';
import { checkSubjectSchema } from '../../schemas.ts';
import { defineRequests } from '../define.ts';

/** The longest range one export may cover (both ends included). */
export const maxExportDays = 366;

const date = z.string().refine(isRealDate, 'must be a real date written YYYY-MM-DD');

/** The export's query string: one 400 entry per bad parameter. */
export const exportQuerySchema = z
  .strictObject({
    from: date.meta({ format: 'date', description: 'The first day of the range (UTC), YYYY-MM-DD.', examples: ['2026-11-01'] }),
    to: date.meta({ format: 'date', description: `The last day of the range (UTC), YYYY-MM-DD; at most ${maxExportDays} days after from, both included.`, examples: ['2026-11-30'] }),
    format: z.enum(exportFormats, 'must be jsonl or csv').default('jsonl').meta({ description: 'JSON lines (with a closing manifest line) or CSV.' }),
    cursor: z
      .string()
      .max(8192, 'is not a cursor this API issued')
      .transform((value, ctx) => {
        const cursor = decodeCursor(value);
        if (!cursor) ctx.addIssue({ code: 'custom', message: 'is not a cursor this API issued; start the export again without one' });
        return cursor ?? z.NEVER;
      })
      .optional()
      .meta({ description: "The next page's cursor, from the previous page's `X-Audit-Next-Cursor` header (or its `Link`); send it with the same from, to and format." }),
  })
  .superRefine((query, ctx) => {
    if (query.to < query.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if ((Date.parse(query.to) - Date.parse(query.from)) / 86_400_000 + 1 > maxExportDays) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${maxExportDays} days from from (both included); export longer periods in parts` });
    }
  });

const subjectTokensSchemas = new Map<string, z.ZodType<{ subject: z.infer<ReturnType<typeof checkSubjectSchema>> }>>();
/** The body of a subject-token lookup, built once per phone region. */
export function subjectTokensSchema(phoneRegion: string) {
  let schema = subjectTokensSchemas.get(phoneRegion);
  if (!schema) subjectTokensSchemas.set(phoneRegion, (schema = z.strictObject({ subject: checkSubjectSchema(phoneRegion) })));
  return schema;
}

/** What the audit routes take. */
export const auditRequests = /* @__PURE__ */ defineRequests('audit', {
  'GET /v1/audit/export': { query: exportQuerySchema },
  'GET /v1/audit/verification-key': {},
  'POST /v1/audit/subject-tokens': { body: subjectTokensSchema },
});
