/**
 * `peerguard <command> …` as a function of argv and the process's streams: finds the command,
 * parses its options, runs it, and turns every failure into a sentence (or, with --json, a JSON
 * error document on stdout) and its exit code (exit-codes.ts).
 */
import { optionLines, parseCommandLine, UsageError, type OptionSpecs } from './args.ts';
import { ApiUnreachable, PeerguardProblem, peerguardApi, type PeerguardApi } from './api.ts';
import type { Command, Context, Io } from './command.ts';
import { commands } from './command-table.ts';
import { apiKey, baseUrl, connectionOptions, MissingKey } from './connection.ts';
import { exitCodeForStatus, exitCodeHelp, exitCodes } from './exit-codes.ts';
import { ExportFailed } from './export-download.ts';

const outputOptions: OptionSpecs = {
  json: { type: 'boolean', description: 'print one JSON document on stdout (errors too) instead of sentences' },
  print: { type: 'string', value: 'FIELDS', description: 'print only these fields of the JSON answer, comma-separated, on one line (e.g. --print alertId)' },
  help: { type: 'boolean', description: 'show this help' },
};

const envHelp = [
  'Environment:',
  '  PEERGUARD_URL      the API base URL (--url wins)',
  '  PEERGUARD_API_KEY  the API key (--key-file and --local-admin win); keys never need to be typed on the command line',
];

export function topHelp(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'peerguard: the Peerguard safety-alert network from the command line.',
    '',
    'Usage: peerguard <command> [options]   (peerguard <command> --help shows its options and an example)',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Options of every command that talks to the API:',
    ...optionLines({ ...connectionOptions, ...outputOptions }),
    '',
    ...envHelp,
    '',
    'Exit codes:',
    ...exitCodeHelp.map((line) => `  ${line}`),
    '',
  ].join('\n');
}

function groupHelp(prefix: string): string {
  const members = commands.filter((command) => command.name.startsWith(`${prefix} `));
  const width = Math.max(...members.map((command) => command.name.length));
  return [
    `peerguard ${prefix}: one of`,
    ...members.map((command) => `  peerguard ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    `peerguard ${prefix} <command> --help shows its options.`,
    '',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    `peerguard ${command.name}: ${command.summary}.`,
    '',
    `Usage: peerguard ${command.name}${command.usage ? ` ${command.usage}` : ''}`,
    '',
    ...(Object.keys(command.options).length > 0 ? ['Options:', ...optionLines(command.options), ''] : []),
    ...(command.server ? ['Connection:', ...optionLines(connectionOptions), ''] : []),
    'Output:',
    ...optionLines(outputOptions),
    '',
    ...(command.details ? [...command.details, ''] : []),
    `Example${command.examples.length > 1 ? 's' : ''}:`,
    ...command.examples.map((example) => `  ${example}`),
    '',
    ...(command.server ? [...envHelp, ''] : []),
    'Exit codes: peerguard --help lists them all.',
    '',
  ].join('\n');
}

/** The command named by the leading words of argv (the longest name that matches), and the rest. */
export function findCommand(argv: readonly string[]): { command?: Command; rest: readonly string[]; words: readonly string[] } {
  const words: string[] = [];
  for (const word of argv) {
    if (word.startsWith('-')) break;
    words.push(word);
  }
  for (let n = Math.min(words.length, 3); n > 0; n -= 1) {
    const name = words.slice(0, n).join(' ');
    const command = commands.find((candidate) => candidate.name === name);
    if (command) return { command, rest: argv.slice(n), words: words.slice(0, n) };
  }
  return { rest: argv, words };
}

export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const args = argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv;
  const json = args.includes('--json');
  const { command, rest, words } = findCommand(args);
  if (!command) {
    const asked = args.includes('--help') || args.includes('-h');
    for (let n = words.length; n > 0; n -= 1) {
      const prefix = words.slice(0, n).join(' ');
      if (commands.some((candidate) => candidate.name.startsWith(`${prefix} `))) {
        (asked ? io.stdout : io.stderr)(`${asked || n === words.length ? '' : `Unknown command: peerguard ${prefix} …\n\n`}${groupHelp(prefix)}`);
        return asked ? exitCodes.ok : exitCodes.usage;
      }
    }
    if (asked || args.length === 0) {
      (asked ? io.stdout : io.stderr)(topHelp());
      return asked ? exitCodes.ok : exitCodes.usage;
    }
    // The word is repeated only when it looks like a command name (it could be anything, a name even).
    const typed = words.join(' ');
    const shown = /^[a-z][a-z -]{0,30}$/.test(typed) ? `: peerguard ${typed}` : '';
    return fail(io, json, exitCodes.usage, 'usage', `Unknown command${shown}. Run "peerguard --help" for the list.`);
  }
  const options = { ...command.options, ...(command.server ? connectionOptions : {}), ...outputOptions };
  let parsed;
  try {
    parsed = parseCommandLine(rest, options);
  } catch (error) {
    return failure(io, json, command, error);
  }
  if (parsed.values.help === true) {
    io.stdout(commandHelp(command));
    return exitCodes.ok;
  }
  const extra = parsed.positionals.length - command.positionals;
  if (extra > 0) {
    // Never repeated: an extra word is often the second half of an unquoted name.
    const message = `${extra} more argument${extra === 1 ? '' : 's'} than it takes${command.positionals === 0 ? ' (it takes options only)' : ''}; put a value with spaces in quotes.`;
    return failure(io, json, command, new UsageError(message));
  }
  let api: PeerguardApi | undefined;
  const context: Context = {
    values: parsed.values,
    positionals: parsed.positionals,
    io,
    json,
    async api(options = {}) {
      if (api) return api;
      const url = baseUrl(parsed.values, io);
      const key = options.keyRequired === false ? await apiKey(parsed.values, io).catch(() => undefined) : await apiKey(parsed.values, io);
      return (api = peerguardApi({ baseUrl: url, apiKey: key }));
    },
    async connection() {
      return { baseUrl: baseUrl(parsed.values, io), apiKey: await apiKey(parsed.values, io) };
    },
    report(document, sentences) {
      const fields = parsed.values.print;
      if (typeof fields === 'string') io.stdout(`${printFields(document, fields, io)}\n`);
      else if (json) io.stdout(`${JSON.stringify(document, null, 2)}\n`);
      else io.stdout(`${sentences.join('\n')}\n`);
    },
    note(line) {
      io.stderr(`${line}\n`);
    },
  };
  try {
    return await command.run(context);
  } catch (error) {
    return failure(io, json, command, error);
  }
}

/** Prints a failure (stderr; with --json also a JSON error document on stdout) and returns its exit code. */
function failure(io: Io, json: boolean, command: Command, error: unknown): number {
  if (error instanceof UsageError)
    return fail(io, json, exitCodes.usage, 'usage', `peerguard ${command.name}: ${error.message}\nRun "peerguard ${command.name} --help" for its options.`);
  if (error instanceof MissingKey) return fail(io, json, exitCodes.auth, 'auth', error.message);
  if (error instanceof ApiUnreachable)
    return fail(io, json, exitCodes.unavailable, 'unavailable', `${error.message} Is the server running, and is --url (or PEERGUARD_URL) right?`);
  if (error instanceof PeerguardProblem) {
    const code = exitCodeForStatus(error.status);
    const { type, title, detail, instance, errors } = error;
    const lines = [`${title}${detail ? `: ${detail}` : '.'}`, ...errors.map((e) => `  ${e.path}: ${e.message}`)];
    if (code === exitCodes.auth)
      lines.push(
        error.status === 401
          ? 'Check the API key (PEERGUARD_API_KEY, --key-file or --local-admin): it is unknown or revoked.'
          : `This key's role may not run peerguard ${command.name}.`,
      );
    if (code === exitCodes.rateLimited && error.retryAfter !== undefined) lines.push(`Try again in ${error.retryAfter} seconds.`);
    const problem = {
      type,
      title,
      status: error.status,
      ...(detail ? { detail } : {}),
      ...(instance ? { instance } : {}),
      ...(errors.length > 0 ? { errors } : {}),
    };
    return fail(io, json, code, kindOf(code), lines.join('\n'), { status: error.status, problem, retryAfterSeconds: error.retryAfter });
  }
  if (error instanceof ExportFailed) {
    const code = error.status === undefined ? exitCodes.unavailable : exitCodeForStatus(error.status);
    return fail(io, json, code, kindOf(code), `The export failed: ${error.message}`, { status: error.status });
  }
  return fail(
    io,
    json,
    exitCodes.internal,
    'internal',
    `peerguard ${command.name} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/** `--print a,b.c`: the values at those paths of the JSON answer, space-separated (text as is, the rest as JSON). */
export function printFields(document: unknown, fields: string, io: Pick<Io, 'stderr'>): string {
  return fields
    .split(',')
    .map((field) => {
      const value = field
        .trim()
        .split('.')
        .reduce<unknown>(
          (at, key) => (at !== null && typeof at === 'object' && Object.hasOwn(at, key) ? (at as Record<string, unknown>)[key] : undefined),
          document,
        );
      if (value === undefined) io.stderr(`(the answer has no field ${field.trim()})\n`);
      return value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    })
    .join(' ');
}

function kindOf(code: number): string {
  return (Object.entries(exitCodes).find(([, value]) => value === code)?.[0] ?? 'error').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function fail(io: Io, json: boolean, code: number, kind: string, message: string, extra: Record<string, unknown> = {}): number {
  io.stderr(`${message}\n`);
  if (json) io.stdout(`${JSON.stringify({ error: { kind, exitCode: code, message, ...extra } }, null, 2)}\n`);
  return code;
}
