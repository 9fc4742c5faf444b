import { encodeCursor, exportAuditPage, listCheckpoints, subjectTokens, verificationKey, type ExportPage } from '#shared/domain/audit.ts';
import { makeCheckpoint } from '#shared/audit/checkpoint.ts';
import { manifestHeader, type ExportFormat } from '#shared/audit/manifest.ts';
import type { auditContract } from '#shared/contract/audit.ts';
import { auditRequests } from '#shared/contract/requests/audit.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { RawBody } from './http/types.ts';

export const exportContentTypes: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

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
  createGroupHandler<typeof auditContract>(
    auditRequests,
    {
      'GET /v1/audit/export': async (request, deps) => {
        const query = request.query;
        const page = await exportAuditPage(deps, request.principal, query);
        return { status: 200, body: new RawBody(page.body, exportContentTypes[query.format]), headers: exportPageHeaders(page, query) };
      },
      'GET /v1/audit/verification-key': async (_request, deps) => ({ status: 200, body: await verificationKey(deps) }),
      'POST /v1/audit/subject-tokens': async (request, deps) => ({ status: 200, body: await subjectTokens(deps, request.principal, request.body.subject) }),
      'GET /v1/audit/checkpoints': async (request, deps) => ({ status: 200, body: await listCheckpoints(deps, request.query) }),
      'POST /v1/audit/checkpoints': async (_request, deps) => ({ status: 201, body: { checkpoint: await makeCheckpoint(deps) } }),
    },
    deps,
  );

export const handler = createAuditHandler(lambdaDeps);
