/**
 * Cold start of each Lambda as `npm run synth` builds it: the minified bundle's size, and the
 * time a fresh Node process spends importing it (module initialisation only, Node's own start-up
 * excluded), with the environment the function would have. Median of several runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { percentile } from './stats.ts';

export interface BundleFigures {
  readonly name: string;
  readonly asset: string;
  readonly bytes: number;
  /** Median module initialisation, ms. */
  readonly initMs: number;
  readonly runs: number;
}

interface TemplateFunction {
  readonly Type: string;
  readonly Metadata?: Record<string, unknown>;
  readonly Properties: { Handler?: string; Environment?: { Variables?: Record<string, unknown> } };
}

/** `ChecksFunction701C2A08` → `checks`. */
export const functionName = (logicalId: string) => logicalId.replace(/Function[0-9A-F]{8}$/, '').toLowerCase();

/** The functions of a synthesised template: asset folder, handler file and environment (tokens as placeholders). */
export function lambdaAssets(template: {
  Resources: Record<string, TemplateFunction>;
}): { name: string; asset: string; file: string; env: Record<string, string> }[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function' && typeof resource.Metadata?.['aws:asset:path'] === 'string')
    .map(([logicalId, resource]) => {
      const handler = resource.Properties.Handler ?? 'index.handler';
      const env = Object.fromEntries(
        Object.entries(resource.Properties.Environment?.Variables ?? {}).map(([name, value]) => [name, typeof value === 'string' ? value : placeholder(name)]),
      );
      return {
        name: functionName(logicalId),
        asset: resource.Metadata!['aws:asset:path'] as string,
        file: `${handler.slice(0, handler.lastIndexOf('.'))}.mjs`,
        env,
      };
    });
}

/** What a CloudFormation reference resolves to in AWS, shaped well enough for the config schema. */
function placeholder(name: string): string {
  if (name.endsWith('_TABLE')) return `peerguard-bench-${name.toLowerCase()}`;
  if (name.endsWith('_TOPIC_ARN')) return `arn:aws:sns:us-east-1:111122223333:peerguard-bench-${name.toLowerCase()}`;
  if (name === 'SEAL_BUCKET') return 'peerguard-bench-seals';
  if (name.endsWith('_KEYS')) return '[]';
  return `arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000`;
}

/** Synthesises first (so the bundles are the code's), unless `reuseSynth` and cdk.out already holds a template. */
export function measureColdStarts(repoRoot: string, runs: number, reuseSynth: boolean, log: (line: string) => void): BundleFigures[] {
  const cdkOut = join(repoRoot, 'cdk.out');
  const templatePath = join(cdkOut, 'Peerguard.template.json');
  if (!reuseSynth || !existsSync(templatePath)) {
    log('running npm run synth for the bundles');
    execFileSync('npm', ['run', 'synth'], { cwd: repoRoot, stdio: 'ignore' });
  }
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, TemplateFunction> };
  return lambdaAssets(template).map(({ name, asset, file, env }) => {
    const path = join(cdkOut, asset, file);
    const samples: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const child = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          'const t0 = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t0));',
          path,
        ],
        {
          cwd: join(cdkOut, asset),
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'us-east-1',
            AWS_LAMBDA_FUNCTION_NAME: `peerguard-${name}`,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
            ...env,
          },
          encoding: 'utf8',
        },
      );
      if (child.status !== 0) throw new Error(`importing the ${name} bundle failed: ${child.stderr}`);
      samples.push(Number(child.stdout));
    }
    return {
      name,
      asset,
      bytes: statSync(path).size,
      initMs: percentile(
        samples.sort((a, b) => a - b),
        50,
      ),
      runs,
    };
  });
}
