import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Duration, Tags } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { FunctionName } from './grants.ts';

export type { FunctionName } from './grants.ts';

/** Tag on every Peerguard function (and its role); the value is the function name. */
export const functionTag = 'peerguard:function';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** How every function is bundled: one minified ESM file, the AWS SDK left to the runtime. */
export const bundling: BundlingOptions = {
  minify: true,
  sourceMap: true,
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  externalModules: ['@aws-sdk/*'],
};

export interface PeerguardFunctionProps {
  readonly name: FunctionName;
  /** The function's own role; its permissions come from `functionGrants`. */
  readonly role: IRole;
  /** The function's own log group (CMK-encrypted, retention set). */
  readonly logGroup: ILogGroup;
  readonly environment?: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  /** Dead-letter queue for asynchronous invocations (the scheduled sweeper). */
  readonly deadLetterQueue?: IQueue;
  /** At most this many instances at once, kept for this function (infra/stage-config.ts). */
  readonly reservedConcurrentExecutions?: number;
}

/** A NodejsFunction with the team defaults: Node 24 on arm64, ESM bundle, X-Ray active. */
export class PeerguardFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PeerguardFunctionProps) {
    super(scope, id, {
      entry: join(repoRoot, 'functions', `${props.name}.ts`),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      role: props.role,
      logGroup: props.logGroup,
      deadLetterQueue: props.deadLetterQueue,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      description: props.description,
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling,
    });
    Tags.of(this).add(functionTag, props.name);
  }
}
