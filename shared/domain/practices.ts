import type { Deps } from '../deps.ts';
import { isoInstant } from '../dates.ts';
import { newId } from '../ids.ts';
import type { Practice } from '../ports.ts';

export async function createPractice(deps: Pick<Deps, 'practices' | 'clock'>, input: { name: string; region: string }): Promise<Practice> {
  const now = deps.clock();
  const practice: Practice = { practiceId: newId('prc', now), name: input.name, region: input.region, createdAt: isoInstant(now) };
  await deps.practices.create(practice);
  return practice;
}
