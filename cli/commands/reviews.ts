/** `review queue|approve|reject|reconfirm` (reviewer keys). */
import { requiredOption, UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { exitCodes } from '../exit-codes.ts';

export const reviewQueue: Command = {
  name: 'review queue',
  summary: 'list the alerts waiting for your decision, with their incident summaries',
  usage: '',
  positionals: 0,
  options: {},
  server: true,
  examples: ['peerguard review queue'],
  details: ["Never lists your own practice's alerts, nor ones you already decided."],
  async run(context) {
    const { items } = await (await context.api()).reviewQueue();
    context.report(items, [
      items.length === 0 ? 'Nothing is waiting for your review.' : `${items.length} alert${items.length === 1 ? '' : 's'} waiting for review:`,
      ...items.flatMap((item) => [
        `- ${item.alertId}: ${item.category}, severity ${item.severity}, submitted ${item.submittedAt}, ${item.approvals} approval${item.approvals === 1 ? '' : 's'} so far`,
        ...(item.incident?.summary ? [`    ${item.incident.occurredOn ? `${item.incident.occurredOn}: ` : ''}${item.incident.summary}`] : []),
      ]),
    ]);
    return exitCodes.ok;
  },
};

function decision(kind: 'approve' | 'reject'): Command {
  return {
    name: `review ${kind}`,
    summary: kind === 'approve' ? 'approve an alert (two approvals from two other practices publish it)' : 'reject an alert (one rejection ends it)',
    usage: '<alertId> --reason TEXT',
    positionals: 1,
    options: { reason: { type: 'string', value: 'TEXT', description: 'why (kept in the alert history and the audit log)' } },
    server: true,
    examples: [`peerguard review ${kind} alt_01jd… --reason "${kind === 'approve' ? 'Specific, consent in order.' : 'No consent on file for this date.'}"`],
    details: ['A reviewer of the submitting practice gets exit 6; a second decision on the same alert, exit 8.'],
    async run(context) {
      if (context.positionals.length !== 1) throw new UsageError(`Give one alert id: peerguard review ${kind} <alertId> --reason TEXT`);
      const reason = requiredOption(context.values, 'reason');
      const alert = await (await context.api()).review(context.positionals[0]!, kind, reason);
      context.report(alert, [`${kind === 'approve' ? 'Approved' : 'Rejected'}. Alert ${alert.alertId} is now ${alert.status}.`]);
      return exitCodes.ok;
    },
  };
}

export const reviewApprove = decision('approve');
export const reviewReject = decision('reject');

export const reviewReconfirm: Command = {
  name: 'review reconfirm',
  summary: 'renew a published alert for a full period before it expires',
  usage: '<alertId> --reason TEXT',
  positionals: 1,
  options: { reason: { type: 'string', value: 'TEXT', description: 'why it is still relevant' } },
  server: true,
  examples: ['peerguard review reconfirm alt_01jd… --reason "Still relevant."'],
  async run(context) {
    if (context.positionals.length !== 1) throw new UsageError('Give one alert id: peerguard review reconfirm <alertId> --reason TEXT');
    const alert = await (await context.api()).reconfirm(context.positionals[0]!, requiredOption(context.values, 'reason'));
    context.report(alert, [`Alert ${alert.alertId} is ${alert.status} until ${alert.expiresAt ?? '(no expiry)'}.`]);
    return exitCodes.ok;
  },
};
