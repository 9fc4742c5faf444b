import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, isoDate } from '#shared/dates.ts';
import { startLocalNetwork, type LocalNetwork } from '../support/local-network.ts';
import { alertBody } from '../support/story.ts';

/**
 * The reads the web console is built on, over HTTP against DynamoDB Local: who a key is, the
 * practices and keys (never a secret or its hash), alert lists paged newest first, a reviewer's
 * decided alerts, and the network overview from counters kept as the network works.
 */
const perMinute = 6;
let local: LocalNetwork;
let oak: string;
let oakDesk: string;

const keys = () => local.net.keys;
const submit = async (key: string, email: string) => {
  const answer = await local.call('POST', '/v1/alerts', { key, body: alertBody(local.net.clause, { email }) });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.alertId as string;
};
const decide = async (alertId: string, key: string, decision: 'approve' | 'reject') => {
  const answer = await local.call('POST', `/v1/alerts/${alertId}/reviews`, { key, body: { decision, reason: 'Consent and account checked.' } });
  expect(answer.status, answer.text).toBe(200);
};

beforeAll(async () => {
  local = await startLocalNetwork({ CHECKS_PER_MINUTE: String(perMinute) });
  // Mid-minute tomorrow: after the network set up today, so what these tests create is the newest.
  local.clock.set(`${isoDate(addDays(new Date(), 1))}T10:15:20Z`);
  // A fourth practice whose alerts only these tests make.
  oak = (await local.call('POST', '/v1/practices', { key: local.adminKey, body: { name: 'Oak Lane Massage', region: 'CT' } })).body.practiceId;
  oakDesk = (await local.call('POST', '/v1/keys', { key: local.adminKey, body: { role: 'practice', practiceId: oak, label: 'Oak front desk' } })).body.apiKey;
}, 60_000);

afterAll(() => local?.stop());

describe('GET /v1/me', () => {
  it('says which key, role and practice the console acts as', async () => {
    const desk = await local.call('GET', '/v1/me', { key: keys().harbourDesk.apiKey });
    expect(desk.status).toBe(200);
    expect(desk.body).toEqual({
      keyId: keys().harbourDesk.keyId,
      role: 'practice',
      practiceId: local.net.practices.harbour,
      practiceName: 'Harbour Massage',
      label: 'Harbour front desk',
    });
    const counsel = await local.call('GET', '/v1/me', { key: keys().auditor.apiKey });
    expect(counsel.body).toEqual({ keyId: keys().auditor.keyId, role: 'auditor', label: 'Counsel' });
  });
});

describe('GET /v1/practices and GET /v1/keys (admin)', () => {
  it('lists every practice, oldest first', async () => {
    const answer = await local.call('GET', '/v1/practices', { key: local.adminKey });
    expect(answer.status).toBe(200);
    const names = answer.body.items.map((p: { name: string }) => p.name);
    // The test clock stands still while the network is set up: those three share an instant, Oak came a day later.
    expect(names.slice(0, 3).sort()).toEqual(['Elm Street Bodywork', 'Harbour Massage', 'Valley Therapy']);
    expect(names[3]).toBe('Oak Lane Massage');
    expect(answer.body.items[3]).toEqual({ practiceId: oak, name: 'Oak Lane Massage', region: 'CT', createdAt: expect.any(String) });
  });

  it('lists keys, revoked ones with revokedAt, never a secret or its hash', async () => {
    const spare = await local.call('POST', '/v1/keys', {
      key: local.adminKey,
      body: { role: 'reviewer', practiceId: local.net.practices.harbour, label: 'Harbour spare' },
    });
    expect((await local.call('DELETE', `/v1/keys/${spare.body.keyId}`, { key: local.adminKey })).status).toBe(204);
    const all = await local.call('GET', '/v1/keys', { key: local.adminKey });
    expect(all.status).toBe(200);
    const harbour = await local.call('GET', `/v1/keys?practiceId=${local.net.practices.harbour}`, { key: local.adminKey });
    // The two made at set-up share an instant (the test clock stands still), so their order is the ids'; the spare came later.
    expect(harbour.body.items.slice(0, 2).sort((a: { label: string }, b: { label: string }) => a.label.localeCompare(b.label))).toEqual([
      {
        keyId: keys().harbourDesk.keyId,
        role: 'practice',
        practiceId: local.net.practices.harbour,
        label: 'Harbour front desk',
        createdAt: expect.any(String),
      },
      {
        keyId: keys().harbourReviewer.keyId,
        role: 'reviewer',
        practiceId: local.net.practices.harbour,
        label: 'Harbour reviewer',
        createdAt: expect.any(String),
      },
    ]);
    expect(harbour.body.items.slice(2)).toEqual([
      {
        keyId: spare.body.keyId,
        role: 'reviewer',
        practiceId: local.net.practices.harbour,
        label: 'Harbour spare',
        createdAt: expect.any(String),
        revokedAt: expect.any(String),
      },
    ]);
    expect(all.body.items.map((k: { keyId: string }) => k.keyId)).toEqual(
      expect.arrayContaining([...Object.values(keys()).map((k) => k.keyId), spare.body.keyId]),
    );
    for (const secret of [...Object.values(keys()).map((k) => k.apiKey), local.adminKey, spare.body.apiKey]) {
      const sha256 = createHash('sha256').update(secret).digest('hex');
      for (const answer of [all, harbour]) {
        expect(answer.text).not.toContain(secret.split('.')[2]);
        expect(answer.text).not.toContain(sha256);
      }
    }
  });

  it('a practice id that names no practice is a 404; one that is not a practice id a 400', async () => {
    expect((await local.call('GET', `/v1/keys?practiceId=prc_${'0'.repeat(26)}`, { key: local.adminKey })).status).toBe(404);
    const bad = await local.call('GET', `/v1/keys?practiceId=${keys().auditor.keyId}`, { key: local.adminKey });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'practiceId', message: 'must be a practice id as returned by this API' }]);
  });
});

describe('GET /v1/alerts', () => {
  it("pages a practice's alerts newest first with an opaque cursor, each page filled", async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      made.push(await submit(oakDesk, `oak-${i}@example.org`));
      local.clock.advanceMs(1_000);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await local.call('GET', `/v1/alerts?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: oakDesk });
      expect(answer.status, answer.text).toBe(200);
      pages += 1;
      expect(answer.body.items.length).toBe(pages < 3 ? 2 : 1);
      seen.push(...answer.body.items.map((item: { alertId: string }) => item.alertId));
      cursor = answer.body.nextCursor;
      if (cursor) expect(cursor).not.toContain('alt_');
    } while (cursor);
    expect(seen).toEqual([...made].reverse());
  });

  it('filters by the status a reader sees now, for the practice and for the admin', async () => {
    const kept = await submit(oakDesk, 'oak-kept@example.org');
    const retracted = await submit(oakDesk, 'oak-retracted@example.org');
    await decide(retracted, keys().elmReviewer.apiKey, 'approve');
    await decide(retracted, keys().valleyReviewer.apiKey, 'approve');
    expect((await local.call('POST', `/v1/alerts/${retracted}/retract`, { key: oakDesk, body: { reason: 'Entered in error.' } })).status).toBe(200);
    const list = async (key: string, status: string) => {
      const answer = await local.call('GET', `/v1/alerts?status=${status}&limit=100`, { key });
      expect(answer.status).toBe(200);
      expect(answer.body.items.every((item: { status: string }) => item.status === status)).toBe(true);
      return answer.body.items.map((item: { alertId: string }) => item.alertId);
    };
    expect(await list(oakDesk, 'retracted')).toEqual([retracted]);
    expect(await list(oakDesk, 'pending_review')).toContain(kept);
    expect(await list(oakDesk, 'pending_review')).not.toContain(retracted);
    expect(await list(local.adminKey, 'retracted')).toEqual([retracted]);
    const asAdmin = await local.call('GET', '/v1/alerts?status=retracted', { key: local.adminKey });
    expect(asAdmin.body.items[0]).toMatchObject({ alertId: retracted, practiceId: oak, status: 'retracted' });
  });

  it('refuses a cursor it did not issue and a limit out of range, each with the field named', async () => {
    const answer = await local.call('GET', '/v1/alerts?limit=0&cursor=bm90LW91cnM', { key: oakDesk });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['cursor', 'limit']);
    const cursor = await local.call('GET', '/v1/alerts?cursor=bm90LW91cnM', { key: oakDesk });
    expect(cursor.status).toBe(400);
    expect(cursor.body.errors).toEqual([{ path: 'cursor', message: 'is not a cursor this API issued; start again without one' }]);
  });
});

describe('GET /v1/reviews/decided', () => {
  it('lists what this reviewer decided, latest decision first, as the reviewer sees it', async () => {
    const first = await submit(oakDesk, 'oak-decided-1@example.org');
    const second = await submit(oakDesk, 'oak-decided-2@example.org');
    await decide(first, keys().elmReviewer2.apiKey, 'approve');
    local.clock.advanceMs(1_000);
    await decide(second, keys().elmReviewer2.apiKey, 'reject');
    const answer = await local.call('GET', '/v1/reviews/decided', { key: keys().elmReviewer2.apiKey });
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((item: { alertId: string; status: string }) => [item.alertId, item.status])).toEqual([
      [second, 'rejected'],
      [first, 'pending_review'],
    ]);
    expect(answer.body.items[1].reviews).toEqual([
      { reviewer: 'Reviewer A', mine: true, decision: 'approve', reason: 'Consent and account checked.', decidedAt: expect.any(String) },
    ]);
    expect(answer.text).not.toContain(oak);
    const other = await local.call('GET', '/v1/reviews/decided', { key: keys().valleyReviewer.apiKey });
    expect(other.body.items.map((item: { alertId: string }) => item.alertId)).not.toContain(first);
  });
});

describe('GET /v1/overview', () => {
  const overview = async () => {
    const answer = await local.call('GET', '/v1/overview', { key: local.adminKey });
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const countAlerts = async () => {
    const answer = await local.call('GET', '/v1/alerts?limit=100', { key: local.adminKey });
    const counts: Record<string, number> = {};
    for (const item of answer.body.items as { status: string }[]) counts[item.status] = (counts[item.status] ?? 0) + 1;
    return counts;
  };

  it('counts alerts by status as they move, and a refused move moves nothing', async () => {
    const pending = await submit(keys().harbourDesk.apiKey, 'overview-pending@example.org');
    const published = await submit(keys().harbourDesk.apiKey, 'overview-published@example.org');
    await decide(published, keys().elmReviewer.apiKey, 'approve');
    await decide(published, keys().valleyReviewer.apiKey, 'approve');
    const before = await overview();
    expect((await local.call('POST', `/v1/alerts/${pending}/disputes`, { key: local.adminKey, body: { reason: 'Not published yet.' } })).status).toBe(409);
    expect((await overview()).alertsByStatus).toEqual(before.alertsByStatus);
    expect((await local.call('POST', `/v1/alerts/${published}/disputes`, { key: local.adminKey, body: { reason: 'Client disputes it.' } })).status).toBe(200);
    const after = await overview();
    expect(after.alertsByStatus.published).toBe(before.alertsByStatus.published - 1);
    expect(after.alertsByStatus.suspended).toBe(before.alertsByStatus.suspended + 1);
    const { alertsByStatus } = after;
    expect(Object.fromEntries(Object.entries(alertsByStatus).filter(([, n]) => n !== 0))).toEqual(await countAlerts());
  });

  it('counts checks and matches per UTC day for the last 14 days, and lists the security notices', async () => {
    const today = isoDate(addDays(new Date(), 2));
    local.clock.set(`${today}T09:00:30Z`);
    const flagged = await submit(keys().harbourDesk.apiKey, 'overview-flagged@example.org');
    await decide(flagged, keys().elmReviewer.apiKey, 'approve');
    await decide(flagged, keys().valleyReviewer.apiKey, 'approve');
    const checks = await local.call('POST', '/v1/checks/batch', {
      key: keys().valleyDesk.apiKey,
      body: {
        bookings: [
          { ref: 'a', subject: { email: 'overview-flagged@example.org' } },
          { ref: 'b', subject: { email: 'nobody@example.org' } },
          { ref: 'c', subject: { email: 'nobody2@example.org' } },
        ],
      },
    });
    expect(checks.status).toBe(200);
    const single = await local.call('POST', '/v1/checks', { key: keys().valleyDesk.apiKey, body: { subject: { email: 'overview-flagged@example.org' } } });
    expect(single.body.result).toBe('match');
    // Over the per-minute quota: refused, not counted, and the security topic hears of it once.
    const refused = await local.call('POST', '/v1/checks/batch', {
      key: keys().valleyDesk.apiKey,
      body: { bookings: [1, 2, 3].map((i) => ({ ref: `r${i}`, subject: { email: `r${i}@example.org` } })) },
    });
    expect(refused.status).toBe(429);

    const { checksPerDay, notices } = await overview();
    expect(checksPerDay).toHaveLength(14);
    expect(checksPerDay.at(-1)).toEqual({ day: today, checks: 4, matches: 2 });
    expect(checksPerDay[0].day).toBe(isoDate(addDays(new Date(`${today}T00:00:00Z`), -13)));
    expect(checksPerDay.filter((day: { checks: number }) => day.checks > 0).map((day: { day: string }) => day.day)).toEqual([today]);
    expect(notices[0]).toEqual({
      type: 'screening.quota_exceeded',
      practiceId: local.net.practices.valley,
      window: 'minute',
      limit: perMinute,
      at: `${today}T09:00:30Z`,
    });
    expect(local.notifications().filter((n) => n.type === 'screening.quota_exceeded')).toHaveLength(1);
    // Registering the network's practices and keys told the security topic, and the overview lists it.
    expect(notices.map((n: { type: string }) => n.type)).toEqual(expect.arrayContaining(['governance.practice_created', 'governance.key_created']));
  });
});
