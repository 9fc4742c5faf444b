import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { sha256Hex } from '../canonical.ts';
import { isoInstant } from '../dates.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import type { AuditActor, Principal } from '../records.ts';
import type { Role } from '../routes.ts';
import { notifySafely } from './notify.ts';

/**
 * API keys look like `pg.<keyId>.<secret>`: the key id lets the authorizer fetch one record
 * by its primary key; only the SHA-256 of the whole key is stored, so a copy of the table
 * cannot be used to call the API.
 */
const apiKeyPattern = /^pg\.([^.]+)\.[A-Za-z0-9_-]{43}$/;

export interface CreatedApiKey {
  keyId: string;
  apiKey: string;
  role: Role;
  practiceId?: string | undefined;
  label: string;
}

/**
 * Creates an API key; only its SHA-256 is stored. The security topic hears of every key created
 * (role, practice, and which key created it), so no admin can quietly give a practice a
 * reviewer key or themselves a second admin or auditor key (docs/security.md).
 */
export async function createApiKey(
  deps: Pick<Deps, 'apiKeys' | 'practices' | 'clock' | 'notifier' | 'outbox' | 'logger' | 'metrics'>,
  actor: AuditActor,
  input: { role: Role; practiceId?: string | undefined; label: string },
): Promise<CreatedApiKey> {
  if (input.practiceId !== undefined && !(await deps.practices.get(input.practiceId))) {
    throw ValidationError.field('practiceId', 'no practice has this id');
  }
  const now = deps.clock();
  const keyId = newId('key', now);
  const apiKey = `pg.${keyId}.${randomBytes(32).toString('base64url')}`;
  await deps.apiKeys.create(
    { keyId, secretSha256: sha256Hex(apiKey), role: input.role, practiceId: input.practiceId, label: input.label, createdAt: isoInstant(now) },
    {
      events: [
        {
          action: 'key.created',
          actor,
          targets: { keyId, ...(input.practiceId ? { practiceId: input.practiceId } : {}) },
          outcome: 'success',
          detail: { role: input.role },
        },
      ],
      now,
    },
  );
  await notifySafely(deps, {
    topic: 'security',
    type: 'governance.key_created',
    keyId,
    role: input.role,
    practiceId: input.practiceId,
    byKeyId: actor.keyId,
    at: isoInstant(now),
  });
  return { keyId, apiKey, role: input.role, practiceId: input.practiceId, label: input.label };
}

export async function revokeApiKey(deps: Pick<Deps, 'apiKeys' | 'clock'>, actor: AuditActor, keyId: string): Promise<void> {
  const now = deps.clock();
  const revoked = await deps.apiKeys.revoke(keyId, isoInstant(now), {
    events: [{ action: 'key.revoked', actor, targets: { keyId }, outcome: 'success' }],
    now,
  });
  if (!revoked) throw new NotFoundError('No API key has this id.');
}

/** The principal behind a bearer API key, or undefined for a malformed, unknown or revoked key. */
export async function authenticate(deps: Pick<Deps, 'apiKeys'>, apiKey: string): Promise<Principal | undefined> {
  const match = apiKeyPattern.exec(apiKey);
  if (!match || !isId(match[1]!, 'key')) return undefined;
  const record = await deps.apiKeys.get(match[1]!);
  if (!record || record.revokedAt) return undefined;
  const expected = Buffer.from(record.secretSha256, 'hex');
  const presented = Buffer.from(sha256Hex(apiKey), 'hex');
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return undefined;
  return { keyId: record.keyId, role: record.role, practiceId: record.practiceId };
}

/** Reads `Authorization: Bearer <key>`; undefined when absent or not a bearer credential. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
