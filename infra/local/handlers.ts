import type { Deps } from '#shared/deps.ts';
import type { FunctionGroup } from '#shared/routes.ts';
import { createAdminHandler } from '#functions/admin.ts';
import { createAlertsHandler } from '#functions/alerts.ts';
import { createAuditHandler } from '#functions/audit.ts';
import { createAuthorizer } from '#functions/authorizer.ts';
import { createChecksHandler } from '#functions/checks.ts';
import { createClausesHandler } from '#functions/clauses.ts';
import { createHealthHandler } from '#functions/health.ts';
import { createIntegrationsHandler } from '#functions/integrations.ts';
import { createBookingsHandler } from '#functions/bookings.ts';
import { createReviewsHandler } from '#functions/reviews.ts';

/** The same handlers the Lambdas export, built over the local dependencies. */
export function localHandlers(deps: Deps) {
  const groups: Record<FunctionGroup, ReturnType<typeof createHealthHandler>> = {
    health: createHealthHandler(deps),
    admin: createAdminHandler(deps),
    clauses: createClausesHandler(deps),
    alerts: createAlertsHandler(deps),
    reviews: createReviewsHandler(deps),
    checks: createChecksHandler(deps),
    audit: createAuditHandler(deps),
    integrations: createIntegrationsHandler(deps),
    bookings: createBookingsHandler(deps),
  };
  return { groups, authorizer: createAuthorizer(deps) };
}
