import type { Deps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import type { Practice, Principal } from '../records.ts';
import type { Role } from '../routes.ts';

export interface WhoAmI {
  keyId: string;
  role: Role;
  practiceId?: string;
  practiceName?: string;
  label: string;
}

/** GET /v1/me: who this key is, for the console's banner (any role). */
export async function whoAmI(deps: Pick<Deps, 'apiKeys' | 'practices'>, principal: Principal): Promise<WhoAmI> {
  const [key, practice] = await Promise.all([
    deps.apiKeys.describe(principal.keyId, principal.role),
    principal.practiceId === undefined ? undefined : deps.practices.get(principal.practiceId),
  ]);
  return {
    keyId: principal.keyId,
    role: principal.role,
    ...(principal.practiceId === undefined ? {} : { practiceId: principal.practiceId }),
    ...(practice ? { practiceName: practice.name } : {}),
    // The index that holds labels is eventually consistent: a key used within a second of its creation may not be in it yet.
    label: key?.label ?? '',
  };
}

/** GET /v1/practices (admin): every practice, oldest first. */
export async function listPractices(deps: Pick<Deps, 'practices'>): Promise<{ items: Practice[] }> {
  const practices = await deps.practices.list();
  return { items: practices.map(({ practiceId, name, region, createdAt }) => ({ practiceId, name, region, createdAt })) };
}

export interface KeyListing {
  keyId: string;
  role: Role;
  practiceId?: string;
  label: string;
  createdAt: string;
  revokedAt?: string;
}

/**
 * GET /v1/keys (admin): every key, or one practice's, oldest first, revoked ones included (with
 * revokedAt). Never a secret nor its hash: the store reads an index that holds neither, and each
 * field is named here.
 */
export async function listKeys(deps: Pick<Deps, 'apiKeys' | 'practices'>, filter: { practiceId?: string | undefined }): Promise<{ items: KeyListing[] }> {
  if (filter.practiceId !== undefined && !(await deps.practices.get(filter.practiceId))) throw new NotFoundError('No practice has this id.');
  const keys = await deps.apiKeys.list(filter);
  return {
    items: keys.map(({ keyId, role, practiceId, label, createdAt, revokedAt }) => ({
      keyId,
      role,
      ...(practiceId === undefined ? {} : { practiceId }),
      label,
      createdAt,
      ...(revokedAt === undefined ? {} : { revokedAt }),
    })),
  };
}
