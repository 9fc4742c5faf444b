import { listClauses, publishClause, publishClauseVersion } from '#shared/domain/clauses.ts';
import { parseInput, publishClauseSchema } from '#shared/schemas.ts';
import type { ConsentClause } from '#shared/records.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { actor, idParam } from './http/params.ts';

const published = ({ clauseId, version, sha256, publishedAt }: ConsentClause) => ({ clauseId, version, sha256, publishedAt });

/** Consent clauses: the admin publishes the text (and new versions); every role reads them. */
export const createClausesHandler = (deps: DepsSource) =>
  createGroupHandler(
    'clauses',
    {
      'POST /v1/consent-clauses': async (request, deps) => ({
        status: 201,
        body: published(await publishClause(deps, actor(request), parseInput(publishClauseSchema, request.body))),
      }),
      'POST /v1/consent-clauses/{clauseId}/versions': async (request, deps) => ({
        status: 201,
        body: published(await publishClauseVersion(deps, actor(request), idParam(request, 'clauseId', 'cls'), parseInput(publishClauseSchema, request.body))),
      }),
      'GET /v1/consent-clauses': async (_request, deps) => ({ status: 200, body: { items: await listClauses(deps) } }),
    },
    deps,
  );

export const handler = createClausesHandler(lambdaDeps);
