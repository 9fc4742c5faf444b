import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { buildSnsNotifier } from '#shared/adapters/sns-notifier.ts';
import type { Notification } from '#shared/ports.ts';
import './support.ts';

const reviewersArn = 'arn:aws:sns:eu-west-2:111122223333:peerguard-reviewers';
const sns = mockClient(SNSClient);
const notifier = buildSnsNotifier(new SNSClient({ region: 'eu-west-2' }), { reviewers: reviewersArn });
const notification: Notification = { type: 'alert.awaiting_review', alertId: 'alert-1', category: 'harassment', severity: 'high' };

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('SNS notifier', () => {
  it('publishes to the reviewers topic with the type as a message attribute', async () => {
    await notifier.publish('reviewers', notification);
    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      TopicArn: reviewersArn,
      Subject: 'Peerguard: alert.awaiting_review',
      MessageAttributes: { type: { DataType: 'String', StringValue: 'alert.awaiting_review' } },
    });
  });

  it('sends exactly the notification fields as the JSON message', async () => {
    await notifier.publish('reviewers', notification);
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!);
    expect(message).toStrictEqual({ type: 'alert.awaiting_review', alertId: 'alert-1', category: 'harassment', severity: 'high' });
  });

  it('rejects when SNS fails (the domain decides whether to swallow it)', async () => {
    sns.on(PublishCommand).rejects(new Error('SNS unavailable'));
    await expect(notifier.publish('reviewers', notification)).rejects.toThrow('SNS unavailable');
  });
});
