/**
 * Finds out who a key is: `GET /v1/me` where the server has it; on a server without that route,
 * the role is found by asking routes only one role may use (nothing is created or changed:
 * each probe is a read, or a write with an empty body that is refused before it does anything).
 */
import { ApiError, call } from './api.ts';
import type { Identity, Role } from './session.ts';

export async function whoAmI(key: string): Promise<Identity> {
  try {
    return await call<Identity>('GET', '/v1/me', { key });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
  }
  // Any role may list the clauses: this checks the key itself (401 for a wrong one).
  await call('GET', '/v1/consent-clauses', { key });
  const allowed = async (method: string, path: string, body?: unknown): Promise<boolean> => {
    try {
      await call(method, path, { key, body });
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) return false;
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) return true;
      throw error;
    }
  };
  const probes: [Role, string, string, unknown][] = [
    ['reviewer', 'GET', '/v1/reviews/queue', undefined],
    ['auditor', 'GET', '/v1/audit/verification-key', undefined],
    ['admin', 'POST', '/v1/practices', {}],
  ];
  for (const [role, method, path, body] of probes) if (await allowed(method, path, body)) return { role };
  return { role: 'practice' };
}
