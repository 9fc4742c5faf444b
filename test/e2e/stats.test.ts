import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/run.ts';
import { startLocalNetwork, type LocalNetwork } from '../support/local-network.ts';
import { alertBody } from '../support/story.ts';

/**
 * GET /v1/stats (admin) and GET /v1/stats/summary (public) over HTTP against DynamoDB Local, with
 * k configured to 2 (STATS_MIN_CONTRIBUTORS): two practices report and screen each other's
 * clients. Every answer is checked against the OpenAPI document by the test client.
 */
let local: LocalNetwork;
const hidden = { suppressed: true, reason: 'fewer_than_k_practices' };
const shown = (value: number) => ({ suppressed: false, value });

beforeAll(async () => {
  local = await startLocalNetwork({ STATS_MIN_CONTRIBUTORS: '2' });
}, 60_000);
afterAll(() => local?.stop());

const keys = () => local.net.keys;
async function publish(deskKey: string, email: string, reviewerKeys: string[]): Promise<string> {
  const submitted = await local.call('POST', '/v1/alerts', { key: deskKey, body: alertBody(local.net.clause, { email }) });
  expect(submitted.status, submitted.text).toBe(201);
  for (const key of reviewerKeys) {
    const decided = await local.call('POST', `/v1/alerts/${submitted.body.alertId}/reviews`, {
      key,
      body: { decision: 'approve', reason: 'Consent and account checked.' },
    });
    expect(decided.status, decided.text).toBe(200);
  }
  return submitted.body.alertId as string;
}
const check = async (key: string, email: string) => {
  const answer = await local.call('POST', '/v1/checks', { key, body: { subject: { email } } });
  expect(answer.status, answer.text).toBe(200);
  return answer.body.result as string;
};

describe('network statistics over HTTP', () => {
  it('a network where nothing has happened shows nothing but suppressed figures', async () => {
    const answer = await local.call('GET', '/v1/stats/summary');
    expect(answer.status).toBe(200);
    expect(answer.body.k).toBe(2);
    expect(answer.body.alerts.submitted).toEqual(hidden);
    expect(answer.body.checks.total).toEqual(hidden);
  });

  it('counts two practices reporting and screening, for the admin and for the public', async () => {
    await publish(keys().harbourDesk.apiKey, 'one@example.org', [keys().elmReviewer.apiKey, keys().valleyReviewer.apiKey]);
    await publish(keys().valleyDesk.apiKey, 'two@example.org', [keys().elmReviewer.apiKey, keys().harbourReviewer.apiKey]);
    expect(await check(keys().valleyDesk.apiKey, 'one@example.org')).toBe('match');
    expect(await check(keys().harbourDesk.apiKey, 'two@example.org')).toBe('match');
    expect(await check(keys().harbourDesk.apiKey, 'nobody@example.org')).toBe('no_match');
    expect(await check(keys().valleyDesk.apiKey, 'nobody@example.org')).toBe('no_match');

    const full = await local.call('GET', '/v1/stats', { key: local.adminKey });
    expect(full.status, full.text).toBe(200);
    expect(full.body.alerts.submitted).toEqual(shown(2));
    expect(full.body.alerts.byStatus.published).toEqual(shown(2));
    expect(full.body.alerts.byStatus.rejected).toEqual(hidden);
    expect(full.body.alerts.bySeverity.high).toEqual(shown(2));
    expect(full.body.outcomes.published).toEqual(shown(2));
    expect(full.body.reviewTimes.decided).toEqual(shown(2));
    expect(full.body.reviewTimes.medianHoursAtMost).toEqual(shown(1));
    expect(full.body.checks.total).toEqual(shown(4));
    expect(full.body.checks.perDay.at(-1).checks).toEqual(shown(4));
    expect(full.body.checks.matches.strong).toEqual(shown(2));
    expect(full.body.checks.matchRate.strong).toEqual(shown(0.5));
    expect(full.body.notices.quotaExceeded).toEqual(hidden);

    // The public summary: no key, the same figures, cacheable, and not one id of anything.
    const summary = await local.call('GET', '/v1/stats/summary');
    expect(summary.status).toBe(200);
    expect(summary.headers.get('cache-control')).toBe('public, max-age=300');
    const { perDay: _perDay, ...checks } = full.body.checks;
    expect(summary.body).toEqual({
      k: 2,
      window: full.body.window,
      alerts: { published: full.body.alerts.byStatus.published, submitted: full.body.alerts.submitted, byCategory: full.body.alerts.byCategory },
      outcomes: full.body.outcomes,
      reviewTimes: full.body.reviewTimes,
      checks,
      rescreen: full.body.rescreen,
    });
    expect(summary.text).not.toMatch(/prc_|alt_|key_|chk_|example\.org/);
    // A key, any key, changes nothing about the public answer.
    expect((await local.call('GET', '/v1/stats/summary', { key: keys().harbourDesk.apiKey })).body).toEqual(summary.body);
  });

  it("the full breakdown is the admin's only", async () => {
    const answer = await local.call('GET', '/v1/stats', { key: keys().harbourDesk.apiKey });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('peerguard stats', () => {
  /** The command in-process, against the server, with the admin key in a key file. */
  async function stats(args: string[]) {
    const cwd = mkdtempSync(join(tmpdir(), 'peerguard-stats-cli-'));
    writeFileSync(join(cwd, 'admin.key'), `${local.adminKey}\n`);
    let stdout = '';
    let stderr = '';
    try {
      const code = await runCli(['stats', ...args], {
        stdout: (chunk) => void (stdout += chunk),
        stderr: (chunk) => void (stderr += chunk),
        readStdin: async () => '',
        stderrIsTTY: false,
        env: { PEERGUARD_URL: local.baseUrl },
        cwd,
      });
      return { code, stdout, stderr };
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }

  it('prints the figures, hidden ones as hidden, for the admin and (with --public) for anyone', async () => {
    const admin = await stats(['--key-file', 'admin.key']);
    expect(admin.code, admin.stderr).toBe(0);
    expect(admin.stdout).toContain('figures behind fewer than 2 practices or alerts are hidden');
    expect(admin.stdout).toContain('submitted: 2;');
    expect(admin.stdout).toContain('rejected hidden (fewer than 2 practices)');
    expect(admin.stdout).toMatch(/bookings screened: 4; matches strong 2 \(50\.00%\)/);
    expect(admin.stdout).toContain('Security notices: over quota hidden (fewer than 2 practices)');

    const open = await stats(['--public', '--json']);
    expect(open.code, open.stderr).toBe(0);
    expect(JSON.parse(open.stdout)).toEqual((await local.call('GET', '/v1/stats/summary')).body);

    // Without --public the breakdown needs a key: exit 6, as for any refused key.
    expect((await stats([])).code).toBe(6);
  });
});
