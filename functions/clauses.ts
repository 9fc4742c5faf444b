import { listClauses, publishClause, publishClauseVersion } from '#shared/domain/clauses.ts';
import type { clausesContract } from '#shared/contract/clauses.ts';
import { clausesRequests } from '#shared/contract/requests/clauses.ts';
import type { ConsentClause } from '#shared/records.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { actor } from './http/params.ts';

const published = ({ clauseId, version, sha256, publishedAt }: ConsentClause) => ({ clauseId, version, sha256, publishedAt });

/** Consent clauses: the admin publishes the text (and new versions); every role reads them. */
export const createClausesHandler = (deps: DepsSource) =>
  createGroupHandler<typeof clausesContract>(
    clausesRequests,
    {
      'POST /v1/consent-clauses': async (request, deps) => ({ status: 201, body: published(await publishClause(deps, actor(request), request.body)) }),
      'POST /v1/consent-clauses/{clauseId}/versions': async (request, deps) => ({
        status: 201,
        body: published(await publishClauseVersion(deps, actor(request), request.params.clauseId, request.body)),
      }),
      'GET /v1/consent-clauses': async (_request, deps) => ({ status: 200, body: { items: await listClauses(deps) } }),
    },
    deps,
  );

export const handler = createClausesHandler(lambdaDeps);
