import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError, valuesAttached, type OptionSpecs } from '../../cli/args.ts';
import type { Io } from '../../cli/command.ts';
import { commands } from '../../cli/command-table.ts';
import { apiKey, baseUrl, MissingKey } from '../../cli/connection.ts';
import { exitCodeForStatus, exitCodes } from '../../cli/exit-codes.ts';
import { commandHelp, findCommand, printFields, runCli } from '../../cli/run.ts';
import { parseSubject, readSubject } from '../../cli/subject.ts';

const options: OptionSpecs = {
  reason: { type: 'string', description: 'why' },
  'find-token': { type: 'string', multiple: true, description: 'a token' },
  force: { type: 'boolean', description: 'overwrite' },
};

function io(env: Record<string, string> = {}, cwd = process.cwd(), stdin = ''): Io & { out: string; err: string } {
  const captured = {
    out: '',
    err: '',
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
    readStdin: async () => stdin,
    stderrIsTTY: false,
    env,
    cwd,
  };
  return captured;
}

describe('the CLI command line', () => {
  it('takes the next word as an option value whatever it begins with', () => {
    expect(valuesAttached(['--reason', '-not a flag', '--find-token', '-abc', 'file', '--force'], options)).toEqual([
      '--reason=-not a flag',
      '--find-token=-abc',
      'file',
      '--force',
    ]);
    const parsed = parseCommandLine(['alt_1', '--reason', '--force', '--find-token', 'a', '--find-token', '-b'], options);
    expect(parsed).toEqual({ values: { reason: '--force', 'find-token': ['a', '-b'] }, positionals: ['alt_1'] });
  });

  it('refuses unknown options and a missing value as usage errors', () => {
    expect(() => parseCommandLine(['--nope'], options)).toThrow(UsageError);
    expect(() => parseCommandLine(['--nope'], options)).toThrow("Unknown option '--nope'.");
    expect(() => parseCommandLine(['--reason'], options)).toThrow(UsageError);
    expect(() => parseCommandLine(['--force=yes'], options)).toThrow(UsageError);
  });

  it('finds the longest command named by the leading words', () => {
    expect(findCommand(['admin', 'key', 'create', '--role', 'admin']).command?.name).toBe('admin key create');
    expect(findCommand(['verify', 'export.jsonl', '--key', 'k.json']).rest).toEqual(['export.jsonl', '--key', 'k.json']);
    expect(findCommand(['alert', 'show', 'alt_1']).command?.name).toBe('alert show');
    expect(findCommand(['admin', 'key']).command).toBeUndefined();
  });

  it('gives every command help with a usage line and an example', async () => {
    expect(new Set(commands.map((command) => command.name)).size).toBe(commands.length);
    for (const command of commands) {
      const asked = io();
      expect(await runCli([...command.name.split(' '), '--help'], asked)).toBe(exitCodes.ok);
      expect(asked.out).toBe(commandHelp(command));
      const help = commandHelp(command);
      expect(help).toContain(`Usage: peerguard ${command.name}`);
      expect(command.examples.length).toBeGreaterThan(0);
      for (const example of command.examples) expect(example.startsWith(`peerguard ${command.name}`)).toBe(true);
    }
  });

  it('answers --help with 0, a group or nothing with its list and 2, an unknown command with 2', async () => {
    const asked = io();
    expect(await runCli(['admin', 'key', 'revoke', '--help'], asked)).toBe(exitCodes.ok);
    expect(asked.out).toContain('Usage: peerguard admin key revoke <keyId>');
    const group = io();
    expect(await runCli(['admin', 'key'], group)).toBe(exitCodes.usage);
    expect(group.err).toContain('peerguard admin key create');
    const nothing = io();
    expect(await runCli([], nothing)).toBe(exitCodes.usage);
    expect(nothing.err).toContain('Exit codes:');
    const unknown = io();
    expect(await runCli(['frobnicate', '--json'], unknown)).toBe(exitCodes.usage);
    expect(JSON.parse(unknown.out)).toMatchObject({ error: { kind: 'usage', exitCode: 2 } });
    const help = io();
    expect(await runCli(['help', 'check'], help)).toBe(exitCodes.ok);
    expect(help.out).toContain('--subject-file FILE');
  });

  it('refuses words it would not use, without repeating them (half of an unquoted name)', async () => {
    const extra = io({ PEERGUARD_API_KEY: 'pgk_x' });
    expect(await runCli(['check', '--name', 'Ottoline', 'Vexgrove'], extra)).toBe(exitCodes.usage);
    expect(extra.err).toContain('peerguard check: 1 more argument than it takes (it takes options only); put a value with spaces in quotes.');
    const unknown = io();
    expect(await runCli(['Ottoline Vexgrove', '--json'], unknown)).toBe(exitCodes.usage);
    expect(await runCli(['admin', 'Vexgrove'], unknown)).toBe(exitCodes.usage);
    expect(unknown.out + unknown.err).not.toContain('Vexgrove');
    const typo = io();
    expect(await runCli(['chek'], typo)).toBe(exitCodes.usage);
    expect(typo.err).toContain('Unknown command: peerguard chek.');
  });

  it('prints chosen fields of an answer for shell variables (--print)', () => {
    const errors = io();
    const answer = { clauseId: 'cls_1', version: 2, sha256: 'ab', receipt: { keyId: 'local:k' }, items: [1] };
    expect(printFields(answer, 'clauseId,sha256', errors)).toBe('cls_1 ab');
    expect(printFields(answer, 'receipt.keyId, version,items', errors)).toBe('local:k 2 [1]');
    expect(printFields(answer, 'nope,clauseId', errors)).toBe(' cls_1');
    expect(errors.err).toBe('(the answer has no field nope)\n');
  });

  it('maps HTTP statuses to distinct exit codes', () => {
    expect([400, 401, 403, 404, 409, 413, 429, 500, 503].map(exitCodeForStatus)).toEqual([5, 6, 6, 7, 8, 5, 9, 10, 10]);
    expect(new Set(Object.values(exitCodes)).size).toBe(Object.keys(exitCodes).length);
  });
});

describe('where the CLI finds the API and its key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peerguard-cli-args-'));
  writeFileSync(join(dir, 'desk.key'), 'pgk_from_file\n');
  writeFileSync(join(dir, 'two.key'), 'pgk_a pgk_b\n');

  it('takes --url over PEERGUARD_URL over the local default, and refuses a non-http URL', () => {
    expect(baseUrl({}, io())).toBe('http://127.0.0.1:3000');
    expect(baseUrl({}, io({ PEERGUARD_URL: 'https://api.example.org' }))).toBe('https://api.example.org');
    expect(baseUrl({ url: 'http://10.0.0.1:8080' }, io({ PEERGUARD_URL: 'https://api.example.org' }))).toBe('http://10.0.0.1:8080');
    expect(() => baseUrl({ url: 'ftp://x' }, io())).toThrow(UsageError);
  });

  it('takes --key-file or --local-admin over PEERGUARD_API_KEY, and never needs the key on the command line', async () => {
    expect(await apiKey({}, io({ PEERGUARD_API_KEY: 'pgk_env' }))).toBe('pgk_env');
    expect(await apiKey({ 'key-file': 'desk.key' }, io({ PEERGUARD_API_KEY: 'pgk_env' }, dir))).toBe('pgk_from_file');
    await expect(apiKey({}, io())).rejects.toThrow(MissingKey);
    await expect(apiKey({ 'key-file': 'missing.key' }, io({}, dir))).rejects.toThrow(/Cannot read the key file missing.key: ENOENT/);
    await expect(apiKey({ 'key-file': 'two.key' }, io({}, dir))).rejects.toThrow(/must hold one API key/);
    await expect(apiKey({ 'key-file': 'desk.key', 'local-admin': true }, io({}, dir))).rejects.toThrow(UsageError);
  });

  it('reads the local admin key from DATA_DIR only when asked', async () => {
    const dataDir = join(dir, 'data');
    await expect(apiKey({ 'local-admin': true }, io({ DATA_DIR: dataDir }, dir))).rejects.toThrow(/admin-api-key .*is this the folder you ran npm start in/);
    writeFileSync(join(dir, 'admin-api-key'), 'pgk_admin\n');
    expect(await apiKey({ 'local-admin': true }, io({ DATA_DIR: '.' }, dir))).toBe('pgk_admin');
    await expect(apiKey({}, io({ DATA_DIR: '.' }, dir))).rejects.toThrow(MissingKey);
  });
});

describe("a client's identifiers for check", () => {
  it('reads JSON or "field: value" lines, with the CLI names or the API names', () => {
    expect(parseSubject('{"name": "John Q. Sample", "dob": "1980-02-29", "phone": "+1 860 555 0100"}')).toEqual({
      fullName: 'John Q. Sample',
      dateOfBirth: '1980-02-29',
      phone: '+1 860 555 0100',
    });
    expect(parseSubject('# booking 12\nfullName: John Q. Sample\nemail = jq@example.org\n\n')).toEqual({ fullName: 'John Q. Sample', email: 'jq@example.org' });
  });

  it.each([
    ['{"surname": "Secretname"}', /field 1 is not one of/],
    ['{"Secretname": "x"}', /field 1 is not one of/],
    ['{"phone": 8605550100}', /phone must be text/],
    ['{Secretname', /not valid JSON/],
    ['phone 8605550100 Secretname', /Line 1 .* is not "field: value"/],
    ['', /holds no identifiers/],
  ])('refuses %j without repeating it', (text, message) => {
    expect(() => parseSubject(text)).toThrow(message);
    try {
      parseSubject(text);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/Secretname|8605550100/);
    }
  });

  it('takes flags or a file (stdin with -), not both, and at least one identifier', async () => {
    expect(await readSubject({ phone: ' (860) 555-0100 ' }, io())).toEqual({ phone: '(860) 555-0100' });
    expect(await readSubject({ 'subject-file': '-' }, io({}, process.cwd(), 'email: jq@example.org\n'))).toEqual({ email: 'jq@example.org' });
    await expect(readSubject({ phone: '1', 'subject-file': '-' }, io())).rejects.toThrow(/either as flags or with --subject-file/);
    await expect(readSubject({}, io())).rejects.toThrow(/at least one of --name/);
  });
});
