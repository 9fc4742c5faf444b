import { getAlert, retractAlert, submitAlert } from '#shared/domain/alerts.ts';
import { idempotencyKeySchema, parseInput, reasonSchema, submitAlertSchema } from '#shared/schemas.ts';
import { ValidationError } from '#shared/errors.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { caller, idParam } from './http/params.ts';
import { header } from './http/request.ts';

/** Alerts: a practice submits and retracts; the submitter, reviewers and admins read. */
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
      'GET /v1/alerts/{alertId}': async (request, deps) => ({
        status: 200,
        body: await getAlert(deps, caller(request), idParam(request, 'alertId', 'alt')),
      }),
      'POST /v1/alerts/{alertId}/retract': async (request, deps) => {
        const alertId = idParam(request, 'alertId', 'alt');
        const { reason } = parseInput(reasonSchema, request.body);
        return { status: 200, body: await retractAlert(deps, caller(request), alertId, reason) };
      },
    },
    deps,
  );

function idempotencyKeyFrom(value: string): string {
  const parsed = idempotencyKeySchema.safeParse(value);
  if (!parsed.success) throw ValidationError.field('Idempotency-Key', parsed.error.issues[0]?.message ?? 'is not a valid idempotency key');
  return parsed.data;
}

export const handler = createAlertsHandler(lambdaDeps);
