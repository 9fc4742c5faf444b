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
    to: date.meta({
      format: 'date',
      description: `The last day of the range (UTC), YYYY-MM-DD; at most ${maxExportDays} days after from, both included.`,
      examples: ['2026-11-30'],
    }),
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
      .meta({
        description:
          "The next page's cursor, from the previous page's `X-Audit-Next-Cursor` header (or its `Link`); send it with the same from, to and format.",
      }),
  })
  .superRefine((query, ctx) => {
    if (query.to < query.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if ((Date.parse(query.to) - Date.parse(query.from)) / 86_400_000 + 1 > maxExportDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `must be at most ${maxExportDays} days from from (both included); export longer periods in parts`,
      });
    }
  });

const subjectTokensSchemas = new Map<string, z.ZodType<{ subject: z.infer<ReturnType<typeof checkSubjectSchema>> }>>();
/** The body of a subject-token lookup, built once per phone region. */
export function subjectTokensSchema(phoneRegion: string) {
  let schema = subjectTokensSchemas.get(phoneRegion);
  if (!schema) subjectTokensSchemas.set(phoneRegion, (schema = z.strictObject({ subject: checkSubjectSchema(phoneRegion) })));
  return schema;
}

/** At most this many checkpoints per GET /v1/audit/checkpoints. */
export const maxCheckpointsPerRequest = 100;

const checkpointNumber = (what: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,11}$/, 'must be a checkpoint number (1, 2, 3, …)')
    .transform(Number)
    .optional()
    .meta({ description: what, examples: ['1'] });

/** GET /v1/audit/checkpoints: a run first..last of at most 100, or (without both) the latest. */
export const checkpointsQuerySchema = z
  .strictObject({
    first: checkpointNumber("The first checkpoint wanted (a manifest's `checkpoints.first`)."),
    last: checkpointNumber(`The last checkpoint wanted (a manifest's \`checkpoints.last\`); at most ${maxCheckpointsPerRequest} from first.`),
  })
  .superRefine((query, ctx) => {
    if ((query.first === undefined) !== (query.last === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [query.first === undefined ? 'first' : 'last'],
        message: 'must be given with the other one (or neither, for the latest checkpoint)',
      });
    else if (query.first !== undefined && query.last! < query.first) ctx.addIssue({ code: 'custom', path: ['last'], message: 'must not be before first' });
    else if (query.first !== undefined && query.last! - query.first + 1 > maxCheckpointsPerRequest)
      ctx.addIssue({ code: 'custom', path: ['last'], message: `must be at most ${maxCheckpointsPerRequest - 1} after first; ask in parts` });
  });

/** What the audit routes take. */
export const auditRequests = /* @__PURE__ */ defineRequests('audit', {
  'GET /v1/audit/export': { query: exportQuerySchema },
  'GET /v1/audit/verification-key': {},
  'POST /v1/audit/subject-tokens': { body: subjectTokensSchema },
  'GET /v1/audit/checkpoints': { query: checkpointsQuerySchema },
  'POST /v1/audit/checkpoints': {},
});
