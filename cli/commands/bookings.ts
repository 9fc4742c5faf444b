/**
 * `booking register|list|cancel` (upcoming bookings re-screened when an alert publishes) and
 * `alert digest` (the reporter's opt-in to its alert's daily match digest). Identifiers go to the
 * API and nowhere else: never to stdout or stderr.
 */
import { requiredOption, UsageError } from '../args.ts';
import type { PeerguardApi } from '../api.ts';
import type { Command } from '../command.ts';
import { exitCodes } from '../exit-codes.ts';
import { readSubject, subjectOptions } from '../subject.ts';
import { bookingRefSchema } from '#shared/schemas.ts';
import { isRealDate } from '#shared/dates.ts';

type Registration = Awaited<ReturnType<PeerguardApi['registerBooking']>>['result'];

function describeRegistration(result: Registration, created: boolean): string[] {
  const kept = `kept until ${result.keptUntil}`;
  const head = `Booking ${result.ref} on ${result.appointmentOn} ${created ? 'registered' : 'registered again'} (${kept}); you will be told if an alert about this client is published before then.`;
  if (result.result === 'no_match') return [head, `Screened now: no match. (check ${result.checkId})`];
  const alerts = (result.alerts ?? []).map((alert) => `  - ${alert.category}, severity ${alert.severity}, published ${alert.publishedOn}`);
  return [
    head,
    `Screened now: MATCH (${result.confidence} confidence). (check ${result.checkId})`,
    ...alerts,
    ...(result.guidance ? [`Guidance: ${result.guidance}`] : []),
  ];
}

function refOf(value: string): string {
  if (!bookingRefSchema.safeParse(value).success) throw new UsageError('The ref must be a booking reference of letters, digits and . _ : - (at most 64).');
  return value;
}

export const bookingRegister: Command = {
  name: 'booking register',
  summary: 'register an upcoming booking: screened now, and again whenever an alert publishes before the appointment',
  usage: '--ref REF --date YYYY-MM-DD [--name NAME] [--dob YYYY-MM-DD] [--phone PHONE] [--email EMAIL] | --subject-file FILE|-',
  positionals: 0,
  options: {
    ref: { type: 'string', value: 'REF', description: "your booking reference (your software's booking id, never client details)" },
    date: { type: 'string', value: 'YYYY-MM-DD', description: 'the appointment date (not in the past, at most a year ahead)' },
    ...subjectOptions,
  },
  server: true,
  examples: [
    'peerguard booking register --ref bk-1042 --date 2026-12-14 --phone "(860) 555-0100"',
    'peerguard booking register --ref bk-1042 --date 2026-12-14 --subject-file - < client.txt',
  ],
  details: [
    'Needs a practice key. Registering the same ref again replaces it (and screens it again). Counts against the screening quota like a check.',
    'Exit code 0: no match now, 4: a match now. The identifiers are never printed or kept; only their keyed tokens are, until the day after the appointment.',
  ],
  async run(context) {
    const ref = refOf(requiredOption(context.values, 'ref'));
    const appointmentOn = requiredOption(context.values, 'date');
    if (!isRealDate(appointmentOn)) throw new UsageError('--date must be a real date written YYYY-MM-DD.');
    const subject = await readSubject(context.values, context.io);
    const api = await context.api();
    const { result, created } = await api.registerBooking({ ref, appointmentOn, subject });
    context.report(result, describeRegistration(result, created));
    return result.result === 'match' ? exitCodes.match : exitCodes.ok;
  },
};

export const bookingList: Command = {
  name: 'booking list',
  summary: "list your practice's registered bookings, and those an alert published since now matches",
  usage: '[--matching]',
  positionals: 0,
  options: { matching: { type: 'boolean', description: 'only the bookings that now match an alert' } },
  server: true,
  examples: ['peerguard booking list --matching'],
  details: ['Needs a practice key. Exit code 4 when any listed booking now matches.'],
  async run(context) {
    const api = await context.api();
    const { items } = await api.listBookings();
    const shown = context.values.matching === true ? items.filter((item) => item.matches.length > 0) : items;
    const lines =
      shown.length === 0
        ? ['No registered bookings.']
        : shown.flatMap((item) => [
            `${item.appointmentOn}  ${item.ref}  ${item.matches.length === 0 ? 'no match' : 'NOW MATCHES'}`,
            ...item.matches.map(
              (match) =>
                `    ${match.confidence} match: ${match.category}, severity ${match.severity}, published ${match.publishedOn} (check ${match.checkId})`,
            ),
          ]);
    context.report({ items: shown }, lines);
    return shown.some((item) => item.matches.length > 0) ? exitCodes.match : exitCodes.ok;
  },
};

export const bookingCancel: Command = {
  name: 'booking cancel',
  summary: 'cancel a registered booking (its tokens and matches are deleted)',
  usage: '<ref>',
  positionals: 1,
  options: {},
  server: true,
  examples: ['peerguard booking cancel bk-1042'],
  details: ['Needs a practice key. Exit code 7 when your practice has no such registration.'],
  async run(context) {
    if (context.positionals.length !== 1) throw new UsageError('Give one booking ref: peerguard booking cancel <ref>');
    const ref = refOf(context.positionals[0]!);
    const api = await context.api();
    await api.cancelBooking(ref);
    context.report({ ref, cancelled: true }, [`Booking ${ref} cancelled; its registration is deleted.`]);
    return exitCodes.ok;
  },
};

export const alertDigest: Command = {
  name: 'alert digest',
  summary: "show, or turn on or off, your alert's daily match digest",
  usage: '<alertId> [--on | --off]',
  positionals: 1,
  options: {
    on: { type: 'boolean', description: 'be told once a day how many bookings the alert matched' },
    off: { type: 'boolean', description: 'stop counting and telling' },
  },
  server: true,
  examples: ['peerguard alert digest alt_01kbz0p6j8m0p2r4t6w8y0a2c4 --on'],
  details: ['Needs the key of the practice that submitted the alert. Only days with at least the threshold of matches are ever shown.'],
  async run(context) {
    if (context.positionals.length !== 1) throw new UsageError('Give one alert id: peerguard alert digest <alertId> [--on | --off]');
    const alertId = context.positionals[0]!;
    if (context.values.on === true && context.values.off === true) throw new UsageError('Give --on or --off, not both.');
    const api = await context.api();
    const digest =
      context.values.on === true || context.values.off === true
        ? await api.setMatchDigest(alertId, context.values.on === true)
        : await api.getMatchDigest(alertId);
    context.report(digest, [
      `The match digest of ${alertId} is ${digest.enabled ? 'on' : 'off'} (days with at least ${digest.threshold} matches are told).`,
      ...(digest.days.length === 0 ? ['No day has reached the threshold.'] : digest.days.map(({ day, matches }) => `  ${day}: ${matches} matches`)),
    ]);
    return exitCodes.ok;
  },
};
