import type { Deps } from '../deps.ts';
import { isoInstant } from '../dates.ts';
import { errorName } from '../errors.ts';
import type { AuditChange } from '../records.ts';
import { copyBody, copyName, safeChain, tamperEvent, tamperKindOf, tamperNotice } from '../audit/stream-copy.ts';
import { notifySafely } from './notify.ts';

export interface StreamCopyReport {
  /** Entries copied now (a redelivered insert whose copy exists is not counted). */
  readonly copied: number;
  /** Modify and remove events recorded now (entry, notice and copy). */
  readonly tampered: number;
  /** The first change that failed; it and every change after it are to be delivered again. */
  readonly failedAt?: AuditChange | undefined;
}

export type StreamCopyDeps = Pick<Deps, 'archive' | 'audit' | 'notifier' | 'outbox' | 'logger' | 'clock' | 'metrics' | 'figures'>;

/**
 * Copies a batch of the audit table's stream (in stream order) into write-once storage:
 * - an insert's item is copied as it is; a copy that exists already (a redelivery) stays as it was;
 * - a modify or remove that has no copy yet is recorded as an `audit.tampered` entry on the chain,
 *   told to the security topic, and then copied as a change record. The copy comes last, so a
 *   failure before it leaves the change to be handled again on redelivery (at worst recorded
 *   twice, with the same `streamEventId`), never lost.
 * It stops at the first change that fails and reports it: the stream delivers it and everything
 * after it again (Lambda's ReportBatchItemFailures; the local poller reads from it again).
 */
export async function copyAuditChanges(deps: StreamCopyDeps, changes: readonly AuditChange[]): Promise<StreamCopyReport> {
  let copied = 0;
  let tampered = 0;
  for (const change of changes) {
    try {
      const name = copyName(change);
      const kind = tamperKindOf(change);
      if (!kind) {
        if ((await deps.archive.put(name, copyBody(change))) === 'written') copied += 1;
        continue;
      }
      if (await deps.archive.has(name)) continue;
      const now = deps.clock();
      await deps.audit.append([tamperEvent(change)], now);
      deps.logger.error('audit item changed after it was written', { change: kind, chain: safeChain(change.chain), seq: change.seq });
      await notifySafely(deps, tamperNotice(change, isoInstant(now)));
      await deps.archive.put(name, copyBody(change));
      tampered += 1;
    } catch (error) {
      deps.logger.error('audit stream copy failed', { kind: change.kind, chain: safeChain(change.chain), seq: change.seq, errorName: errorName(error) });
      return { copied, tampered, failedAt: change };
    }
  }
  return { copied, tampered };
}
