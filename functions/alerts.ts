import { getAlert, submitAlert } from '#shared/domain/alerts.ts';
import { decodeListCursor, listAlerts } from '#shared/domain/alert-lists.ts';
import { disputeAlert, reinstateAlert, retractAlert } from '#shared/domain/lifecycle.ts';
import { idempotencyKeySchema, listAlertsQuerySchema, parseInput, reasonSchema, submitAlertSchema } from '#shared/schemas.ts';
import { ValidationError } from '#shared/errors.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { caller, idParam } from './http/params.ts';
import { header } from './http/request.ts';
import type { RouteHandler } from './http/types.ts';
import type { Deps } from '#shared/deps.ts';
import type { Principal } from '#shared/records.ts';

type ReasonedMove = (deps: Deps, actor: Principal, alertId: string, reason: string) => Promise<Record<string, unknown>>;

/** A status move that takes `{ "reason" }` and answers with the alert. */
const withReason =
  (move: ReasonedMove): RouteHandler =>
  async (request, deps) => {
    const alertId = idParam(request, 'alertId', 'alt');
    const { reason } = parseInput(reasonSchema, request.body);
    return { status: 200, body: await move(deps, caller(request), alertId, reason) };
  };

/** Alerts: a practice submits, lists and retracts; the submitter, reviewers and admins read; admins list all and handle disputes. */
export const createAlertsHandler = (deps: DepsSource) =>
  createGroupHandler(
    'alerts',
    {
      'POST /v1/alerts': async (request, deps) => {
        const rawKey = header(request.headers, 'idempotency-key');
        const key = rawKey === undefined ? undefined : idempotencyKeyFrom(rawKey);
        const body = parseInput(submitAlertSchema(deps.settings.phoneRegion), request.body);
        return { status: 201, body: await submitAlert(deps, caller(request), body, { idempotencyKey: key, submitted: request.body }) };
      },
      'GET /v1/alerts': async (request, deps) => {
        const { status, limit, cursor } = parseInput(listAlertsQuerySchema, request.query);
        const before = cursor === undefined ? undefined : decodeListCursor(cursor);
        if (cursor !== undefined && before === undefined) throw ValidationError.field('cursor', 'is not a cursor this API issued; start again without one');
        return { status: 200, body: await listAlerts(deps, caller(request), { status, limit, before }) };
      },
      'GET /v1/alerts/{alertId}': async (request, deps) => ({
        status: 200,
        body: await getAlert(deps, caller(request), idParam(request, 'alertId', 'alt')),
      }),
      'POST /v1/alerts/{alertId}/retract': withReason(retractAlert),
      'POST /v1/alerts/{alertId}/disputes': withReason(disputeAlert),
      'POST /v1/alerts/{alertId}/reinstate': withReason(reinstateAlert),
    },
    deps,
  );

function idempotencyKeyFrom(value: string): string {
  const parsed = idempotencyKeySchema.safeParse(value);
  if (!parsed.success) throw ValidationError.field('Idempotency-Key', parsed.error.issues[0]?.message ?? 'is not a valid idempotency key');
  return parsed.data;
}

export const handler = createAlertsHandler(lambdaDeps);
