import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundling, PeerguardFunction, repoRoot } from '#infra/peerguard-function.ts';

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

/**
 * What keeps every function bundle small (issue 7): esbuild bundles each entry in functions/
 * with the options `npm run synth` uses and its metafile says which inputs reached the output.
 * Sizes are the benchmark's business; these are the structural facts behind them.
 */
describe('what each Lambda bundle carries', () => {
  const entries = readdirSync(join(repoRoot, 'functions'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3));
  /** The functions that read client identifiers, and so normalise phone numbers. */
  const readsSubjects = ['alerts', 'audit', 'checks', 'integrations', 'bookings'];

  const bundles = new Map<string, Record<string, number>>();
  /** The minified bundle's size in bytes (index.mjs, without its source map). */
  /** The external modules each bundle imports, by kind: `import-statement` loads at start-up, `dynamic-import` on use. */
  const externals = new Map<string, { path: string; kind: string }[]>();
  beforeAll(async () => {
    for (const name of entries) {
      const result = await build({
        absWorkingDir: repoRoot,
        entryPoints: [join(repoRoot, 'functions', `${name}.ts`)],
        bundle: true,
        platform: 'node',
        write: false,
        outfile: join(repoRoot, 'cdk.out', 'bundle-test', name, 'index.mjs'),
        metafile: true,
        logLevel: 'silent',
        format: bundling.format,
        minify: bundling.minify,
        target: bundling.target,
        mainFields: bundling.mainFields,
        external: bundling.externalModules,
        banner: { js: bundling.banner! },
      });
      const output = Object.values(result.metafile.outputs).find((candidate) => candidate.entryPoint)!;
      const inputs = Object.fromEntries(
        Object.entries(output.inputs)
          .filter(([, input]) => input.bytesInOutput > 0)
          .map(([path, input]) => [path, input.bytesInOutput]),
      );
      bundles.set(name, inputs);
      externals.set(
        name,
        output.imports.filter((entry) => entry.external).map(({ path, kind }) => ({ path, kind })),
      );
    }
  }, 60_000);

  const carried = (name: string, pattern: RegExp) => Object.keys(bundles.get(name)!).filter((path) => pattern.test(path));

  it('bundles every function entry', () => {
    expect(entries.sort()).toEqual([
      'admin',
      'alerts',
      'audit',
      'authorizer',
      'bookings',
      'checks',
      'clauses',
      'health',
      'integrations',
      'rescreener',
      'reviews',
      'sweeper',
    ]);
    for (const name of entries) expect(carried(name, new RegExp(`^functions/${name}\\.ts$`)), name).toHaveLength(1);
  });

  it('writes metrics with Powertools Metrics (EMF) in every function, and no hand-written metric lines', () => {
    for (const name of entries) {
      expect(carried(name, /node_modules\/@aws-lambda-powertools\/metrics\//).length, name).toBeGreaterThan(0);
      expect(carried(name, /^shared\/adapters\/local\/logged-metrics\.ts$/), name).toEqual([]);
    }
  });

  it('wires AWS adapters only: no local adapter, local wiring or runtime switch in any function', () => {
    for (const name of entries) {
      expect(carried(name, /^shared\/adapters\/local\//), name).toEqual([]);
      expect(carried(name, /^shared\/runtime(-local)?\.ts$/), name).toEqual([]);
      expect(carried(name, /^shared\/runtime-aws\.ts$/), name).toHaveLength(1);
    }
  });

  it('encrypts summaries without the AWS Encryption SDK and its dependencies', () => {
    for (const name of entries) expect(carried(name, /node_modules\/(@aws-crypto\/|asn1\.js\/|bn\.js\/|readable-stream\/)/), name).toEqual([]);
  });

  it('takes only the English messages from zod, not its other locales (import * as z, not { z })', () => {
    for (const name of entries) {
      expect(carried(name, /node_modules\/zod\/v4\/locales\/(?!en\.js$)/), name).toEqual([]);
      expect(carried(name, /node_modules\/zod\/v4\/locales\/en\.js$/), name).toHaveLength(1);
    }
  });

  it('loads only the DynamoDB clients at start-up; KMS, SNS and S3 load on first use', () => {
    for (const name of entries) {
      const atStart = externals
        .get(name)!
        .filter((entry) => entry.kind === 'import-statement' && entry.path.startsWith('@aws-sdk/'))
        .map((entry) => entry.path);
      expect([...new Set(atStart)].sort(), name).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
      const onUse = externals
        .get(name)!
        .filter((entry) => entry.kind === 'dynamic-import' && entry.path.startsWith('@aws-sdk/'))
        .map((entry) => entry.path);
      expect([...new Set(onUse)].sort(), name).toEqual(['@aws-sdk/client-kms', '@aws-sdk/client-s3', '@aws-sdk/client-sns']);
    }
  });

  it('carries libphonenumber-js and its metadata only in the functions that read client identifiers', () => {
    for (const name of entries) {
      const metadata = carried(name, /node_modules\/libphonenumber-js\/metadata\.min\.json/);
      expect(metadata, name).toHaveLength(readsSubjects.includes(name) ? 1 : 0);
    }
  });
});
