import { NotFoundError } from '#shared/errors.ts';
import { isId, type IdKind } from '#shared/ids.ts';
import { auditActor } from '#shared/audit/events.ts';
import type { ApiRequest } from './types.ts';

/** A resource id from the path; anything not shaped like one of our ids simply does not exist. */
export function idParam(request: ApiRequest, name: string, kind: IdKind): string {
  const value = request.params[name];
  if (value === undefined || !isId(value, kind)) throw new NotFoundError(`No such ${name.replace(/Id$/, '')}.`);
  return value;
}

/** The principal of a protected route (the pipeline has already authenticated it). */
export function caller(request: ApiRequest) {
  if (!request.principal) throw new Error('protected route reached without a principal');
  return request.principal;
}

/** The caller as the audit log records them. */
export const actor = (request: ApiRequest) => auditActor(caller(request));
