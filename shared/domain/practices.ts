import type { Deps } from '../deps.ts';
import { isoInstant } from '../dates.ts';
import { newId } from '../ids.ts';
import type { AuditActor, Practice } from '../records.ts';
import { notifySafely } from './notify.ts';

/**
 * An admin registers a practice. The security topic hears of every one: an admin alone could
 * otherwise register shell practices, give them reviewer keys and publish (docs/security.md).
 */
export async function createPractice(
  deps: Pick<Deps, 'practices' | 'clock' | 'notifier' | 'outbox' | 'logger' | 'metrics'>,
  actor: AuditActor,
  input: { name: string; region: string },
): Promise<Practice> {
  const now = deps.clock();
  const practice: Practice = { practiceId: newId('prc', now), name: input.name, region: input.region, createdAt: isoInstant(now) };
  await deps.practices.create(practice, {
    events: [{ action: 'practice.created', actor, targets: { practiceId: practice.practiceId }, outcome: 'success' }],
    now,
  });
  await notifySafely(deps, {
    topic: 'security',
    type: 'governance.practice_created',
    practiceId: practice.practiceId,
    byKeyId: actor.keyId,
    at: practice.createdAt,
  });
  return practice;
}
