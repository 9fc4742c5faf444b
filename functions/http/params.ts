import { auditActor } from '#shared/audit/events.ts';
import type { Principal } from '#shared/records.ts';

/** The caller of a protected route as the audit log records them. */
export const actor = (request: { readonly principal: Principal }) => auditActor(request.principal);
