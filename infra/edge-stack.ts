import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { StageConfig } from './stage-config.ts';

/** A web ACL for CloudFront (scope CLOUDFRONT) can only be created in this region. */
export const edgeRegion = 'us-east-1';
/** The output of the edge stack the web stack reads (Fn::GetStackOutput) to attach the web ACL. */
export const webAclArnOutput = 'WebAclArn';

/** The problem document (RFC 9457) WAF answers with when a client goes over a rate limit. */
export const rateLimitedBody = JSON.stringify({
  type: 'https://peerguard.dev/problems/too-many-requests',
  title: 'Too many requests',
  status: 429,
  detail: 'This client sent more requests than the network allows in a few minutes. Wait a minute, then try again more slowly.',
});

export interface PeerguardEdgeStackProps extends StackProps {
  readonly stage: string;
  readonly config: StageConfig;
}

/**
 * The per-client limits in front of everything CloudFront serves: an AWS WAF web ACL with
 * rate-based rules (per API key, per IP address) and two AWS managed rule groups. It lives in
 * us-east-1, where CloudFront web ACLs must be, whatever region the rest of the stage is in;
 * the web stack attaches it to the distribution by reading this stack's output.
 */
export class PeerguardEdgeStack extends Stack {
  readonly webAcl: CfnWebACL;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PeerguardEdgeStackProps) {
    super(scope, id, props);
    const { stage, config } = props;
    const limits = config.edge;
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: false, metricName: `peerguard-${stage}-${name}` });
    const apiPaths: CfnWebACL.StatementProperty = {
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'STARTS_WITH',
        searchString: '/v1/',
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    };
    const tooManyRequests: CfnWebACL.RuleActionProperty = {
      block: { customResponse: { responseCode: 429, customResponseBodyKey: 'TooManyRequests' } },
    };
    const managed = (priority: number, name: string): CfnWebACL.RuleProperty => ({
      name,
      priority,
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      overrideAction: { none: {} },
      visibilityConfig: metric(name),
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `peerguard-${stage}`,
      description: `Peerguard ${stage}: per-client rate limits in front of the console and the API`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: metric('web-acl'),
      customResponseBodies: { TooManyRequests: { contentType: 'APPLICATION_JSON', content: rateLimitedBody } },
      rules: [
        managed(0, 'AWSManagedRulesAmazonIpReputationList'),
        managed(1, 'AWSManagedRulesKnownBadInputsRuleSet'),
        {
          // One API key (the whole Authorization header, as sent) over its limit is refused on its own.
          name: 'ApiPerKey',
          priority: 10,
          action: tooManyRequests,
          statement: {
            rateBasedStatement: {
              limit: limits.apiRequestsPerKeyPerMinute,
              evaluationWindowSec: 60,
              aggregateKeyType: 'CUSTOM_KEYS',
              customKeys: [{ header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } }],
              scopeDownStatement: apiPaths,
            },
          },
          visibilityConfig: metric('api-per-key'),
        },
        {
          // Requests without a key (health, webhooks, guessed keys) and many keys from one address.
          name: 'ApiPerIp',
          priority: 11,
          action: tooManyRequests,
          statement: {
            rateBasedStatement: {
              limit: limits.apiRequestsPerIpPer5Minutes,
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
              scopeDownStatement: apiPaths,
            },
          },
          visibilityConfig: metric('api-per-ip'),
        },
        {
          name: 'AllPerIp',
          priority: 12,
          action: tooManyRequests,
          statement: {
            rateBasedStatement: { limit: limits.requestsPerIpPer5Minutes, evaluationWindowSec: 300, aggregateKeyType: 'IP' },
          },
          visibilityConfig: metric('all-per-ip'),
        },
      ],
    });

    // WAF logs only what it blocked, and never the Authorization header (the API key itself).
    this.logGroup = new LogGroup(this, 'WafLogs', {
      logGroupName: `aws-waf-logs-peerguard-${stage}`,
      retention: config.accessLogRetentionDays as RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [this.logGroup.logGroupArn],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [{ ActionCondition: { Action: 'BLOCK' } }],
          },
        ],
      },
    });

    new CfnOutput(this, webAclArnOutput, { value: this.webAcl.attrArn, description: 'ARN of the CloudFront web ACL' });
  }
}
