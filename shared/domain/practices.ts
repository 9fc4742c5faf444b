import type { Deps } from '../deps.ts';
import { isoInstant } from '../dates.ts';
import { newId } from '../ids.ts';
import type { AuditActor, Practice } from '../records.ts';

export async function createPractice(
  deps: Pick<Deps, 'practices' | 'clock'>,
  actor: AuditActor,
  input: { name: string; region: string },
): Promise<Practice> {
  const now = deps.clock();
  const practice: Practice = { practiceId: newId('prc', now), name: input.name, region: input.region, createdAt: isoInstant(now) };
  await deps.practices.create(practice, {
    events: [{ action: 'practice.created', actor, targets: { practiceId: practice.practiceId }, outcome: 'success' }],
    now,
  });
  return practice;
}
