import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import {
  launchBrowser,
  screenshotDir,
  screenshots,
  seriousViolations,
  signIn,
  startConsoleStack,
  type Browser,
  type ConsoleStack,
} from '../support/browser.ts';
import { alertBody, clauseText } from '../support/story.ts';

/**
 * The network statistics on the admin overview, in real Chromium against `npm start` with the
 * default k of 5: six practices report and screen, reviewers of two others decide. Figures
 * behind five or more practices show as numbers; the others read "fewer than 5 practices —
 * hidden", in tables a screen reader can follow (captions, column and row headers).
 */
let stack: ConsoleStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startConsoleStack();
  const call = stack.call;
  const admin = { key: stack.adminKey };
  const practice = async (name: string) => (await call('POST', '/v1/practices', { ...admin, body: { name, region: 'CT' } })).body.practiceId as string;
  const key = async (role: string, practiceId: string) =>
    (await call('POST', '/v1/keys', { ...admin, body: { role, practiceId, label: `${role} ${practiceId}` } })).body.apiKey as string;
  const clause = (await call('POST', '/v1/consent-clauses', { ...admin, body: { text: clauseText, jurisdiction: 'US-CT' } })).body;
  const desks: string[] = [];
  for (const name of ['Harbour', 'Elm', 'Valley', 'Birch', 'Cedar', 'Willow']) desks.push(await key('practice', await practice(`${name} Massage`)));
  const reviewers = [await key('reviewer', await practice('Oak Review')), await key('reviewer', await practice('Pine Review'))];
  const phone = (i: number) => `+1 959 555 01${String(i).padStart(2, '0')}`;
  const alertIds: string[] = [];
  for (const [i, desk] of desks.entries()) {
    const submitted = await call('POST', '/v1/alerts', { key: desk, body: alertBody(clause, { phone: phone(i) }) });
    expect(submitted.status, submitted.text).toBe(201);
    alertIds.push(submitted.body.alertId);
  }
  for (const alertId of alertIds.slice(0, 5))
    for (const reviewer of reviewers)
      await call('POST', `/v1/alerts/${alertId}/reviews`, { key: reviewer, body: { decision: 'approve', reason: 'Consent and account checked.' } });
  await call('POST', `/v1/alerts/${alertIds[5]}/reviews`, { key: reviewers[0]!, body: { decision: 'reject', reason: 'No consent on file.' } });
  // Each practice screens a booking matching another practice's published alert (five distinct alerts), and one matching nothing.
  for (const [i, desk] of desks.entries()) {
    await call('POST', '/v1/checks', { key: desk, body: { subject: { phone: phone((i + 1) % 5) } } });
    await call('POST', '/v1/checks', { key: desk, body: { subject: { phone: '+1 203 555 0111' } } });
  }
  browser = await launchBrowser();
  page = await browser.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the admin overview’s statistics', () => {
  it('shows figures behind five or more practices, hides the rest as hidden, in accessible tables', async () => {
    await signIn(page, stack.baseUrl, stack.adminKey);
    await page.getByRole('navigation').getByRole('button', { name: 'Overview', exact: true }).click();
    const outcomes = page.getByRole('table', { name: 'Review and dispute outcomes' });
    await outcomes.waitFor();
    await expect(outcomes.getByRole('row', { name: /Published by review/ }).textContent()).resolves.toContain('5');
    await expect(outcomes.getByRole('row', { name: /Rejected by review/ }).textContent()).resolves.toContain('fewer than 5 practices — hidden');

    const submitted = page.getByRole('table', { name: 'Alerts submitted, by category and severity' });
    await expect(
      submitted
        .getByRole('row', { name: /All alerts submitted/ })
        .getByRole('cell')
        .textContent(),
    ).resolves.toBe('6');
    await expect(
      submitted
        .getByRole('row', { name: /Harassment/ })
        .getByRole('cell')
        .textContent(),
    ).resolves.toBe('fewer than 5 practices — hidden');

    const screening = page.getByRole('table', { name: /^Screening, / });
    const strong = screening.getByRole('row', { name: /Strong matches/ }).getByRole('cell');
    await expect(strong.allTextContents()).resolves.toEqual(['6', '50.00 %']);
    await expect(
      screening
        .getByRole('row', { name: /Bookings screened/ })
        .getByRole('cell')
        .first()
        .textContent(),
    ).resolves.toBe('12');

    const review = page.getByRole('table', { name: /Review time/ });
    await expect(
      review
        .getByRole('row', { name: /Alerts decided/ })
        .getByRole('cell')
        .textContent(),
    ).resolves.toBe('6');
    await expect(
      review
        .getByRole('row', { name: /Half decided within/ })
        .getByRole('cell')
        .textContent(),
    ).resolves.toBe('1 hour');

    const perDay = page.getByRole('table', { name: 'Bookings screened per day (UTC)' });
    expect(await perDay.getByRole('row').count()).toBe(15);
    await expect(perDay.getByRole('row').nth(14).getByRole('cell').textContent()).resolves.toContain('12');
    await expect(perDay.getByRole('row').nth(1).getByRole('cell').textContent()).resolves.toBe('fewer than 5 practices — hidden');
    // Never a small number where a figure is hidden: no cell of the statistics says 1 (the rejection, the disputes).
    const cells = await page.locator('table.stats td').allTextContents();
    expect(cells.filter((cell) => /^[1-4]$/.test(cell.trim()))).toEqual([]);

    expect(await seriousViolations(page, 'admin statistics')).toEqual([]);
    await screenshots(page, 'admin-statistics');
    // The statistics alone, for the documentation (docs/screenshots/admin-statistics-desktop.png is this picture).
    const box = (await page.locator('.stats-panel').boundingBox())!;
    const margin = 16;
    await page.screenshot({
      path: join(screenshotDir, 'admin-statistics-panel-desktop.png'),
      fullPage: true,
      clip: { x: box.x - margin, y: box.y - margin, width: box.width + 2 * margin, height: box.height + 2 * margin },
    });
  });
});
