import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { PeerguardFunction } from '#infra/peerguard-function.ts';

/**
 * The one test that runs esbuild for real (the other infra tests skip bundling): the health
 * function, bundled exactly as `npm run synth` bundles every function.
 */
describe('Lambda bundling', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'peerguard-bundle-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Bundle');
  const fn = new PeerguardFunction(stack, 'HealthFunction', {
    name: 'health',
    role: new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
    logGroup: new LogGroup(stack, 'Logs'),
  });
  const assembly = app.synth();
  const template = assembly.getStackByName('Bundle').template;
  const resource = template.Resources[stack.getLogicalId(fn.node.defaultChild as never)];
  const assetDir = join(outdir, resource.Metadata['aws:asset:path']);

  it('produces one minified ESM file with its source map, and the handler points at it', () => {
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    expect(resource.Properties.Handler).toBe('index.handler');
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000); // minified: long lines, few of them
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
  });

  it('leaves the AWS SDK v3 to the nodejs24.x runtime', () => {
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(code).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
    expect(code).not.toContain('DynamoDBClient=class'); // the client itself is not bundled
    expect(resource.Properties.Runtime).toBe('nodejs24.x');
  });
});
