import type { Deps } from '../deps.ts';
import { addDays, isoInstant } from '../dates.ts';
import { errorName } from '../errors.ts';
import { systemActor } from '../audit/events.ts';
import type { AlertRecord } from '../records.ts';
import { mutateAlert } from './mutate-alert.ts';

/**
 * Retention of the tokens of alerts that never matched or no longer do. A rejected or retracted
 * alert keeps its tokens for `tokenRetentionDays` after the decision (time to undo a mistaken
 * retraction with the network operator, or for counsel to ask about it), then the sweep removes
 * them from the alert and deletes their token-index items that no longer hold any alert. The
 * audit log keeps the removal; the alert keeps its status, history and receipt.
 */
export const tokensRemovableAt = (deps: Pick<Deps, 'settings'>, decidedAt: Date): string => isoInstant(addDays(decidedAt, deps.settings.tokenRetentionDays));

const retention = systemActor('retention');
const retentionPrincipal = { keyId: retention.keyId, role: 'admin' as const };

export async function removeLapsedTokens(deps: Deps): Promise<{ removed: number; failed: number }> {
  const now = deps.clock();
  let removed = 0;
  let failed = 0;
  for await (const due of deps.alerts.tokensRemovableBy(isoInstant(now))) {
    try {
      let tokens: readonly string[] = [];
      await mutateAlert(deps, due.alertId, retentionPrincipal, async (alert, at) => {
        if (!isDue(alert, at)) return undefined;
        tokens = alert.tokens.map(({ token }) => token);
        const { tokensRemovableAt: _due, ...rest } = alert;
        return {
          next: { ...rest, tokens: [], tokensRemovedAt: isoInstant(at) },
          change: undefined,
          events: [
            {
              action: 'alert.tokens_removed',
              actor: retention,
              targets: { alertId: alert.alertId, practiceId: alert.practiceId },
              outcome: alert.status,
              detail: { tokens: tokens.length, retentionDays: deps.settings.tokenRetentionDays },
            },
          ],
        };
      });
      if (tokens.length === 0) continue;
      await deps.tokenIndex.prune(tokens);
      removed += 1;
    } catch (error) {
      failed += 1;
      deps.logger.error('tokens could not be removed', { alertId: due.alertId, errorName: errorName(error) });
    }
  }
  return { removed, failed };
}

const isDue = (alert: AlertRecord, now: Date) =>
  (alert.status === 'rejected' || alert.status === 'retracted') &&
  alert.tokens.length > 0 &&
  alert.tokensRemovableAt !== undefined &&
  Date.parse(alert.tokensRemovableAt) <= now.getTime();
