import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { routeKey, routes, type RouteDefinition } from '#shared/routes.ts';
import { problemKinds } from '#functions/http/problem.ts';

const root = join(import.meta.dirname, '..', '..');
const document = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'));
const operationOf = (route: RouteDefinition) => document.paths[route.path]?.[route.method.toLowerCase()];

/** The committed OpenAPI document: complete, internally consistent, and clean by an independent linter. */
describe('docs/openapi.json', () => {
  it('describes every route of the route table, with a unique operationId, and nothing else', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.map(routeKey).sort());
    const ids = routes.map((route) => operationOf(route).operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(routes as readonly RouteDefinition[])('$method $path: its security, path parameters and problem answers match the route', (route) => {
    const op = operationOf(route);
    if (route.auth === 'none') expect(op.security).toEqual([]);
    else expect(op.security ?? document.security).toEqual([{ apiKey: [] }]);
    const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
    expect((op.parameters ?? []).filter((p: { in: string }) => p.in === 'path').map((p: { name: string }) => p.name)).toEqual(pathParams);
    const statuses = Object.keys(op.responses).map(Number);
    expect(statuses.some((status) => status >= 200 && status < 300)).toBe(true);
    expect(statuses).toContain(500);
    if (route.auth === 'apiKey') expect(statuses).toEqual(expect.arrayContaining([401, 403, 503]));
    expect(op['x-peerguard-roles']).toEqual([...route.roles]);
  });

  it('documents every problem type the API answers with', () => {
    const text = JSON.stringify(document);
    const missing = Object.values(problemKinds).filter(({ slug }) => !text.includes(`https://peerguard.dev/problems/${slug}`));
    expect(missing).toEqual([]);
  });

  it('has examples that are valid against their schemas (request and response bodies)', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...document, $id: 'openapi' });
    let checked = 0;
    const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const media = [
          ...Object.entries<any>(op.requestBody?.content ?? {}).map(
            ([type, m]) => [`/paths/${esc(path)}/${method}/requestBody/content/${esc(type)}`, m] as const,
          ),
          ...Object.entries<any>(op.responses).flatMap(([status, r]) =>
            Object.entries<any>(r.content ?? {}).map(([type, m]) => [`/paths/${esc(path)}/${method}/responses/${status}/content/${esc(type)}`, m] as const),
          ),
        ];
        for (const [pointer, m] of media) {
          const values = [...(m.example === undefined ? [] : [m.example]), ...Object.values<any>(m.examples ?? {}).map((e) => e.value)];
          const validate = ajv.compile({ $ref: `openapi#${pointer}/schema` });
          for (const value of values) {
            checked += 1;
            expect(validate(value), `${pointer}: ${JSON.stringify(validate.errors)}`).toBe(true);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('passes @redocly/cli lint with the recommended rules: no errors, no warnings', async () => {
    const cli = join(root, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, 'lint', 'docs/openapi.json', '--format=json'], {
      cwd: root,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
    const report = JSON.parse(stdout.slice(stdout.indexOf('{')));
    const problems = (report.problems ?? []).map((p: { ruleId: string; severity: string; message: string }) => `${p.severity} ${p.ruleId}: ${p.message}`);
    expect(problems, stderr).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 120_000);
});
