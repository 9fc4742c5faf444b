import { Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { findingIdPattern, skipAcknowledgmentsContextKey } from '#infra/nag.ts';
import { buildApp } from '#infra/peerguard-stack.ts';
import { cdkContext, nagFindings as findings, stageSettings, synth, testContext } from './support.ts';

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
    const { app, data } = buildApp({ context: testContext(), builtinCloudFormationValidation: false });
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

  const byRule = (...stacks: string[]) => {
    const counts = new Map<string, number>();
    for (const { id, path } of acks) if (stacks.includes(path.split('/')[0]!)) counts.set(id, (counts.get(id) ?? 0) + 1);
    return Object.fromEntries([...counts].sort());
  };

  it("acknowledges only what cannot be fixed: X-Ray, stream-listing, seal-object and copy-object wildcards, synchronous and stream-invoked functions, DLQs, the public routes (health probe, OpenAPI document, statistics summary, Cal.com's signed webhook)", () => {
    expect(byRule('PeerguardData', 'Peerguard')).toEqual({
      'AwsSolutions-APIG4': 4,
      'AwsSolutions-IAM5[Resource::*]': 13,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::peerguard-dev-seals-<AWS::AccountId>-<AWS::Region>/*]': 1,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::peerguard-dev-audit-<AWS::AccountId>-<AWS::Region>/*]': 1,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::peerguard-dev-audit-<AWS::AccountId>-<AWS::Region>/changes/*]': 1,
      'AwsSolutions-SQS3': 2,
      'Serverless-LambdaDLQ': 11,
      'Serverless-SQSRedrivePolicy': 3,
    });
    expect(byRule('PeerguardEdge')).toEqual({});
  });

  it('on the web stack: the default certificate, no geo restriction, and the CDK function that copies the built files into the bucket', () => {
    expect(byRule('PeerguardWeb')).toEqual({
      'AwsSolutions-CFR1': 1,
      'AwsSolutions-CFR4': 1,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]': 1,
      'AwsSolutions-IAM5[Action::s3:Abort*]': 1,
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]': 1,
      'AwsSolutions-IAM5[Action::s3:GetBucket*]': 1,
      'AwsSolutions-IAM5[Action::s3:GetObject*]': 1,
      'AwsSolutions-IAM5[Action::s3:List*]': 1,
      'AwsSolutions-IAM5[Resource::*]': 1,
      'AwsSolutions-IAM5[Resource::<SiteBucket397A1860.Arn>/*]': 1,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]': 1,
      'AwsSolutions-L1': 1,
      'Serverless-LambdaDLQ': 1,
      'Serverless-LambdaLatestVersion': 1,
      'Serverless-LambdaTracing': 1,
    });
    const deploymentAcks = acks.filter((ack) => ack.path.startsWith('PeerguardWeb/Custom::CDKBucketDeployment'));
    expect(deploymentAcks).toHaveLength(13);
    for (const ack of deploymentAcks) expect(ack.reason).toMatch(/^The CDK BucketDeployment function/);
  });

  it('a stage with its own domain and a country allowlist needs neither web acknowledgment (TLS 1.2, geo restriction)', () => {
    const context = stageSettings('dev', {
      edge: {
        ...(cdkContext['peerguard:stages'] as Record<string, { edge: object }>).dev!.edge,
        allowedCountries: ['US', 'CA'],
        domainName: 'console.example.org',
        certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
      },
    });
    const own = synth(context);
    expect(findings(own.app)).toEqual([]);
    const ownAcks = acknowledgments(own.app).map((ack) => ack.id);
    expect(ownAcks).not.toContain('AwsSolutions-CFR1');
    expect(ownAcks).not.toContain('AwsSolutions-CFR4');
    const config = own.webTemplate.toJSON().Resources[own.web.getLogicalId(own.web.distribution.node.defaultChild as never)].Properties.DistributionConfig;
    expect(config.Restrictions.GeoRestriction).toEqual({ RestrictionType: 'whitelist', Locations: ['US', 'CA'] });
    expect(config.ViewerCertificate).toMatchObject({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    expect(config.Aliases).toEqual(['console.example.org']);
  });
});
