import type { Deps } from '../deps.ts';
import { sha256Hex } from '../canonical.ts';
import { isoInstant } from '../dates.ts';
import { NotFoundError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { AuditActor, AuditBatch, ConsentClause } from '../records.ts';

type ClauseDeps = Pick<Deps, 'clauses' | 'clock'>;

function clauseVersion(clauseId: string, version: number, text: string, jurisdiction: string | undefined, now: Date): ConsentClause {
  return { clauseId, version, sha256: sha256Hex(Buffer.from(text, 'utf8')), text, jurisdiction, publishedAt: isoInstant(now) };
}

function published(clause: ConsentClause, actor: AuditActor, now: Date): AuditBatch {
  return {
    events: [
      {
        action: 'clause.published',
        actor,
        targets: { clauseId: clause.clauseId, clauseVersion: clause.version },
        outcome: 'success',
        detail: { sha256: clause.sha256 },
      },
    ],
    now,
  };
}

/** Publishes a new clause (version 1). */
export async function publishClause(deps: ClauseDeps, actor: AuditActor, input: { text: string; jurisdiction?: string | undefined }): Promise<ConsentClause> {
  const now = deps.clock();
  const clause = clauseVersion(newId('cls', now), 1, input.text, input.jurisdiction, now);
  await deps.clauses.put(clause, published(clause, actor, now));
  return clause;
}

/**
 * Publishes new text under an existing clause id as the next version; earlier versions stay
 * valid for the alerts that cite them. The jurisdiction carries over unless a new one is given.
 * Two admins publishing at once: one wins, the other gets a 409 and can retry.
 */
export async function publishClauseVersion(
  deps: ClauseDeps,
  actor: AuditActor,
  clauseId: string,
  input: { text: string; jurisdiction?: string | undefined },
): Promise<ConsentClause> {
  const versions = (await deps.clauses.list()).filter((clause) => clause.clauseId === clauseId);
  const latest = versions.reduce<ConsentClause | undefined>((a, b) => (a && a.version > b.version ? a : b), undefined);
  if (!latest) throw new NotFoundError('No consent clause has this id.');
  const now = deps.clock();
  const clause = clauseVersion(clauseId, latest.version + 1, input.text, input.jurisdiction ?? latest.jurisdiction, now);
  await deps.clauses.put(clause, published(clause, actor, now));
  return clause;
}

export async function listClauses(deps: Pick<Deps, 'clauses'>): Promise<ConsentClause[]> {
  const clauses = await deps.clauses.list();
  return clauses.sort((a, b) => (a.clauseId === b.clauseId ? a.version - b.version : a.publishedAt.localeCompare(b.publishedAt)));
}
