import * as z from 'zod';
import { isRealDate } from '#shared/dates.ts';
import { decodeCursor, encodeCursor, exportAuditPage, subjectTokens, verificationKey, type ExportPage } from '#shared/domain/audit.ts';
import { exportFormats, manifestHeader, type ExportFormat } from '#shared/audit/manifest.ts';
import { checkSubjectSchema, parseInput } from '#shared/schemas.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { caller } from './http/params.ts';
import { RawBody } from './http/types.ts';

export const maxExportDays = 366;

export const exportContentTypes: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

const date = z.string().refine(isRealDate, 'must be a real date written YYYY-MM-DD');

/** The export's query string: one 400 entry per bad parameter. */
export const exportQuerySchema = z
  .strictObject({
    from: date,
    to: date,
    format: z.enum(exportFormats, 'must be jsonl or csv').default('jsonl'),
    cursor: z
      .string()
      .max(8192, 'is not a cursor this API issued')
      .transform((value, ctx) => {
        const cursor = decodeCursor(value);
        if (!cursor) ctx.addIssue({ code: 'custom', message: 'is not a cursor this API issued; start the export again without one' });
        return cursor ?? z.NEVER;
      })
      .optional(),
  })
  .superRefine((query, ctx) => {
    if (query.to < query.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if ((Date.parse(query.to) - Date.parse(query.from)) / 86_400_000 + 1 > maxExportDays) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${maxExportDays} days from from (both included); export longer periods in parts` });
    }
  });

const subjectTokensSchemas = new Map<string, z.ZodType<{ subject: z.infer<ReturnType<typeof checkSubjectSchema>> }>>();
function subjectTokensSchema(phoneRegion: string) {
  let schema = subjectTokensSchemas.get(phoneRegion);
  if (!schema) subjectTokensSchemas.set(phoneRegion, (schema = z.strictObject({ subject: checkSubjectSchema(phoneRegion) })));
  return schema;
}

/** The headers every export page carries: the signed manifest, and the next page while there is one. */
export function exportPageHeaders(page: ExportPage, query: { from: string; to: string; format: ExportFormat }): Record<string, string> {
  const headers: Record<string, string> = { 'X-Audit-Manifest': manifestHeader(page.manifest), 'X-Audit-Signature': page.manifest.signature };
  if (page.next) {
    const cursor = encodeCursor(page.next);
    const search = new URLSearchParams({ from: query.from, to: query.to, format: query.format, cursor });
    headers.Link = `</v1/audit/export?${search.toString()}>; rel="next"`;
    headers['X-Audit-Next-Cursor'] = cursor;
  }
  return headers;
}

/** Audit (auditor): the paged signed export, the verification key, and a subject's tokens. */
export const createAuditHandler = (deps: DepsSource) =>
  createGroupHandler(
    'audit',
    {
      'GET /v1/audit/export': async (request, deps) => {
        const query = parseInput(exportQuerySchema, request.query);
        const page = await exportAuditPage(deps, caller(request), query);
        return { status: 200, body: new RawBody(page.body, exportContentTypes[query.format]), headers: exportPageHeaders(page, query) };
      },
      'GET /v1/audit/verification-key': async (_request, deps) => ({ status: 200, body: await verificationKey(deps) }),
      'POST /v1/audit/subject-tokens': async (request, deps) => {
        const { subject } = parseInput(subjectTokensSchema(deps.settings.phoneRegion), request.body);
        return { status: 200, body: await subjectTokens(deps, caller(request), subject) };
      },
    },
    deps,
  );

export const handler = createAuditHandler(lambdaDeps);
