import { Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { findingIdPattern, skipAcknowledgmentsContextKey } from '#infra/nag.ts';
import { buildApp } from '#infra/peerguard-stack.ts';
import { cdkContext, nagFindings as findings, synth } from './support.ts';

function acknowledgments(root: IConstruct): { path: string; id: string; reason: string; construct: IConstruct }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([key, reason]) => ({
          path: construct.node.path,
          id: key.replace(/^annotation::/i, ''),
          reason,
          construct,
        })),
      ),
  );
}

const acknowledged = synth(); // cdk-nag registered as in `cdk synth`: synthesis itself would fail on a finding
const raw = synth({ [skipAcknowledgmentsContextKey]: true }, { nag: false });
const rawFindings = findings(raw.app);
const acks = acknowledgments(acknowledged.app);

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  it('leaves no unacknowledged finding', () => {
    expect(findings(acknowledged.app)).toEqual([]);
  });

  it('fails synthesis on a new finding (the packs run as validation plugins)', () => {
    const { app, data } = buildApp({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
    new Queue(data, 'Careless', {}); // no TLS-only policy, no dead-letter queue
    expect(() => app.synth()).toThrow(/SQS queue does not require requests to use SSL[\s\S]*PeerguardData\/Careless/);
  });

  it('every acknowledgment names one finding, on the construct that has it, with a specific reason', () => {
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(findingIdPattern);
      expect(Stack.isStack(ack.construct), `${ack.id} on a whole stack`).toBe(false);
      expect(ack.construct.node.scope, `${ack.id} on the app`).toBeDefined();
      expect(ack.reason.trim().length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(40);
      expect(ack.reason).not.toMatch(/^(n\/?a|ok|fine|not needed|suppress(ed)?|todo)\b/i);
      const matched = rawFindings.filter((f) => f.rule === ack.id && f.path.startsWith(`${ack.path}/`));
      expect(matched, `${ack.id} at ${ack.path} matches exactly one finding`).toHaveLength(1);
    }
  });

  it('every raw finding is covered by exactly one acknowledgment (none unused, none blanket)', () => {
    for (const finding of rawFindings) {
      const covering = acks.filter((a) => a.id === finding.rule && finding.path.startsWith(`${a.path}/`));
      expect(covering, `${finding.rule} at ${finding.path}`).toHaveLength(1);
    }
    expect(rawFindings).toHaveLength(acks.length);
  });

  it('acknowledges only what cannot be fixed: X-Ray and seal-object wildcards, synchronous functions, DLQs, the public routes (health probe, OpenAPI document)', () => {
    const byRule = new Map<string, number>();
    for (const { id } of acks) byRule.set(id, (byRule.get(id) ?? 0) + 1);
    expect(Object.fromEntries([...byRule].sort())).toEqual({
      'AwsSolutions-APIG4': 2,
      'AwsSolutions-IAM5[Resource::*]': 9,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::peerguard-dev-seals-<AWS::AccountId>-<AWS::Region>/*]': 1,
      'AwsSolutions-SQS3': 1,
      'Serverless-LambdaDLQ': 8,
      'Serverless-SQSRedrivePolicy': 2,
    });
  });
});
