import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { buildSnsNotifier } from '#shared/adapters/sns-notifier.ts';
import { notifySafely } from '#shared/domain/notify.ts';
import type { Notification } from '#shared/records.ts';
import { buildTestDeps } from '../fakes/deps.ts';
import './support.ts';

const arns = {
  reviewers: 'arn:aws:sns:eu-west-2:111122223333:peerguard-reviewers',
  practices: 'arn:aws:sns:eu-west-2:111122223333:peerguard-practices',
  security: 'arn:aws:sns:eu-west-2:111122223333:peerguard-security',
};
const sns = mockClient(SNSClient);
const notifier = buildSnsNotifier(new SNSClient({ region: 'eu-west-2', maxAttempts: 1 }), arns);
const awaitingReview: Notification = { topic: 'reviewers', type: 'alert.awaiting_review', alertId: 'alert-1', category: 'harassment', severity: 'high' };
const published: Notification = {
  topic: 'practices',
  type: 'alert.published',
  practiceId: 'prc-1',
  alertId: 'alert-1',
  category: 'harassment',
  severity: 'high',
  at: '2026-11-21T19:04:05Z',
};
const overQuota: Notification = {
  topic: 'security',
  type: 'screening.quota_exceeded',
  practiceId: 'prc-2',
  window: 'minute',
  limit: 120,
  at: '2026-11-21T19:04:05Z',
};

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('SNS notifier', () => {
  it('publishes to the reviewers topic with the type as a message attribute', async () => {
    await notifier.publish(awaitingReview);
    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      TopicArn: arns.reviewers,
      Subject: 'Peerguard: alert.awaiting_review',
      MessageAttributes: { type: { DataType: 'String', StringValue: 'alert.awaiting_review' } },
    });
  });

  it('tells practices on their topic with the practice id as the attribute their subscription filters on', async () => {
    await notifier.publish(published);
    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      TopicArn: arns.practices,
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'alert.published' },
        practiceId: { DataType: 'String', StringValue: 'prc-1' },
      },
    });
  });

  it('sends security notices to the security topic', async () => {
    await notifier.publish(overQuota);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: arns.security });
    expect(JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!)).toStrictEqual({
      type: 'screening.quota_exceeded',
      practiceId: 'prc-2',
      window: 'minute',
      limit: 120,
      at: '2026-11-21T19:04:05Z',
    });
  });

  it('sends exactly the notification fields as the JSON message, nothing a caller slipped in', async () => {
    await notifier.publish({ ...awaitingReview, summary: 'canary-summary', phone: '+18605550199' } as Notification);
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!);
    expect(message).toStrictEqual({ type: 'alert.awaiting_review', alertId: 'alert-1', category: 'harassment', severity: 'high' });
  });

  it('rejects when SNS fails (the domain decides whether to swallow it)', async () => {
    sns.on(PublishCommand).rejects(new Error('SNS unavailable'));
    await expect(notifier.publish(awaitingReview)).rejects.toThrow('SNS unavailable');
  });

  it('a publish that fails once is retried and sent; one that keeps failing is kept and logged, and the caller goes on', async () => {
    const deps = buildTestDeps({ notifier });
    sns.on(PublishCommand).rejectsOnce(new Error('Throttling')).resolves({ MessageId: 'm-2' });
    await notifySafely(deps, published);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
    expect(deps.memory.outbox.kept).toEqual([]);

    sns.reset();
    sns.on(PublishCommand).rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));
    await expect(notifySafely(deps, published)).resolves.toBeUndefined();
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 3);
    expect(deps.memory.outbox.kept).toEqual([expect.objectContaining({ attempts: 3, notification: published })]);
    expect(deps.logLines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'notification failed',
        extra: [expect.objectContaining({ topic: 'practices', errorName: 'KMSDisabledException' })],
      }),
    );
  });
});
