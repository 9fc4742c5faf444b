import { describe, expect, it } from 'vitest';
import { metricNames } from '#shared/metric-names.ts';
import { contentDigest } from '#shared/audit/receipt-digest.ts';
import { canonicalJson, sha256Hex } from '#shared/canonical.ts';
import { decryptSummary } from '#shared/domain/alert-views.ts';
import { submitAlert } from '#shared/domain/alerts.ts';
import { publishClauseVersion } from '#shared/domain/clauses.ts';
import { verifyStatement } from '#shared/domain/signing.ts';
import { ConflictError, ForbiddenError, ValidationError } from '#shared/errors.ts';
import { parseInput, submitAlertSchema } from '#shared/schemas.ts';
import { canaryNormalised, canarySubject, canarySummary, submission, submissionJson, testNetwork } from '../fakes/fixtures.ts';

/** The field paths of the ValidationError a promise rejects with. */
async function failedPaths(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).errors!.map((e) => e.path);
}

describe('submitAlert', () => {
  it('stores a pending alert and answers with a receipt signed over the keyed digest of the canonical body', async () => {
    const { deps, clause, practiceA } = await testNetwork();
    const body = submission(clause);
    const response = await submitAlert(deps, practiceA, body);

    expect(response.status).toBe('pending_review');
    const { receipt } = response;
    expect(receipt).toMatchObject({
      alertId: response.alertId,
      practiceId: practiceA.practiceId,
      submittedAt: '2026-11-21T19:04:05Z',
      keyId: deps.signer.keyId,
    });
    expect(receipt.contentSha256).toBe(contentDigest(receipt.contentKey, body));
    expect(receipt.contentSha256).not.toBe(sha256Hex(canonicalJson(body)));
    const statement = { alertId: receipt.alertId, submittedAt: receipt.submittedAt, practiceId: receipt.practiceId, contentSha256: receipt.contentSha256 };
    const publicKeyPem = await deps.signer.publicKeyPem();
    expect(verifyStatement(publicKeyPem, statement, receipt.signature)).toBe(true);
    expect(verifyStatement(publicKeyPem, { ...statement, submittedAt: '2026-11-20T00:00:00Z' }, receipt.signature)).toBe(false);

    const stored = await deps.alerts.get(response.alertId);
    const { contentKey: _onlyInTheAnswer, ...storedReceipt } = receipt;
    expect(stored!.receipt).toEqual(storedReceipt);
    expect(stored).toMatchObject({ status: 'pending_review', version: 1, practiceId: practiceA.practiceId });
    expect(new Set(stored!.tokens.map((t) => t.kind))).toEqual(
      new Set(['phone', 'email', 'name', 'name_dob', 'pair_dob', 'nickname_dob', 'phonetic_dob', 'edit_dob', 'dob_variant']),
    );
    expect(await decryptSummary(deps, stored!)).toBe(canarySummary);
  });

  it('digests the body as the practice sent it, when the HTTP layer passes it on', async () => {
    const { deps, clause, practiceA } = await testNetwork();
    const sent = submissionJson(clause, { incident: { summary: `  ${canarySummary}\n` }, subject: { email: ' Zeb@Example.org ' } });
    const { receipt } = await submitAlert(deps, practiceA, parseInput(submitAlertSchema('US'), sent), { submitted: sent });
    expect(receipt.contentSha256).toBe(contentDigest(receipt.contentKey, sent));
  });

  it('stores, logs and notifies no raw identifier, normalised identifier or summary text', async () => {
    const { deps, clause, practiceA } = await testNetwork();
    await submitAlert(deps, practiceA, submission(clause), { idempotencyKey: 'idem-1' });

    const everything = JSON.stringify([deps.memory.alerts.dump(), deps.memory.tokenIndex.dump(), deps.sent, deps.logLines]);
    expect(everything).toContain(practiceA.practiceId); // the dump is not empty
    for (const secret of [...Object.values(canarySubject), ...canaryNormalised, canarySummary, 'Zebulon', 'Quixley']) {
      expect(everything).not.toContain(secret);
    }
  });

  it('tells the reviewers topic, with no identifier in the message', async () => {
    const { deps, clause, practiceA } = await testNetwork();
    const { alertId } = await submitAlert(deps, practiceA, submission(clause));
    expect(deps.sent).toEqual([{ topic: 'reviewers', type: 'alert.awaiting_review', alertId, category: 'sexual_misconduct', severity: 'high' }]);
  });

  it('still stores the alert when the notifier keeps failing: retries, keeps it in the outbox, logs without details, counts the failure', async () => {
    let attempts = 0;
    const failing = {
      publish: async () => {
        attempts += 1;
        throw new Error(`SNS down for ${canarySubject.email}`);
      },
    };
    const { deps, clause, practiceA } = await testNetwork({ notifier: failing });
    const { alertId } = await submitAlert(deps, practiceA, submission(clause));
    expect(await deps.alerts.get(alertId)).toBeDefined();
    expect(attempts).toBe(3);
    expect(deps.memory.outbox.kept).toEqual([
      expect.objectContaining({
        attempts: 3,
        notification: { topic: 'reviewers', type: 'alert.awaiting_review', alertId, category: 'sexual_misconduct', severity: 'high' },
      }),
    ]);
    expect(deps.logLines).toEqual([expect.objectContaining({ level: 'error', message: 'notification failed' })]);
    expect(JSON.stringify(deps.logLines)).not.toContain(canarySubject.email);
    expect(deps.counted).toEqual([metricNames.notificationPublishFailed]); // the operations alarm's metric
  });

  it('sends on the second attempt when the first fails, and keeps nothing', async () => {
    let attempts = 0;
    const flaky = {
      publish: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('throttled');
      },
    };
    const { deps, clause, practiceA } = await testNetwork({ notifier: flaky });
    await submitAlert(deps, practiceA, submission(clause));
    expect(attempts).toBe(2);
    expect(deps.memory.outbox.kept).toEqual([]);
    expect(deps.logLines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('needs a key that belongs to a practice', async () => {
    const { deps, clause, admin } = await testNetwork();
    await expect(submitAlert(deps, admin, submission(clause))).rejects.toThrow(ForbiddenError);
  });
});

describe('submitAlert consent and dates', () => {
  it('needs a published clause version', async () => {
    const { deps, clause, practiceA } = await testNetwork();
    expect(await failedPaths(submitAlert(deps, practiceA, submission(clause, { consent: { clauseVersion: 2 } })))).toEqual(['consent.clauseVersion']);
    expect(await failedPaths(submitAlert(deps, practiceA, submission(clause, { consent: { clauseId: `cls_${'0'.repeat(26)}` } })))).toEqual([
      'consent.clauseVersion',
    ]);
  });

  it('needs the sha256 of that version', async () => {
    const { deps, clause, practiceA, admin } = await testNetwork();
    const v2 = await publishClauseVersion(deps, admin, clause.clauseId, { text: `${clause.text} (revised)` });
    const v1WithV2Hash = submission(clause, { consent: { clauseSha256: v2.sha256 } });
    expect(await failedPaths(submitAlert(deps, practiceA, v1WithV2Hash))).toEqual(['consent.clauseSha256']);
    // Both versions stay valid when cited with their own hash.
    await expect(submitAlert(deps, practiceA, submission(clause))).resolves.toMatchObject({ status: 'pending_review' });
    await expect(submitAlert(deps, practiceA, submission(v2))).resolves.toMatchObject({ status: 'pending_review' });
  });

  it('refuses consent signed after the incident', async () => {
    const { deps, clause, practiceA } = await testNetwork();
    const late = submission(clause, { incident: { occurredOn: '2026-10-01' }, consent: { signedOn: '2026-10-02' } });
    expect(await failedPaths(submitAlert(deps, practiceA, late))).toEqual(['consent.signedOn']);
    const sameDay = submission(clause, { incident: { occurredOn: '2026-10-01' }, consent: { signedOn: '2026-10-01' } });
    await expect(submitAlert(deps, practiceA, sameDay)).resolves.toBeDefined();
  });

  it('refuses dates in the future, each named', async () => {
    const { deps, clause, practiceA } = await testNetwork(); // today is 2026-11-21
    const future = submission(clause, { subject: { dateOfBirth: '2026-11-22' }, incident: { occurredOn: '2026-11-23' }, consent: { signedOn: '2026-11-22' } });
    expect((await failedPaths(submitAlert(deps, practiceA, future))).sort()).toEqual(['consent.signedOn', 'incident.occurredOn', 'subject.dateOfBirth']);
    const today = submission(clause, { incident: { occurredOn: '2026-11-21' }, consent: { signedOn: '2026-11-21' } });
    await expect(submitAlert(deps, practiceA, today)).resolves.toBeDefined();
  });

  it('stores nothing when it refuses', async () => {
    const { deps, clause, practiceA } = await testNetwork();
    await submitAlert(deps, practiceA, submission(clause, { consent: { clauseVersion: 9 } })).catch(() => undefined);
    expect(deps.memory.alerts.dump()).toEqual({ alerts: [], idempotency: [] });
    expect(deps.sent).toEqual([]);
  });
});

describe('submitAlert with an Idempotency-Key', () => {
  it('answers the same body again with the first response and creates nothing', async () => {
    const { deps, clause, practiceA } = await testNetwork();
    const first = await submitAlert(deps, practiceA, submission(clause), { idempotencyKey: 'key-1' });
    deps.clock.advanceMs(60_000);
    const again = await submitAlert(deps, practiceA, submission(clause), { idempotencyKey: 'key-1' });
    expect(again).toEqual(first);
    expect(deps.memory.alerts.dump().alerts).toHaveLength(1);
    expect(deps.sent).toHaveLength(1);
  });

  it('remembers the key only as a digest, since a caller may put anything in it', async () => {
    const { deps, clause, practiceA } = await testNetwork();
    const key = 'Quixley-Marchetti-1979-03-14';
    const first = await submitAlert(deps, practiceA, submission(clause), { idempotencyKey: key });
    expect(JSON.stringify(deps.memory.alerts.dump().idempotency)).not.toContain('Quixley');
    expect(await submitAlert(deps, practiceA, submission(clause), { idempotencyKey: key })).toEqual(first);
  });

  it('refuses the same key with a different body', async () => {
    const { deps, clause, practiceA } = await testNetwork();
    await submitAlert(deps, practiceA, submission(clause), { idempotencyKey: 'key-1' });
    await expect(submitAlert(deps, practiceA, submission(clause, { incident: { severity: 'low' } }), { idempotencyKey: 'key-1' })).rejects.toThrow(
      ConflictError,
    );
    await expect(submitAlert(deps, practiceA, submission(clause, { subject: { phone: '(860) 555-0142' } }), { idempotencyKey: 'key-1' })).rejects.toThrow(
      ConflictError,
    );
    expect(deps.memory.alerts.dump().alerts).toHaveLength(1);
  });

  it('keeps keys apart per practice and forgets them after 24 hours', async () => {
    const { deps, clause, practiceA, practiceB } = await testNetwork();
    const first = await submitAlert(deps, practiceA, submission(clause), { idempotencyKey: 'key-1' });
    const otherPractice = await submitAlert(deps, practiceB, submission(clause), { idempotencyKey: 'key-1' });
    expect(otherPractice.alertId).not.toBe(first.alertId);
    deps.clock.advanceDays(1);
    const dayLater = await submitAlert(deps, practiceA, submission(clause), { idempotencyKey: 'key-1' });
    expect(dayLater.alertId).not.toBe(first.alertId);
    expect(deps.memory.alerts.dump().alerts).toHaveLength(3);
  });

  it('settles a race that both requests saw no record for when the create lands', async () => {
    const net = await testNetwork();
    // The second request looked before the first one's write landed: its lookup finds nothing.
    const deps = { ...net.deps, alerts: { ...net.deps.memory.alerts, getIdempotency: async () => undefined } };
    const first = await submitAlert(deps, net.practiceA, submission(net.clause), { idempotencyKey: 'key-1' });
    const second = await submitAlert(deps, net.practiceA, submission(net.clause), { idempotencyKey: 'key-1' });
    expect(second).toEqual(first);
    await expect(submitAlert(deps, net.practiceA, submission(net.clause, { incident: { severity: 'low' } }), { idempotencyKey: 'key-1' })).rejects.toThrow(
      ConflictError,
    );
    expect(net.deps.memory.alerts.dump().alerts).toHaveLength(1);
  });
});
