import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  GeoRestriction,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  SSLMethod,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { edgeRegion, webAclArnOutput } from './edge-stack.ts';
import { acknowledge } from './nag.ts';
import { repoRoot } from './peerguard-function.ts';
import type { StageConfig } from './stage-config.ts';
import { contentSecurityPolicy, hstsMaxAgeSeconds, webSecurityHeaders } from './web-headers.ts';

/** Context key naming the folder that holds the built `console/` and `docs/` (default `dist/` in the repository). */
export const webAssetsContextKey = 'peerguard:web-assets';
export const defaultWebAssets = join(repoRoot, 'dist');

/** What the distribution serves from S3, by the folder under the assets folder, and where. */
export const webRoots = [
  { folder: 'console', prefix: '', what: 'the console (built by Vite)' },
  { folder: 'docs', prefix: 'docs/', what: 'the API reference page served at /docs' },
] as const;

export class WebAssetsMissingError extends Error {
  override readonly name = 'WebAssetsMissingError';
}

export type WebAssetFolders = Record<(typeof webRoots)[number]['folder'], string>;

/** The built folders, or one error naming each one missing and how to build it. */
export function webAssetFolders(assets: string): WebAssetFolders {
  const missing = webRoots.filter((root) => !existsSync(join(assets, root.folder, 'index.html')));
  if (missing.length > 0) {
    throw new WebAssetsMissingError(
      `Cannot synthesise the web stack: ${missing.map((root) => `${join(assets, root.folder, 'index.html')} (${root.what})`).join(' and ')} ` +
        `${missing.length === 1 ? 'is' : 'are'} missing. Build them first with \`npm run build\` (\`npm run synth\` does so before synthesising).`,
    );
  }
  return Object.fromEntries(webRoots.map((root) => [root.folder, join(assets, root.folder)])) as WebAssetFolders;
}

/**
 * A CloudFront Function on requests for the site (not the API): `/docs` becomes `/docs/`, a
 * path under /docs/ without a file extension serves the reference page, and any other path
 * without a file extension serves the console's index.html (its own routes). A CloudFront
 * error page mapping would do the same for the API's 403 and 404 answers, so it is not used.
 */
export const siteRequestFunction = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/docs') {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/docs/' } } };
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = uri.indexOf('/docs/') === 0 ? '/docs/index.html' : '/index.html';
  }
  return request;
}
`;

export interface PeerguardWebStackProps extends StackProps {
  readonly stage: string;
  readonly config: StageConfig;
  readonly api: IHttpApi;
  /** The logs key of the data stack: the deployment function's log group is encrypted with it. */
  readonly logsKey: IKey;
  /** Name of the edge stack (us-east-1) whose output is the web ACL's ARN. */
  readonly edgeStackName: string;
  /** The built console and API reference (`webAssetFolders`). */
  readonly assets: WebAssetFolders;
}

/**
 * The console and the API reference in a private, encrypted S3 bucket behind CloudFront (origin
 * access control), with `/v1/*` routed to the HTTP API on the same origin (no CORS), strict
 * security headers on every answer, and the edge stack's web ACL in front of all of it.
 */
export class PeerguardWebStack extends Stack {
  readonly siteBucket: Bucket;
  readonly logsBucket: Bucket;
  readonly distribution: Distribution;
  readonly headers: ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: PeerguardWebStackProps) {
    super(scope, id, props);
    const { stage, config } = props;
    const folders = props.assets;

    // CloudFront standard logs need a bucket that accepts ACLs; S3 server access logs of the site bucket go here too.
    this.logsBucket = new Bucket(this, 'WebLogsBucket', {
      encryption: BucketEncryption.S3_MANAGED, // neither CloudFront nor S3 access logging delivers to SSE-KMS buckets
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(config.accessLogRetentionDays) }],
    });

    this.siteBucket = new Bucket(this, 'SiteBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'site-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Peerguard ${stage}: strict security headers on every answer`,
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.seconds(hstsMaxAgeSeconds), includeSubdomains: true, override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        contentTypeOptions: { override: true },
      },
      customHeadersBehavior: {
        customHeaders: ['Cross-Origin-Opener-Policy', 'Permissions-Policy'].map((header) => ({
          header,
          value: webSecurityHeaders[header]!,
          override: true,
        })),
      },
      removeHeaders: ['Server', 'X-Amz-Apigw-Id', 'X-Amzn-Trace-Id'],
    });

    const siteRequests = new CloudFrontFunction(this, 'SiteRequests', {
      comment: 'Console routes to index.html, /docs to the API reference',
      code: FunctionCode.fromInline(siteRequestFunction),
      runtime: FunctionRuntime.JS_2_0,
    });

    const apiOrigin = new HttpOrigin(`${props.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      readTimeout: Duration.seconds(30),
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Peerguard ${stage}: console, /docs and /v1 API`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      webAclId: Fn.getStackOutput(props.edgeStackName, webAclArnOutput, edgeRegion),
      ...(config.edge.domainName && config.edge.certificateArn
        ? {
            domainNames: [config.edge.domainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', config.edge.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
            sslSupportMethod: SSLMethod.SNI,
          }
        : {}),
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
      logIncludesCookies: false,
      ...(config.edge.allowedCountries.length > 0 ? { geoRestriction: GeoRestriction.allowlist(...config.edge.allowedCountries) } : {}),
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        compress: true,
        functionAssociations: [{ function: siteRequests, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        // The API: never cached; every header but Host (API Gateway routes by its own host name),
        // the Authorization header included, which CloudFront forwards only when caching is off.
        '/v1/*': {
          origin: apiOrigin,
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: this.headers,
          compress: true,
        },
      },
    });

    // The built files. Each deployment replaces its part of the bucket (the console's leaves docs/ alone)
    // and invalidates the distribution's cache. Browsers revalidate every file (ETag), so a new console
    // is picked up on the next load.
    const deploymentLogs = new LogGroup(this, 'SiteDeploymentLogs', {
      retention: config.logRetentionDays as RetentionDays,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const deployments = webRoots.map(
      (root) =>
        new BucketDeployment(this, `Deploy-${root.folder}`, {
          sources: [Source.asset(folders[root.folder])],
          destinationBucket: this.siteBucket,
          destinationKeyPrefix: root.prefix || undefined,
          exclude: root.prefix === '' ? webRoots.filter((other) => other.prefix !== '').map((other) => `${other.prefix}*`) : undefined,
          prune: true,
          cacheControl: [CacheControl.fromString('no-cache')],
          distribution: this.distribution,
          distributionPaths: [root.prefix === '' ? '/*' : `/${root.prefix}*`],
          logGroup: deploymentLogs,
          memoryLimit: 512,
        }),
    );

    this.acknowledgeFindings(config, deployments[0]!);
    new CfnOutput(this, 'SiteUrl', {
      value: `https://${config.edge.domainName ?? this.distribution.distributionDomainName}`,
      description: 'The console (/), the API reference (/docs) and the API (/v1)',
    });
  }

  private acknowledgeFindings(config: StageConfig, deployment: BucketDeployment): void {
    const distribution = this.distribution;
    if (config.edge.allowedCountries.length === 0) {
      acknowledge(
        distribution,
        'AwsSolutions-CFR1',
        'Member practices may be anywhere; a stage that serves one country lists it in edge.allowedCountries, which turns on the geo restriction.',
      );
    }
    if (!config.edge.domainName) {
      acknowledge(
        distribution,
        'AwsSolutions-CFR4',
        'Without a custom domain the distribution uses the *.cloudfront.net certificate, whose TLS policy cannot be chosen; setting edge.domainName and edge.certificateArn enforces TLS 1.2.',
      );
    }

    // The CDK's BucketDeployment function (one per stack, shared by both deployments) copies the built files into the bucket.
    const handler = this.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'))!;
    const role = deployment.handlerRole;
    const why = 'The CDK BucketDeployment function copies the built files from the CDK asset bucket into the site bucket, replacing the previous version';
    acknowledge(
      role,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      `${why}; the CDK gives its role the basic execution policy to write its own log group, and it runs only during a deployment.`,
    );
    for (const [finding, reason] of [
      [
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'it reads the asset zip and the site objects it replaces (GetObject and its variants, granted by the CDK read grant).',
      ],
      ['AwsSolutions-IAM5[Action::s3:GetBucket*]', 'it reads the location and settings of the asset and site buckets (CDK read grant).'],
      ['AwsSolutions-IAM5[Action::s3:List*]', 'it lists the site bucket to find the files a new build no longer has (prune).'],
      ['AwsSolutions-IAM5[Action::s3:DeleteObject*]', 'it deletes from the site bucket the files a new build no longer has (prune).'],
      ['AwsSolutions-IAM5[Action::s3:Abort*]', 'it aborts its own multipart uploads into the site bucket when a copy fails.'],
      [
        'AwsSolutions-IAM5[Resource::<SiteBucket397A1860.Arn>/*]',
        'it writes any object key of the built folders, which are only known at build time, and only in the site bucket.',
      ],
      [
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        'the asset object key is a content hash known only at synthesis, in the CDK bootstrap asset bucket.',
      ],
      [
        'AwsSolutions-IAM5[Resource::*]',
        'cloudfront:CreateInvalidation and GetInvalidation, which it calls to clear the cache after a deployment, are granted by the CDK on every distribution.',
      ],
    ] as const) {
      acknowledge(role, finding, `${why}: ${reason}`);
    }
    acknowledge(
      handler,
      'AwsSolutions-L1',
      `${why}; its runtime is chosen by the aws-cdk-lib version (the CDK's Python handler), and moves when aws-cdk-lib is upgraded.`,
    );
    acknowledge(
      handler,
      'Serverless-LambdaLatestVersion',
      `${why}; its runtime is chosen by the aws-cdk-lib version, not by this app, and moves with aws-cdk-lib upgrades.`,
    );
    acknowledge(
      handler,
      'Serverless-LambdaTracing',
      `${why}; the CDK construct offers no tracing setting, and the function runs only while CloudFormation deploys this stack.`,
    );
    acknowledge(
      handler,
      'Serverless-LambdaDLQ',
      `${why}; CloudFormation waits for its answer and rolls the deployment back when it fails, so a dead-letter queue would hold nothing anyone acts on.`,
    );
  }
}
