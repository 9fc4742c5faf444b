import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { edgeRegion, rateLimitedBody, webAclArnOutput } from '#infra/edge-stack.ts';
import { functionNames } from '#infra/grants.ts';
import { buildApp } from '#infra/peerguard-stack.ts';
import { reservedConcurrencyOf } from '#infra/stage-config.ts';
import { contentSecurityPolicy } from '#infra/web-headers.ts';
import { siteRequestFunction, WebAssetsMissingError, webAssetsContextKey } from '#infra/web-stack.ts';
import { asArray, refId, synth, testContext, type Json } from './support.ts';

const built = synth();
const { config, view } = built;
const web = built.webTemplate.toJSON();
const edge = built.edgeTemplate.toJSON();
const ofType = (template: Json, type: string): [string, Json][] => Object.entries<Json>(template.Resources).filter(([, r]) => r.Type === type);
const only = (template: Json, type: string): [string, Json] => {
  const found = ofType(template, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};

const [distributionId, distribution] = only(web, 'AWS::CloudFront::Distribution');
const dist = distribution.Properties.DistributionConfig;
const [headersId, headers] = only(web, 'AWS::CloudFront::ResponseHeadersPolicy');
const [siteBucketId] = ofType(web, 'AWS::S3::Bucket').find(([id]) => id.startsWith('SiteBucket'))!;
const [logsBucketId, logsBucket] = ofType(web, 'AWS::S3::Bucket').find(([id]) => id.startsWith('WebLogsBucket'))!;
const apiBehaviour = asArray<Json>(dist.CacheBehaviors).find((b) => b.PathPattern === '/v1/*');
const originOf = (behaviour: Json) => asArray<Json>(dist.Origins).find((o) => o.Id === behaviour.TargetOriginId);

/** CloudFront's managed policies, by the ids AWS publishes. */
const managed = {
  cachingDisabled: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
  cachingOptimized: '658327ea-f89d-4fab-a63d-7e88639e58f6',
  allViewerExceptHostHeader: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
};

describe('stacks', () => {
  it('the web ACL lives in us-east-1, the site beside the API; the distribution reads the ACL from the edge stack', () => {
    expect(built.edge.stackName).toBe('Peerguard-dev-edge');
    expect(built.edge.region).toBe(edgeRegion);
    expect(built.web.stackName).toBe('Peerguard-dev-web');
    expect(built.web.environment).toBe(built.stack.environment);
    expect(built.web.dependencies).toEqual(expect.arrayContaining([built.edge, built.stack, built.data]));
    expect(dist.WebACLId).toEqual({ 'Fn::GetStackOutput': { StackName: 'Peerguard-dev-edge', Region: 'us-east-1', OutputName: webAclArnOutput } });
    const [aclId] = only(edge, 'AWS::WAFv2::WebACL');
    expect(edge.Outputs[webAclArnOutput].Value).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
  });

  it('refuses to synthesise without the built console and API reference, and says how to build them', () => {
    const empty = mkdtempSync(join(tmpdir(), 'peerguard-no-web-'));
    expect(() => buildApp({ context: testContext({ [webAssetsContextKey]: empty }) }, { nag: false })).toThrow(WebAssetsMissingError);
    expect(() => buildApp({ context: testContext({ [webAssetsContextKey]: empty }) }, { nag: false })).toThrow(
      /console\/index\.html \(the console \(built by Vite\)\) and .*docs\/index\.html \(the API reference page served at \/docs\) are missing\. Build them first with `npm run build`/,
    );
    mkdirSync(join(empty, 'console'));
    writeFileSync(join(empty, 'console', 'index.html'), '<!doctype html>');
    expect(() => buildApp({ context: testContext({ [webAssetsContextKey]: empty }) }, { nag: false })).toThrow(/docs\/index\.html .* is missing/);
  });
});

describe('security headers on every answer', () => {
  const policy = headers.Properties.ResponseHeadersPolicyConfig;
  const security = policy.SecurityHeadersConfig;

  it('a Content-Security-Policy with no inline script and no third-party origin', () => {
    expect(security.ContentSecurityPolicy).toEqual({ ContentSecurityPolicy: contentSecurityPolicy, Override: true });
    const directives = new Map(contentSecurityPolicy.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1).join(' ')]));
    expect(Object.fromEntries(directives)).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'connect-src': "'self'",
      'img-src': "'self' data:",
      'frame-ancestors': "'none'",
      'base-uri': "'none'",
      'form-action': "'self'",
    });
    expect(contentSecurityPolicy).not.toMatch(/unsafe-|https?:|\*|blob:|nonce-|sha256-/);
  });

  it('HSTS for two years with subdomains, no framing, no referrer, no sniffing; each replacing what an origin sent', () => {
    expect(security.StrictTransportSecurity).toEqual({ AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true });
    expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(security.ReferrerPolicy).toEqual({ ReferrerPolicy: 'no-referrer', Override: true });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(Object.fromEntries(asArray<Json>(policy.CustomHeadersConfig.Items).map((h) => [h.Header, h.Value]))).toEqual({
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    });
    expect(asArray<Json>(policy.RemoveHeadersConfig.Items).map((h) => h.Header)).toContain('Server');
  });

  it('on the console, /docs and the API alike', () => {
    expect(refId(dist.DefaultCacheBehavior.ResponseHeadersPolicyId)).toBe(headersId);
    expect(asArray<Json>(dist.CacheBehaviors)).toHaveLength(1);
    expect(refId(apiBehaviour.ResponseHeadersPolicyId)).toBe(headersId);
  });
});

describe('the site bucket', () => {
  const bucket = web.Resources[siteBucketId].Properties;

  it('is private and encrypted, and logs its access', () => {
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(bucket.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    expect(bucket.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsBucketId }, LogFilePrefix: 'site-bucket/' });
    expect(bucket.WebsiteConfiguration).toBeUndefined();
  });

  it('is read by this distribution only, through origin access control, and only over TLS', () => {
    const [, policy] = ofType(web, 'AWS::S3::BucketPolicy').find(([, p]) => refId(p.Properties.Bucket) === siteBucketId)!;
    const statements = asArray<Json>(policy.Properties.PolicyDocument.Statement);
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' } });
    expect(JSON.stringify(allows[0].Condition.StringEquals['AWS:SourceArn'])).toContain(distributionId);
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const s3Origin = originOf(dist.DefaultCacheBehavior);
    expect(refId(s3Origin.DomainName)).toBe(siteBucketId);
    const [oacId, oac] = only(web, 'AWS::CloudFront::OriginAccessControl');
    expect(refId(s3Origin.OriginAccessControlId)).toBe(oacId);
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
  });

  it('receives the built console at the root and the API reference under docs/, each replacing its own part', () => {
    const deployments = ofType(web, 'Custom::CDKBucketDeployment').map(([, r]) => r.Properties);
    expect(deployments).toHaveLength(2);
    const consoleDeployment = deployments.find((d) => d.DestinationBucketKeyPrefix === undefined);
    const docsDeployment = deployments.find((d) => d.DestinationBucketKeyPrefix === 'docs/');
    for (const d of [consoleDeployment, docsDeployment]) {
      expect(refId(d.DestinationBucketName)).toBe(siteBucketId);
      expect(d.Prune).toBe(true);
      expect(d.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
      expect(refId(d.DistributionId)).toBe(distributionId);
    }
    expect(consoleDeployment.Exclude).toEqual(['docs/*']); // its prune leaves the reference page alone
    expect(consoleDeployment.DistributionPaths).toEqual(['/*']);
    expect(docsDeployment.DistributionPaths).toEqual(['/docs/*']);
  });
});

describe('the distribution', () => {
  it('serves the console from S3 over HTTPS, cached, GET and HEAD only', () => {
    const behaviour = dist.DefaultCacheBehavior;
    expect(dist.DefaultRootObject).toBe('index.html');
    expect(behaviour.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(behaviour.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(behaviour.CachePolicyId).toBe(managed.cachingOptimized);
    expect(asArray<Json>(behaviour.FunctionAssociations).map((f) => [f.EventType, refId(f.FunctionARN)])).toEqual([
      ['viewer-request', only(web, 'AWS::CloudFront::Function')[0]],
    ]);
  });

  it('routes /v1/* to the HTTP API on the same origin: every method, never cached, every header but Host, TLS 1.2', () => {
    expect(apiBehaviour.ViewerProtocolPolicy).toBe('https-only');
    expect(apiBehaviour.AllowedMethods.sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    expect(apiBehaviour.CachePolicyId).toBe(managed.cachingDisabled);
    expect(apiBehaviour.OriginRequestPolicyId).toBe(managed.allViewerExceptHostHeader);
    const origin = originOf(apiBehaviour);
    expect(origin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'], OriginReadTimeout: 30 });
    const [apiId] = view.ofType('app', 'AWS::ApiGatewayV2::Api')[0]!;
    const parts = origin.DomainName['Fn::Join'][1];
    const exported = Object.values<Json>(built.appTemplate.toJSON().Outputs).find((o) => o.Export?.Name === parts[0]['Fn::ImportValue']);
    expect(refId(exported.Value)).toBe(apiId);
    expect(parts.slice(1)).toEqual(['.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]);
  });

  it('maps no error to a page: the API answers its own 403 and 404 problem documents', () => {
    expect(dist.CustomErrorResponses).toBeUndefined();
  });

  it('logs requests to the logs bucket, without cookies', () => {
    expect(dist.Logging).toEqual({ Bucket: { 'Fn::GetAtt': [logsBucketId, 'RegionalDomainName'] }, IncludeCookies: false, Prefix: 'cloudfront/' });
    expect(logsBucket.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(config.accessLogRetentionDays);
    expect(logsBucket.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
  });
});

describe('the site request function', () => {
  const handler = new Function(`${siteRequestFunction}; return handler;`)() as (event: Json) => Json;
  const request = (uri: string) => handler({ request: { uri, method: 'GET', headers: {}, querystring: {} } });

  it.each([
    ['/', '/index.html'],
    ['/index.html', '/index.html'],
    ['/assets/index-4f2a.js', '/assets/index-4f2a.js'],
    ['/screen', '/index.html'],
    ['/alerts/alt_01J9Z', '/index.html'],
    ['/docs/', '/docs/index.html'],
    ['/docs/reference', '/docs/index.html'],
    ['/docs/assets/scalar.css', '/docs/assets/scalar.css'],
  ])('%s is served from %s', (uri, served) => {
    expect(request(uri).uri).toBe(served);
  });

  it('redirects /docs to /docs/ so the page resolves its relative assets', () => {
    expect(request('/docs')).toEqual({ statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/docs/' } } });
  });
});

describe('rate limits at the edge (AWS WAF)', () => {
  const [, acl] = only(edge, 'AWS::WAFv2::WebACL');
  const rules = new Map<string, Json>(asArray<Json>(acl.Properties.Rules).map((r) => [r.Name, r]));
  const rate = (name: string) => rules.get(name)!.Statement.RateBasedStatement;

  it('a CloudFront web ACL that allows by default', () => {
    expect(acl.Properties.Scope).toBe('CLOUDFRONT');
    expect(acl.Properties.DefaultAction).toEqual({ Allow: {} });
    expect([...rules.keys()]).toEqual(['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesKnownBadInputsRuleSet', 'ApiPerKey', 'ApiPerIp', 'AllPerIp']);
  });

  it('per API key on /v1/, per minute, with the limit from the stage settings', () => {
    expect(rate('ApiPerKey')).toMatchObject({
      Limit: config.edge.apiRequestsPerKeyPerMinute,
      EvaluationWindowSec: 60,
      AggregateKeyType: 'CUSTOM_KEYS',
      CustomKeys: [{ Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }],
    });
    expect(rate('ApiPerKey').ScopeDownStatement.ByteMatchStatement).toMatchObject({
      FieldToMatch: { UriPath: {} },
      PositionalConstraint: 'STARTS_WITH',
      SearchString: '/v1/',
    });
  });

  it('per IP address on /v1/ and on everything, per 5 minutes', () => {
    expect(rate('ApiPerIp')).toMatchObject({ Limit: config.edge.apiRequestsPerIpPer5Minutes, EvaluationWindowSec: 300, AggregateKeyType: 'IP' });
    expect(rate('ApiPerIp').ScopeDownStatement.ByteMatchStatement.SearchString).toBe('/v1/');
    expect(rate('AllPerIp')).toEqual({ Limit: config.edge.requestsPerIpPer5Minutes, EvaluationWindowSec: 300, AggregateKeyType: 'IP' });
  });

  it('answers 429 with a problem document a client can act on', () => {
    for (const name of ['ApiPerKey', 'ApiPerIp', 'AllPerIp']) {
      expect(rules.get(name)!.Action, name).toEqual({ Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'TooManyRequests' } } });
    }
    expect(acl.Properties.CustomResponseBodies.TooManyRequests).toEqual({ ContentType: 'APPLICATION_JSON', Content: rateLimitedBody });
    expect(JSON.parse(rateLimitedBody)).toMatchObject({ type: 'https://peerguard.dev/problems/too-many-requests', status: 429 });
  });

  it('logs only blocked requests, with the API key and cookies redacted', () => {
    const [, logging] = only(edge, 'AWS::WAFv2::LoggingConfiguration');
    const [groupId, group] = only(edge, 'AWS::Logs::LogGroup');
    expect(group.Properties.LogGroupName).toBe('aws-waf-logs-peerguard-dev');
    expect(JSON.stringify(logging.Properties.LogDestinationConfigs)).toContain(groupId);
    expect(logging.Properties.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }]);
    expect(logging.Properties.LoggingFilter).toEqual({
      DefaultBehavior: 'DROP',
      Filters: [{ Behavior: 'KEEP', Requirement: 'MEETS_ANY', Conditions: [{ ActionCondition: { Action: 'BLOCK' } }] }],
    });
  });
});

describe('reserved concurrency', () => {
  it.each(functionNames)('%s runs at most as many instances as the stage settings reserve for it', (name) => {
    expect(view.fn(name).props.ReservedConcurrentExecutions).toBe(reservedConcurrencyOf(config, name));
  });

  it('dev reserves more for the authorizer and screening than for the rest, and one sweeper at a time', () => {
    expect(reservedConcurrencyOf(config, 'authorizer')).toBe(20);
    expect(reservedConcurrencyOf(config, 'checks')).toBe(20);
    expect(reservedConcurrencyOf(config, 'sweeper')).toBe(1);
    expect(reservedConcurrencyOf(config, 'health')).toBe(config.reservedConcurrency.default);
  });
});
