import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { attr } from '#shared/adapters/dynamo/tables.ts';
import { isoDate } from '#shared/dates.ts';
import type { AuditEntry } from '#shared/records.ts';
import { startLocalNetwork, type LocalNetwork } from '../support/local-network.ts';
import { startPeerServer, type PeerServer } from '../support/peer-server.ts';
import { intactChain } from '../support/audit-chain.ts';
import { alertBody } from '../support/story.ts';
import type { Call } from '../support/api-client.ts';

/**
 * Races through the HTTP API over real DynamoDB Local, split between two servers over the same
 * tables (two "Lambda containers", each with its own audit-append queue), so they meet in
 * DynamoDB's conditional writes and transactions. Each race runs several rounds, since a race
 * is won differently from one run to the next; every round must end in exactly one outcome,
 * with the alert's history, the token index, the audit chain and the quota ledger agreeing.
 */
const rounds = 5;
const checksPerMinute = 20;
// Several rounds of real requests each: more than the default 30 s on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

let network: LocalNetwork;
let peer: PeerServer;
let keys: LocalNetwork['net']['keys'];
let elmDesk: string;

beforeAll(async () => {
  // One audit chain for both servers, so their appends race for one head (many chains are raced in group-commit.test.ts).
  network = await startLocalNetwork({ CHECKS_PER_MINUTE: String(checksPerMinute), AUDIT_CHAINS: '1' });
  peer = await startPeerServer(network);
  keys = network.net.keys;
  const desk = await network.call('POST', '/v1/keys', {
    key: network.adminKey,
    body: { role: 'practice', practiceId: network.net.practices.elm, label: 'Elm front desk' },
  });
  expect(desk.status).toBe(201);
  elmDesk = desk.body.apiKey;
});
afterAll(async () => {
  await peer?.stop();
  await network?.stop();
});

/** The two servers, first and second; rounds alternate which one gets which side of a race. */
const servers = (round: number): [Call, Call] => (round % 2 === 0 ? [network.call, peer.call] : [peer.call, network.call]);

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

let subjects = 0;
const uniquePhone = () => `+1 860 555 ${String(2000 + subjects++).padStart(4, '0')}`;

/** Each round in a minute of its own, so the few checks of a round never meet the quota. */
const nextMinute = () => network.clock.set(new Date(Math.floor(network.clock().getTime() / 60_000) * 60_000 + 60_000 + 5_000));

async function submit(phone: string): Promise<string> {
  const answer = await network.call('POST', '/v1/alerts', { key: keys.harbourDesk.apiKey, body: alertBody(network.net.clause, { phone }) });
  expect(answer.status).toBe(201);
  return answer.body.alertId as string;
}

const review = (call: Call, key: string, alertId: string, decision: 'approve' | 'reject') =>
  call('POST', `/v1/alerts/${alertId}/reviews`, { key, body: { decision, reason: `${decision} in a race` } });

async function screen(phone: string): Promise<string> {
  const answer = await network.call('POST', '/v1/checks', { key: keys.valleyDesk.apiKey, body: { subject: { phone } } });
  expect(answer.status).toBe(200);
  return answer.body.result as string;
}

async function storedAlert(alertId: string) {
  const alert = await network.deps.alerts.get(alertId);
  expect(alert).toBeDefined();
  return alert!;
}

/** The whole chain, verified link by link. */
const chain = () => intactChain(network.deps.audit);
const actionsFor = (entries: readonly AuditEntry[], alertId: string) =>
  entries.filter((entry) => entry.targets.alertId === alertId).map((entry) => entry.action);

describe('racing review decisions over HTTP, two servers', () => {
  it('two approvals racing for a quorum of two both land and publish exactly once', async () => {
    for (let round = 0; round < rounds; round += 1) {
      nextMinute();
      const phone = uniquePhone();
      const alertId = await submit(phone);
      const [a, b] = servers(round);
      const answers = await Promise.all([review(a, keys.elmReviewer.apiKey, alertId, 'approve'), review(b, keys.valleyReviewer.apiKey, alertId, 'approve')]);
      expect(
        answers.map((answer) => answer.status),
        answers.map((answer) => answer.text).join('\n'),
      ).toEqual([200, 200]);
      // The first to land saw one approval, the second made the quorum.
      expect(answers.map((answer) => answer.body.status).sort()).toEqual(['pending_review', 'published']);

      const stored = await storedAlert(alertId);
      expect(stored.status).toBe('published');
      expect(stored.reviews).toHaveLength(2);
      expect(stored.history.map((entry) => entry.action)).toEqual(['submitted', 'approved', 'approved', 'published']);
      expect(actionsFor(await chain(), alertId)).toEqual(['alert.submitted', 'alert.approved', 'alert.approved', 'alert.published']);
      expect(await screen(phone)).toBe('match');
    }
  });

  it('an approval racing a rejection ends in exactly one outcome, and matching and the audit log agree with it', async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < rounds; round += 1) {
      nextMinute();
      const phone = uniquePhone();
      const alertId = await submit(phone);
      expect((await review(network.call, keys.elmReviewer.apiKey, alertId, 'approve')).status).toBe(200);
      const [a, b] = servers(round);
      const [approval, rejection] = await Promise.all([
        review(a, keys.valleyReviewer.apiKey, alertId, 'approve'),
        review(b, keys.elmReviewer2.apiKey, alertId, 'reject'),
      ]);
      // The loser finds the alert already decided: 409, never a second outcome.
      expect([approval.status, rejection.status].sort(), `${approval.text}\n${rejection.text}`).toEqual([200, 409]);

      const stored = await storedAlert(alertId);
      const winner = approval.status === 200 ? 'published' : 'rejected';
      outcomes.add(winner);
      expect(stored.status).toBe(winner);
      const actions = actionsFor(await chain(), alertId);
      if (winner === 'published') {
        expect(stored.history.map((entry) => entry.action)).toEqual(['submitted', 'approved', 'approved', 'published']);
        expect(actions).toEqual(['alert.submitted', 'alert.approved', 'alert.approved', 'alert.published']);
      } else {
        expect(stored.history.map((entry) => entry.action)).toEqual(['submitted', 'approved', 'rejected']);
        expect(actions).toEqual(['alert.submitted', 'alert.approved', 'alert.rejected']);
      }
      expect(await screen(phone)).toBe(winner === 'published' ? 'match' : 'no_match');
    }
    expect(outcomes.size).toBeGreaterThanOrEqual(1);
  });

  it('a dispute racing the publishing approval ends as one order or the other, never a mix', async () => {
    for (let round = 0; round < rounds + 3; round += 1) {
      nextMinute();
      const phone = uniquePhone();
      const alertId = await submit(phone);
      expect((await review(network.call, keys.elmReviewer.apiKey, alertId, 'approve')).status).toBe(200);
      const [a, b] = servers(round);
      // A dispute is quicker than a publication (no signing), so later rounds send it a little
      // later, to let it land on either side of the publication.
      const [approval, dispute] = await Promise.all([
        review(a, keys.valleyReviewer.apiKey, alertId, 'approve'),
        pause(round * 20).then(() =>
          b('POST', `/v1/alerts/${alertId}/disputes`, { key: network.adminKey, body: { reason: 'Client disputes through counsel.' } }),
        ),
      ]);
      // The approval always lands; the dispute lands only if the publication came first.
      expect(approval.status, approval.text).toBe(200);
      expect([200, 409], dispute.text).toContain(dispute.status);

      const stored = await storedAlert(alertId);
      const actions = actionsFor(await chain(), alertId);
      if (dispute.status === 200) {
        expect(dispute.body.status).toBe('suspended');
        expect(stored.status).toBe('suspended');
        expect(stored.history.map((entry) => entry.action)).toEqual(['submitted', 'approved', 'approved', 'published', 'disputed']);
        expect(actions).toEqual(['alert.submitted', 'alert.approved', 'alert.approved', 'alert.published', 'alert.disputed']);
        expect(await screen(phone)).toBe('no_match');
      } else {
        expect(stored.status).toBe('published');
        expect(stored.history.map((entry) => entry.action)).toEqual(['submitted', 'approved', 'approved', 'published']);
        expect(actions).toEqual(['alert.submitted', 'alert.approved', 'alert.approved', 'alert.published']);
        expect(await screen(phone)).toBe('match');
      }
    }
  });
});

describe('racing status moves over HTTP, two servers', () => {
  it('two disputes of one published alert at once: one suspends it, the other is 409, one entry', async () => {
    for (let round = 0; round < rounds; round += 1) {
      nextMinute();
      const phone = uniquePhone();
      const alertId = await submit(phone);
      for (const key of [keys.elmReviewer.apiKey, keys.valleyReviewer.apiKey]) expect((await review(network.call, key, alertId, 'approve')).status).toBe(200);
      const answers = await Promise.all(
        servers(round).map((call, i) => call('POST', `/v1/alerts/${alertId}/disputes`, { key: network.adminKey, body: { reason: `Dispute ${i}.` } })),
      );
      expect(answers.map((answer) => answer.status).sort(), answers.map((answer) => answer.text).join('\n')).toEqual([200, 409]);
      const stored = await storedAlert(alertId);
      expect(stored.status).toBe('suspended');
      expect(stored.history.filter((entry) => entry.action === 'disputed')).toHaveLength(1);
      expect(actionsFor(await chain(), alertId).filter((action) => action === 'alert.disputed')).toHaveLength(1);
      expect(await screen(phone)).toBe('no_match');
    }
  });
});

describe('idempotent submission racing itself over HTTP, two servers', () => {
  it('the same key and body sent ten times at once make one alert, ten identical answers and one audit entry', async () => {
    for (let round = 0; round < rounds; round += 1) {
      const body = alertBody(network.net.clause, { phone: uniquePhone() });
      const headers = { 'idempotency-key': `retry-storm-${round}` };
      const before = (await network.deps.audit.head())!.seq;
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => servers(i)[0]('POST', '/v1/alerts', { key: keys.harbourDesk.apiKey, body, headers })),
      );
      expect(
        answers.map((answer) => answer.status),
        answers.map((answer) => answer.text).join('\n'),
      ).toEqual(Array(10).fill(201));
      const alertIds = new Set(answers.map((answer) => answer.body.alertId as string));
      expect(alertIds.size).toBe(1);
      // The very same answer, receipt signature included: the first response, replayed
      // (as stored, so its keys may come back in another order).
      for (const answer of answers) expect(answer.body).toEqual(answers[0]!.body);

      const added = (await chain()).filter((entry) => entry.seq > before);
      expect(added.map((entry) => entry.action)).toEqual(['alert.submitted']);
      expect(added[0]!.targets.alertId).toBe([...alertIds][0]);
    }
  });

  it('the same key with two different bodies at once: one alert, and the other body is 409', async () => {
    for (let round = 0; round < rounds; round += 1) {
      const bodies = [alertBody(network.net.clause, { phone: uniquePhone() }), alertBody(network.net.clause, { phone: uniquePhone() })];
      const headers = { 'idempotency-key': `two-bodies-${round}` };
      const before = (await network.deps.audit.head())!.seq;
      const [a, b] = servers(round);
      const answers = await Promise.all([
        a('POST', '/v1/alerts', { key: keys.harbourDesk.apiKey, body: bodies[0], headers }),
        b('POST', '/v1/alerts', { key: keys.harbourDesk.apiKey, body: bodies[1], headers }),
      ]);
      expect(answers.map((answer) => answer.status).sort(), answers.map((answer) => answer.text).join('\n')).toEqual([201, 409]);
      const winner = answers.findIndex((answer) => answer.status === 201);
      const loser = answers[1 - winner]!;
      expect(loser.headers.get('content-type')).toContain('application/problem+json');

      const added = (await chain()).filter((entry) => entry.seq > before);
      expect(added.map((entry) => entry.action)).toEqual(['alert.submitted']);
      expect(added[0]!.targets.alertId).toBe(answers[winner]!.body.alertId);
      // A later retry of either body gets the same verdict it got in the race.
      const retries = await Promise.all(bodies.map((body) => network.call('POST', '/v1/alerts', { key: keys.harbourDesk.apiKey, body, headers })));
      expect(retries.map((retry) => retry.status)).toEqual(answers.map((answer) => answer.status));
      expect(retries[winner]!.body.alertId).toBe(answers[winner]!.body.alertId);
    }
  });
});

describe('many concurrent checks appending to the audit log, two servers', () => {
  it('each answered check has exactly one audit entry, refusals none, and the quota ledger counts exactly the answered ones', async () => {
    const matchingPhone = uniquePhone();
    const alertId = await submit(matchingPhone);
    for (const key of [keys.elmReviewer.apiKey, keys.valleyReviewer.apiKey]) expect((await review(network.call, key, alertId, 'approve')).status).toBe(200);

    const desks = { harbour: keys.harbourDesk.apiKey, valley: keys.valleyDesk.apiKey, elm: elmDesk };
    const perPractice = checksPerMinute + 4;
    const answered = new Map<string, number>(); // practice#day → the day's count expected
    const checkIds: string[] = [];
    let refused = 0;
    const documents = buildDocumentClient({ endpoint: network.config.DYNAMODB_ENDPOINT });
    const counter = async (practice: string, day: string) => {
      const { Item } = await documents.send(
        new GetCommand({
          TableName: network.config.MAIN_TABLE,
          Key: { [attr.pk]: `QUOTA#${network.net.practices[practice as keyof typeof desks]}`, [attr.sk]: `DAY#${day}` },
          ConsistentRead: true,
        }),
      );
      return Item as { dayCount: number; minute: string; minuteCount: number } | undefined;
    };
    const before = (await network.deps.audit.head())!.seq;

    for (let round = 0; round < 3; round += 1) {
      nextMinute();
      const day = isoDate(network.clock());
      // The day's count so far (earlier tests screened too), plus what this test gets answered.
      for (const practice of Object.keys(desks)) {
        const key = `${practice}#${day}`;
        answered.set(key, (answered.get(key) ?? (await counter(practice, day))?.dayCount ?? 0) + checksPerMinute);
      }
      const requests = Object.entries(desks).flatMap(([practice, key]) =>
        Array.from({ length: perPractice }, (_, i) => {
          const subject = i % 3 === 0 ? { phone: matchingPhone } : { phone: uniquePhone() };
          return servers(i)[0]('POST', '/v1/checks', { key, body: { subject } }).then((answer) => ({ practice, i, answer }));
        }),
      );
      const results = await Promise.all(requests);
      for (const practice of Object.keys(desks)) {
        const mine = results.filter((result) => result.practice === practice);
        const statuses = mine.map((result) => result.answer.status);
        expect(
          statuses.filter((status) => status !== 200 && status !== 429),
          mine.map((result) => result.answer.text).join('\n'),
        ).toEqual([]);
        // Exactly the quota is answered, however the requests interleave between the servers.
        expect(statuses.filter((status) => status === 200)).toHaveLength(checksPerMinute);
        for (const { i, answer } of mine) {
          if (answer.status === 429) {
            refused += 1;
            expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
            continue;
          }
          checkIds.push(answer.body.checkId);
          expect(answer.body.result).toBe(i % 3 === 0 ? 'match' : 'no_match');
        }
        const stored = await counter(practice, day);
        expect(stored?.minuteCount).toBe(checksPerMinute);
      }
    }

    const added = (await chain()).filter((entry) => entry.seq > before);
    const checks = added.filter((entry) => entry.action === 'check.performed');
    expect(added).toHaveLength(checks.length);
    expect(checks.map((entry) => entry.targets.checkId).sort()).toEqual([...checkIds].sort());
    expect(new Set(checkIds).size).toBe(checkIds.length);
    expect(checkIds).toHaveLength(3 * 3 * checksPerMinute);
    expect(refused).toBe(3 * 3 * (perPractice - checksPerMinute));
    for (const [practiceDay, count] of answered) {
      const [practice, day] = practiceDay.split('#') as [string, string];
      expect((await counter(practice, day))?.dayCount, practiceDay).toBe(count);
    }
  });
});
