import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoDate } from '#shared/dates.ts';
import { buildCli } from '../../cli/build.ts';
import { commands } from '../../cli/command-table.ts';
import { startLocalNetwork, type LocalNetwork } from '../support/local-network.ts';
import { alertBody } from '../support/story.ts';

/**
 * The `peerguard` command as a user runs it: the bundle the package's bin runs (built here with
 * the same build as `npm run build:cli`), as its own process, against a real local server on
 * DynamoDB Local with the three-practice network of story.ts. Keys come from key files and
 * the local admin key, never from the command line.
 */
interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Identifiers given only to check and check-batch: none may come back in any output. */
const canary = { fullName: 'Ottoline Vexgrove-Canary', dateOfBirth: '1941-04-04', phone: '+1 (959) 555-0142', email: 'Ottoline.Vexgrove@Canary-Post.example' };
const canaryNeedles = ['Vexgrove', 'vexgrove', 'VEXGROVE', 'Ottoline', '555-0142', '5550142', '1941-04-04', 'canary-post', 'Canary-Post'];
/** The published alert's client; screened by phone and e-mail. */
const flagged = { fullName: 'Barnaby Q. Flagstaff', dateOfBirth: '1980-02-29', phone: '+1 860 555 0177', email: 'b.flagstaff@example.org' };
const flaggedNeedles = ['Flagstaff', 'flagstaff', '555 0177', '555-0177', '5550177', '1980-02-29'];

let network: LocalNetwork;
let work: string;
let bundle: string;
let alertId: string;
/** Every stdout and stderr of check and check-batch, for the canary sweep. */
const screeningOutput: string[] = [];

function cli(args: readonly string[], options: { key?: string; stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', PEERGUARD_URL: `http://127.0.0.1:${network.port}`, ...(options.env ?? {}) };
  const keyArgs = options.key ? ['--key-file', `${options.key}.key`] : [];
  return new Promise((done) => {
    const child = execFile(process.execPath, [bundle, ...args, ...keyArgs], { cwd: work, env }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
    child.stdin!.end(options.stdin ?? '');
  });
}

async function screening(args: readonly string[], options: { key?: string; stdin?: string } = {}): Promise<Run> {
  const run = await cli(args, options);
  screeningOutput.push(run.stdout, run.stderr);
  return run;
}

const write = (name: string, content: string) => writeFileSync(join(work, name), content);
const read = (name: string) => readFileSync(join(work, name), 'utf8');

beforeAll(async () => {
  network = await startLocalNetwork({ CHECKS_PER_DAY: '60' });
  work = mkdtempSync(join(tmpdir(), 'peerguard-cli-e2e-'));
  bundle = await buildCli(join(work, 'bin', 'peerguard.mjs'));
  const { keys } = network.net;
  for (const [name, key] of Object.entries(keys)) write(`${name}.key`, `${key.apiKey}\n`);
  write('alert.json', JSON.stringify(alertBody(network.net.clause, flagged), null, 2));
});

afterAll(async () => {
  await network?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('peerguard, the command line', () => {
  it('answers --help for its commands, and runs from a checkout with npm run peerguard', async () => {
    // Every command's help is run in-process by test/unit/cli-args.test.ts; here one of each group, as processes.
    for (const command of commands.filter((c, i) => i === 0 || c.name.split(' ')[0] !== commands[i - 1]!.name.split(' ')[0])) {
      const run = await cli([...command.name.split(' '), '--help']);
      expect(run.code, command.name).toBe(0);
      expect(run.stdout).toContain(`Usage: peerguard ${command.name}`);
    }
    const top = await cli(['--help']);
    expect(top.stdout).toContain('Exit codes:');
    const checkout = await new Promise<Run>((done) =>
      execFile(
        'npm',
        ['run', '--silent', 'peerguard', '--', 'health', '--json'],
        { env: { ...process.env, PEERGUARD_URL: `http://127.0.0.1:${network.port}` } },
        (error, stdout, stderr) => done({ code: error ? Number(error.code) : 0, stdout, stderr }),
      ),
    );
    expect(checkout.code).toBe(0);
    expect(JSON.parse(checkout.stdout)).toEqual({ status: 'ok' });
  }, 120_000);

  it('administers practices, keys and clauses with the local admin key', async () => {
    const env = { DATA_DIR: network.dataDir };
    const practice = await cli(
      ['admin', 'practice', 'create', '--name', 'Birch Lane Massage', '--region', 'CT', '--local-admin', '--print', 'practiceId,name'],
      { env },
    );
    expect(practice.code).toBe(0);
    expect(practice.stdout).toMatch(/^prc_\S+ Birch Lane Massage\n$/);
    const practiceId = practice.stdout.split(' ')[0]!;

    const key = await cli(
      ['admin', 'key', 'create', '--role', 'practice', '--practice', practiceId, '--label', 'front desk', '--out', 'birch.key', '--local-admin'],
      { env },
    );
    expect(key.code).toBe(0);
    expect(key.stdout).toMatch(/^Created practice key key_\S+ of practice prc_\S+; the key is in birch\.key/);
    const birchKey = read('birch.key').trim();
    expect(key.stdout + key.stderr).not.toContain(birchKey);
    expect(statSync(join(work, 'birch.key')).mode & 0o777).toBe(0o600);
    const me = await cli(['whoami'], { key: 'birch' });
    expect(me.code).toBe(0);
    expect(me.stdout).toMatch(new RegExp(`^This is the practice key key_\\S+ \\("front desk"\\) of practice ${practiceId} \\(Birch Lane Massage\\)\\.\\n$`));
    expect(me.stdout + me.stderr).not.toContain(birchKey);
    const admin = JSON.parse((await cli(['whoami', '--json', '--local-admin'], { env })).stdout) as { role: string; practiceId?: string };
    expect(admin).toMatchObject({ role: 'admin' });
    expect(admin.practiceId).toBeUndefined();

    const again = await cli(['admin', 'key', 'create', '--role', 'practice', '--practice', practiceId, '--label', 'x', '--out', 'birch.key', '--local-admin'], {
      env,
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('birch.key already exists');

    const shown = await cli(['admin', 'key', 'create', '--role', 'auditor', '--label', 'second counsel', '--local-admin', '--json'], { env });
    const auditor = JSON.parse(shown.stdout) as { keyId: string; apiKey: string };
    write('counsel2.key', auditor.apiKey);
    expect((await cli(['admin', 'key', 'revoke', auditor.keyId, '--local-admin'], { env })).stdout).toBe(`Revoked key ${auditor.keyId}.\n`);
    const revoked = await cli(['audit', 'key', '--out', 'nope.json'], { key: 'counsel2' });
    expect(revoked.code).toBe(6);
    expect(revoked.stderr).toContain('unknown or revoked');
    expect((await cli(['whoami'], { key: 'counsel2' })).code).toBe(6);

    const practices = await cli(['admin', 'practice', 'list', '--local-admin'], { env });
    expect(practices.code).toBe(0);
    expect(practices.stdout).toMatch(new RegExp(`^${practiceId} Birch Lane Massage \\(CT\\), since \\d{4}-\\d{2}-\\d{2}T\\S+$`, 'm'));
    const practiceList = await cli(['admin', 'practice', 'list', '--json', '--local-admin'], { env });
    const { harbour, elm, valley } = network.net.practices;
    const listedIds = (JSON.parse(practiceList.stdout) as { practiceId: string }[]).map((p) => p.practiceId);
    expect(listedIds).toEqual(expect.arrayContaining([practiceId, harbour, elm, valley]));
    const birchKeys = await cli(['admin', 'key', 'list', '--practice', practiceId, '--local-admin'], { env });
    expect(birchKeys.code).toBe(0);
    expect(birchKeys.stdout).toMatch(new RegExp(`^key_\\S+ practice key "front desk" of practice ${practiceId}, created \\S+\\n$`));
    const keyList = await cli(['admin', 'key', 'list', '--json', '--local-admin'], { env });
    const allKeys = JSON.parse(keyList.stdout) as { keyId: string; revokedAt?: string }[];
    expect(allKeys.find((k) => k.keyId === auditor.keyId)?.revokedAt).toMatch(/^\d{4}-/);
    expect(JSON.stringify(allKeys)).not.toContain(birchKey);
    expect(JSON.stringify(allKeys)).not.toContain(auditor.apiKey);
    expect((await cli(['admin', 'key', 'list', '--practice', 'prc_01kbz0h7yq3m5c8e2w4r6t9p1n', '--local-admin'], { env })).code).toBe(7);
    expect((await cli(['admin', 'key', 'list'], { key: 'birch' })).code).toBe(6);

    write('clause.txt', 'I agree that this practice may tell other participating professionals whether it would see me again.\n');
    const clause = await cli(['admin', 'clause', 'publish', '--text-file', 'clause.txt', '--jurisdiction', 'US-CT', '--local-admin', '--json'], { env });
    expect(clause.code).toBe(0);
    const published = JSON.parse(clause.stdout) as { clauseId: string; version: number };
    const version = await cli(['admin', 'clause', 'version', published.clauseId, '--text', 'Version two of the clause.', '--local-admin'], { env });
    expect(version.stdout).toMatch(new RegExp(`^Published clause ${published.clauseId} version 2, sha256 [0-9a-f]{64}\\.`));
    const list = await cli(['admin', 'clause', 'list', '--json'], { key: 'valleyDesk' });
    expect(
      (JSON.parse(list.stdout) as { clauseId: string; version: number }[])
        .filter((c) => c.clauseId === published.clauseId)
        .map((c) => c.version)
        .sort(),
    ).toEqual([1, 2]);

    const forbidden = await cli(['admin', 'practice', 'create', '--name', 'X', '--region', 'CT', '--json'], { key: 'valleyDesk' });
    expect(forbidden.code).toBe(6);
    expect(JSON.parse(forbidden.stdout)).toMatchObject({ error: { kind: 'auth', exitCode: 6, status: 403 } });
  }, 120_000);

  it('submits an alert and keeps a receipt that verify-receipt accepts; reviewers publish it', async () => {
    const submitted = await cli(['alert', 'submit', 'alert.json', '--out', 'receipt.json'], { key: 'harbourDesk' });
    expect(submitted.code).toBe(0);
    alertId = /Submitted alert (alt_\S+): pending_review/.exec(submitted.stdout)![1]!;
    const receipt = JSON.parse(read('receipt.json')) as { receipt: { alertId: string }; body: unknown };
    expect(receipt.receipt.alertId).toBe(alertId);
    expect(receipt.body).toEqual(JSON.parse(read('alert.json')));
    expect(submitted.stdout + submitted.stderr).not.toMatch(/Flagstaff|5550177|1980-02-29/);

    expect((await cli(['audit', 'key', '--out', 'key.json'], { key: 'auditor' })).code).toBe(0);
    const verified = await cli(['verify-receipt', 'receipt.json', '--key', 'key.json']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(new RegExp(`^VERIFIED: submission receipt of alert ${alertId}`));
    const tampered = JSON.parse(read('receipt.json')) as { body: { incident: { severity: string } } };
    tampered.body.incident.severity = 'low';
    write('tampered.json', JSON.stringify(tampered));
    expect((await cli(['verify-receipt', 'tampered.json', '--key', 'key.json'])).code).toBe(1);

    const queue = await cli(['review', 'queue'], { key: 'elmReviewer' });
    expect(queue.stdout).toContain(`- ${alertId}: sexual_misconduct, severity high`);
    const own = await cli(['review', 'approve', alertId, '--reason', 'Mine.'], { key: 'harbourReviewer' });
    expect(own.code).toBe(6);
    expect((await cli(['review', 'approve', alertId, '--reason', 'Specific, consent in order.'], { key: 'elmReviewer' })).stdout).toBe(
      `Approved. Alert ${alertId} is now pending_review.\n`,
    );
    const twice = await cli(['review', 'reject', alertId, '--reason', 'Changed my mind.'], { key: 'elmReviewer' });
    expect(twice.code).toBe(8);
    const second = await cli(['review', 'approve', alertId, '--reason', 'Agree.', '--json'], { key: 'valleyReviewer' });
    expect(JSON.parse(second.stdout)).toMatchObject({ alertId, status: 'published' });
    // Re-confirmation opens only in the window before expiry (the lifecycle suite renews one in it).
    const early = await cli(['review', 'reconfirm', alertId, '--reason', 'Still relevant.'], { key: 'elmReviewer' });
    expect(early.code).toBe(8);
    expect(early.stderr).toMatch(/re-confirmed only in the 60 days before it expires, from \d{4}-/);
  }, 120_000);

  it('screens one booking: exit 4 on a match, 0 on none, identifiers from stdin or a file', async () => {
    const match = await screening(['check', '--phone', '(860) 555-0177'], { key: 'valleyDesk' });
    expect(match.code).toBe(4);
    expect(match.stdout).toMatch(
      /^MATCH \(strong confidence, on phone\): 1 published alert from 1 practice\. \(check chk_\S+\)\n {2}- sexual_misconduct, severity high, published \d{4}-\d{2}-\d{2}\nGuidance: /,
    );
    const asJson = await screening(['check', '--email', 'B.Flagstaff@example.org', '--json'], { key: 'valleyDesk' });
    expect(asJson.code).toBe(4);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ result: 'match', confidence: 'strong', matchedOn: ['email'] });
    const none = await screening(['check', '--name', canary.fullName, '--dob', canary.dateOfBirth, '--phone', canary.phone, '--email', canary.email], {
      key: 'valleyDesk',
    });
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^No match\. \(check chk_\S+\)\n$/);
    const fromStdin = await screening(['check', '--subject-file', '-'], {
      key: 'valleyDesk',
      stdin: `name: ${canary.fullName}\ndob: ${canary.dateOfBirth}\nphone: 860.555.0177\n`,
    });
    expect(fromStdin.code).toBe(4);
    write('canary-subject.json', JSON.stringify({ name: canary.fullName, email: canary.email }));
    expect((await screening(['check', '--subject-file', 'canary-subject.json'], { key: 'valleyDesk' })).code).toBe(0);
    const invalid = await screening(['check', '--phone', `${canary.phone}99999`, '--json'], { key: 'valleyDesk' });
    expect(invalid.code).toBe(5);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ error: { kind: 'rejected', status: 400, problem: { errors: [{ path: 'subject.phone' }] } } });
    const wrongRole = await screening(['check', '--phone', canary.phone], { key: 'auditor' });
    expect(wrongRole.code).toBe(6);
  }, 120_000);

  it('screens a CSV of bookings in chunks with progress, and writes refs and results only', async () => {
    const rows = [
      'ref,name,dob,phone,email',
      `bk-1,"${canary.fullName}",${canary.dateOfBirth},"${canary.phone}",${canary.email}`,
      'bk-2,,,,B.FLAGSTAFF@example.org',
      `bk-3,"${canary.fullName}",,,`,
      'bk-4,,,(860) 555-0177,',
    ];
    write('bookings.csv', `${rows.join('\n')}\n`);
    const run = await screening(['check-batch', 'bookings.csv', '--out', 'results.csv', '--chunk-size', '3'], { key: 'valleyDesk' });
    expect(run.code).toBe(4);
    expect(run.stderr).toBe('bookings screened 0/4\nbookings screened 3/4 (1 match)\nbookings screened 4/4 (2 matches)\n');
    expect(run.stdout).toMatch(
      /^Screened 4 bookings: 2 MATCHES\. Results: results\.csv\n {2}bk-2: match \(strong\) on email\n {2}bk-4: match \(strong\) on phone\n$/,
    );
    const results = read('results.csv').trimEnd().split('\n');
    expect(results[0]).toBe('ref,result,confidence,matched_on,alerts,reporting_practices,check_id');
    expect(results.slice(1).map((line) => line.split(',').slice(0, 4).join(','))).toEqual([
      'bk-1,no_match,,',
      'bk-2,match,strong,email',
      'bk-3,no_match,,',
      'bk-4,match,strong,phone',
    ]);
    expect(readdirSync(work).filter((name) => name.endsWith('.partial'))).toEqual([]);

    const json = await screening(['check-batch', 'bookings.csv', '--out', 'results2.csv', '--json'], { key: 'valleyDesk' });
    expect(JSON.parse(json.stdout)).toMatchObject({ screened: 4, matches: 2 });

    write('bad.csv', `ref,name,phone\nbk-1,"${canary.fullName}",${canary.phone}\nbk-2,"${canary.fullName}",12\n`);
    const bad = await screening(['check-batch', 'bad.csv', '--out', 'bad-results.csv'], { key: 'valleyDesk' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('line 3, phone: must be a valid phone number');
    expect(bad.stderr).toContain('nothing was screened');
    const noOut = await screening(['check-batch', 'bookings.csv'], { key: 'valleyDesk' });
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out FILE is required');
  }, 120_000);

  it('stops with exit 9 when the daily screening quota is used up, keeping what was screened', async () => {
    const rows = ['ref,phone', ...Array.from({ length: 70 }, (_, i) => `q-${i},${canary.phone}`)];
    write('many.csv', `${rows.join('\n')}\n`);
    const run = await screening(['check-batch', 'many.csv', '--out', 'many-results.csv', '--chunk-size', '50', '--max-wait', '5'], { key: 'harbourDesk' });
    expect(run.code).toBe(9);
    expect(run.stderr).toContain('Stopped after 50 of 70 bookings: their results are in');
    expect(run.stderr).toMatch(/Try again in \d+ seconds\./);
    expect(read('many-results.csv.partial').trimEnd().split('\n')).toHaveLength(51);
    expect(readdirSync(work)).not.toContain('many-results.csv');
  }, 120_000);

  it('shows, disputes, reinstates and retracts the alert; other practices get exit 7', async () => {
    const shown = await cli(['alert', 'show', alertId], { key: 'harbourDesk' });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(
        `^Alert ${alertId} is published \\(sexual_misconduct, severity high\\); submitted .*, published .*, expires .*\\.\\nReviews: approve, approve\\.\\nHistory:`,
      ),
    );
    expect((await cli(['alert', 'show', alertId], { key: 'valleyDesk' })).code).toBe(7);
    expect(
      (await cli(['alert', 'dispute', alertId, '--reason', 'Client disputes the account.', '--local-admin'], { env: { DATA_DIR: network.dataDir } })).stdout,
    ).toBe(`Alert ${alertId} is now suspended.\n`);
    expect((await screening(['check', '--phone', '8605550177'], { key: 'valleyDesk' })).code).toBe(0);
    expect((await cli(['alert', 'reinstate', alertId, '--reason', 'Upheld.', '--local-admin'], { env: { DATA_DIR: network.dataDir } })).stdout).toBe(
      `Alert ${alertId} is now published.\n`,
    );
    const retract = await cli(['alert', 'retract', alertId, '--reason', 'Entered against the wrong client.', '--json'], { key: 'harbourDesk' });
    expect(JSON.parse(retract.stdout)).toMatchObject({ alertId, status: 'retracted' });
    const again = await cli(['alert', 'retract', alertId, '--reason', 'Again.'], { key: 'harbourDesk' });
    expect(again.code).toBe(8);
    expect((await screening(['check', '--phone', '860-555-0177'], { key: 'valleyDesk' })).code).toBe(0);
  }, 120_000);

  it("exports the audit log (all pages), verifies it, and finds a person's checks by token", async () => {
    const today = isoDate(network.clock());
    const exported = await cli(['export', '--from', today, '--to', today, '--out', 'today.jsonl'], { key: 'auditor' });
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^Wrote today\.jsonl: \d+ entries/);
    expect(exported.stderr).toMatch(/^entries \d+\/\d+ \(page 1, \d+ KiB\)\n/);
    const verified = await cli(['verify', 'today.jsonl', '--key', 'key.json']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^VERIFIED: today\.jsonl holds \d+ entries/);
    expect((await cli(['verify', 'today.jsonl'])).code).toBe(3);
    const lines = read('today.jsonl').split('\n');
    write('cut.jsonl', [...lines.slice(0, 2), ...lines.slice(3)].join('\n'));
    const cut = await cli(['verify', 'cut.jsonl', '--key', 'key.json', '--json']);
    expect(cut.code).toBe(1);
    expect(JSON.parse(cut.stdout)).toMatchObject({ ok: false, verdict: 'failed' });

    const tokens = await cli(['audit', 'tokens', '--phone', '(860) 555-0177', '--json'], { key: 'auditor' });
    const phoneToken = (JSON.parse(tokens.stdout) as { tokens: { kind: string; token: string }[] }).tokens.find((t) => t.kind === 'phone')!.token;
    const found = await cli(['verify', 'today.jsonl', '--key', 'key.json', '--find-token', phoneToken]);
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(new RegExp(`token ${phoneToken.replace(/[-]/g, '\\-')}: in [1-9]\\d* booking\\(s\\)`));
    expect(found.stdout).toContain(`of practice ${network.net.practices.valley}`);

    const csv = await cli(['export', '--from', today, '--to', today, '--format', 'csv', '--out', 'today.csv'], { key: 'auditor' });
    expect(csv.code).toBe(0);
    // A CSV export's checkpoints come beside it (fetched through the API); the verifier needs them.
    expect((await cli(['verify', 'today.csv', '--key', 'key.json', '--manifest', 'today.csv.manifest.json'])).code).toBe(1);
    expect(
      (await cli(['verify', 'today.csv', '--key', 'key.json', '--manifest', 'today.csv.manifest.json', '--checkpoints', 'today.csv.checkpoints.jsonl'])).code,
    ).toBe(0);
    const backwards = await cli(['export', '--from', today, '--to', '2000-01-01', '--out', 'back.jsonl'], { key: 'auditor' });
    expect(backwards.code).toBe(5);
  }, 120_000);

  it('says why it cannot run: no key (6), no server (10), a bad command line (2)', async () => {
    const noKey = await cli(['review', 'queue']);
    expect(noKey.code).toBe(6);
    expect(noKey.stderr).toContain('No API key: set PEERGUARD_API_KEY, or pass --key-file FILE');
    const fromEnv = await cli(['review', 'queue', '--json'], { env: { PEERGUARD_API_KEY: network.net.keys.valleyReviewer.apiKey } });
    expect(fromEnv.code).toBe(0);
    expect(JSON.parse(fromEnv.stdout)).toEqual([]);
    const down = await cli(['health', '--url', 'http://127.0.0.1:9']);
    expect(down.code).toBe(10);
    expect(down.stderr).toContain('Cannot reach the Peerguard API at http://127.0.0.1:9');
    const usage = await cli(['alert', 'show'], { key: 'harbourDesk' });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Run "peerguard alert show --help"');
    // A value-taking option takes the next word whatever it is, so a missing value is a usage error only at the end.
    const missingValue = await cli(['check', '--phone'], { env: { PEERGUARD_API_KEY: network.net.keys.valleyDesk.apiKey } });
    expect(missingValue.code).toBe(2);
    expect(missingValue.stderr).toContain("Option '--phone <value>' argument missing");
  }, 60_000);

  it('never lets an identifier given to check or check-batch reach stdout, stderr or a file it wrote', () => {
    expect(screeningOutput.length).toBeGreaterThan(20);
    const written = readdirSync(work)
      .filter((name) => /results|\.partial$/.test(name))
      .map((name) => read(name));
    expect(written.length).toBeGreaterThanOrEqual(3);
    for (const text of [...screeningOutput, ...written]) {
      for (const needle of [...canaryNeedles, ...flaggedNeedles]) expect(text).not.toContain(needle);
    }
    // The sweep can fail: the canaries are in the bookings file the CLI read.
    expect(read('bookings.csv')).toContain('Vexgrove');
  });
});
