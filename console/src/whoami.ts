/** Finds out who a key is (`GET /v1/me`): its role, and for a practice or reviewer key its practice. */
import { typed } from './api.ts';
import type { Identity } from './session.ts';

export const whoAmI = (key: string): Promise<Identity> => typed((client) => client.GET('/v1/me'), key);
