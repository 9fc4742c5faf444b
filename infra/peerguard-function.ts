import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Duration, Tags } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionGroup } from '#shared/routes.ts';

/** One Lambda per route group, plus the authorizer. The entry is `functions/<name>.ts`. */
export type FunctionName = FunctionGroup | 'authorizer';

/** Tag on every Peerguard function (and its role); the value is the function name. */
export const functionTag = 'peerguard:function';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface PeerguardFunctionProps {
  readonly name: FunctionName;
  readonly environment?: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly memorySize?: number;
  readonly timeout?: Duration;
}

/** A NodejsFunction with the team defaults: Node 24 on arm64, ESM bundle, X-Ray, one-month logs. */
export class PeerguardFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PeerguardFunctionProps) {
    // Created in the parent scope: `this` is not usable before super().
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
    super(scope, id, {
      entry: join(repoRoot, 'functions', `${props.name}.ts`),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      description: props.description,
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        minify: true,
        sourceMap: true,
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        externalModules: ['@aws-sdk/*'],
      },
    });
    Tags.of(this).add(functionTag, props.name);
  }
}
