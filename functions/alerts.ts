import { getAlert, submitAlert } from '#shared/domain/alerts.ts';
import { defaultListLimit, listAlerts } from '#shared/domain/alert-lists.ts';
import { disputeAlert, reinstateAlert, retractAlert } from '#shared/domain/lifecycle.ts';
import type { alertsContract } from '#shared/contract/alerts.ts';
import { alertsRequests } from '#shared/contract/requests/alerts.ts';
import type { Deps } from '#shared/deps.ts';
import type { Principal } from '#shared/records.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

type ReasonedMove = (deps: Deps, actor: Principal, alertId: string, reason: string) => Promise<Record<string, unknown>>;

/** A status move that takes `{ "reason" }` and answers with the alert. */
const withReason = (move: ReasonedMove) => async (request: { principal: Principal; params: { alertId: string }; body: { reason: string } }, deps: Deps) => ({
  status: 200 as const,
  body: await move(deps, request.principal, request.params.alertId, request.body.reason),
});

/** Alerts: a practice submits, lists and retracts; the submitter, reviewers and admins read; admins list all and handle disputes. */
export const createAlertsHandler = (deps: DepsSource) =>
  createGroupHandler<typeof alertsContract>(
    alertsRequests,
    {
      'POST /v1/alerts': async (request, deps) => ({
        status: 201,
        body: await submitAlert(deps, request.principal, request.body, { idempotencyKey: request.headers['Idempotency-Key'], submitted: request.json }),
      }),
      'GET /v1/alerts': async (request, deps) => {
        const { status, limit, cursor } = request.query;
        return { status: 200, body: await listAlerts(deps, request.principal, { status, limit: limit ?? defaultListLimit, before: cursor }) };
      },
      'GET /v1/alerts/{alertId}': async (request, deps) => ({ status: 200, body: await getAlert(deps, request.principal, request.params.alertId) }),
      'POST /v1/alerts/{alertId}/retract': withReason(retractAlert),
      'POST /v1/alerts/{alertId}/disputes': withReason(disputeAlert),
      'POST /v1/alerts/{alertId}/reinstate': withReason(reinstateAlert),
    },
    deps,
  );

export const handler = createAlertsHandler(lambdaDeps);
