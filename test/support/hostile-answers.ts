import { expect } from 'vitest';
import type { HttpResult } from '#functions/http/group-handler.ts';
import { echoedCanary, type HostileCase } from './hostile-cases.ts';

const prototypeNames = () =>
  [Object.getOwnPropertyNames(Object.prototype), Object.getOwnPropertyNames(Array.prototype)].map((names) => names.sort().join()).join('|');
const cleanPrototypes = prototypeNames();

/** The properties every answer to a hostile case must have. */
export async function checkAnswer(c: HostileCase, result: HttpResult, before: string, after: () => Promise<string>): Promise<void> {
  const status = result.statusCode ?? 200;
  expect(status, `${c.kind}: never a 5xx`).toBeLessThan(500);
  if (c.invalid) {
    expect(status, `${c.kind}: refused`).toBeGreaterThanOrEqual(400);
    if (c.status !== undefined) expect(status, `${c.kind}: status`).toBe(c.status);
  }
  const answer = `${JSON.stringify(result.headers ?? {})}\n${result.body ?? ''}`;
  expect(echoedCanary(answer), `${c.kind}: the answer repeats a client identifier`).toBeUndefined();
  if (status >= 400) {
    expect(String(result.headers?.['Content-Type']), `${c.kind}: problem+json`).toContain('application/problem+json');
    const problem = JSON.parse(result.body ?? '{}') as Record<string, unknown>;
    expect(problem.status).toBe(status);
    expect(typeof problem.title === 'string' && problem.title.length > 5, `${c.kind}: a title`).toBe(true);
    expect(typeof problem.detail === 'string' && problem.detail.length > 10, `${c.kind}: a detail`).toBe(true);
    expect(String(problem.detail)).not.toMatch(/undefined|\[object|NaN|Error:/);
    if (status !== 429) expect(await after(), `${c.kind}: a refused request changes nothing stored`).toBe(before);
  }
  expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').toBeUndefined();
  expect(prototypeNames(), 'prototypes changed').toBe(cleanPrototypes);
}
