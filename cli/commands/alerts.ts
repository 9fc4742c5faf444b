/** `alert submit|show|retract|dispute|reinstate`. */
import { requiredOption, stringOption, UsageError, type OptionSpecs } from '../args.ts';
import type { AlertView } from '../api.ts';
import type { Command, Context } from '../command.ts';
import { exitCodes } from '../exit-codes.ts';
import { forceOption, outputPath, readInput, writeOutput } from '../files.ts';

const reasonOption: OptionSpecs = { reason: { type: 'string', value: 'TEXT', description: 'why (kept in the alert history and the audit log)' } };

/** An alert view in sentences: status, category, dates, decisions and history (no incident text). */
function describeAlert(alert: AlertView): string[] {
  const dates = [
    `submitted ${alert.submittedAt}`,
    ...(alert.publishedAt ? [`published ${alert.publishedAt}`] : []),
    ...(alert.expiresAt ? [`expires ${alert.expiresAt}`] : []),
  ];
  const reviews = alert.reviews ?? [];
  const history = alert.history ?? [];
  return [
    `Alert ${alert.alertId} is ${alert.status} (${alert.category}, severity ${alert.severity}); ${dates.join(', ')}.`,
    ...(reviews.length > 0 ? [`Reviews: ${reviews.map((review) => review.decision).join(', ')}.`] : []),
    ...(history.length > 0 ? ['History:', ...history.map((step) => `  ${step.at} ${step.action}${step.reason ? `: ${step.reason}` : ''}`)] : []),
  ];
}

function oneAlertId(context: Context, usage: string): string {
  if (context.positionals.length !== 1) throw new UsageError(`Give one alert id: peerguard ${usage}`);
  return context.positionals[0]!;
}

export const alertSubmit: Command = {
  name: 'alert submit',
  summary: 'submit an alert from a JSON file and keep its signed receipt',
  usage: '<alert.json> --out <receipt.json>',
  positionals: 1,
  options: {
    out: { type: 'string', value: 'FILE', description: 'where to write the receipt together with the exact body sent (what verify-receipt checks)' },
    force: forceOption,
    'idempotency-key': { type: 'string', value: 'KEY', description: 'send this Idempotency-Key, so that running the same command again creates nothing new' },
  },
  server: true,
  examples: ['peerguard alert submit alert.json --out receipt.json'],
  details: [
    'alert.json is the body of POST /v1/alerts: {"subject": {...}, "incident": {...}, "consent": {...}} (docs/cli.md has one).',
    'The receipt file holds {"receipt": …, "body": …}: the body includes the identifiers, so keep it as safely as alert.json.',
    'Needs a practice key.',
  ],
  async run(context) {
    if (context.positionals.length !== 1) throw new UsageError('Give one alert file: peerguard alert submit alert.json --out receipt.json');
    const out = outputPath(context.values, context.io, 'the receipt');
    const text = await readInput(context.io, context.positionals[0]!, 'the alert file');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new UsageError('The alert file is not valid JSON.');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new UsageError('The alert file must hold one JSON object: {"subject", "incident", "consent"}.');
    const api = await context.api();
    const submitted = await api.submitAlert(body, stringOption(context.values, 'idempotency-key'));
    await writeOutput(out, `${JSON.stringify({ receipt: submitted.receipt, body }, null, 2)}\n`, 0o600);
    context.report({ ...submitted, receiptFile: out }, [
      `Submitted alert ${submitted.alertId}: ${submitted.status}. Two reviewers of other practices will decide it.`,
      `Receipt (signed ${submitted.receipt.submittedAt} by ${submitted.receipt.keyId}) and the body sent: ${context.values.out as string}`,
      `Check it any time: peerguard verify-receipt ${context.values.out as string} --key key.json`,
    ]);
    return exitCodes.ok;
  },
};

export const alertShow: Command = {
  name: 'alert show',
  summary: "show an alert's status, reviews and history",
  usage: '<alertId>',
  positionals: 1,
  options: {},
  server: true,
  examples: ['peerguard alert show alt_01jd…'],
  details: ['The submitting practice, reviewers and admin may read an alert; other practices get "not found" (exit 7).'],
  async run(context) {
    const alert = await (await context.api()).getAlert(oneAlertId(context, 'alert show <alertId>'));
    context.report(alert, describeAlert(alert));
    return exitCodes.ok;
  },
};

function transition(
  name: string,
  summary: string,
  example: string,
  call: (api: Awaited<ReturnType<Context['api']>>, alertId: string, reason: string) => Promise<AlertView>,
  details: string[],
): Command {
  return {
    name,
    summary,
    usage: '<alertId> --reason TEXT',
    positionals: 1,
    options: reasonOption,
    server: true,
    examples: [example],
    details,
    async run(context) {
      const alertId = oneAlertId(context, `${name} <alertId> --reason TEXT`);
      const reason = requiredOption(context.values, 'reason');
      const alert = await call(await context.api(), alertId, reason);
      context.report(alert, [`Alert ${alert.alertId} is now ${alert.status}.`]);
      return exitCodes.ok;
    },
  };
}

export const alertRetract = transition(
  'alert retract',
  'retract an alert (it stops matching at once)',
  'peerguard alert retract alt_01jd… --reason "Entered against the wrong client."',
  (api, id, reason) => api.retractAlert(id, reason),
  ['The submitting practice or an admin may retract.'],
);
export const alertDispute = transition(
  'alert dispute',
  'suspend a published alert while a dispute is heard (admin)',
  'peerguard alert dispute alt_01jd… --reason "Client disputes the account through counsel."',
  (api, id, reason) => api.disputeAlert(id, reason),
  ['A suspended alert does not match until it is reinstated.'],
);
export const alertReinstate = transition(
  'alert reinstate',
  'publish a suspended alert again (admin)',
  'peerguard alert reinstate alt_01jd… --reason "Dispute heard; record upheld."',
  (api, id, reason) => api.reinstateAlert(id, reason),
  [],
);
