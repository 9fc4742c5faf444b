import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshots, seriousViolations, signIn, startConsoleStack, type Browser, type ConsoleStack } from '../support/browser.ts';
import { alertBody, setUpNetwork } from '../support/story.ts';

/**
 * The front desk's list of upcoming bookings that now match, in real Chromium against `npm start`:
 * the desk's booking software registers two upcoming bookings (through the API: the console
 * registers none), an alert about one of the clients is published by two reviewers, and the
 * list on the screening screen shows that booking (ref, appointment, tier, category, severity)
 * after the console's own Refresh, with no page reload; cancelling the registration takes it away.
 */
const client = { fullName: 'Ottoline Marchbanks', dateOfBirth: '1979-05-14', phone: '+1 959 555 0177' };
const otherClient = { fullName: 'Perpetua Lindqvist', dateOfBirth: '1990-01-09', phone: '+1 959 555 0178' };
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const appointmentOn = inDays(9);

let stack: ConsoleStack;
let browser: Browser;
let page: Page;
let net: Awaited<ReturnType<typeof setUpNetwork>>;
const violations: string[] = [];

const list = () => page.getByTestId('upcoming-matches');
const rows = () => list().locator('tbody tr');
const register = (ref: string, subject: Record<string, string>) =>
  stack.call('POST', '/v1/bookings', { key: net.keys.valleyDesk.apiKey, body: { ref, appointmentOn, subject } });

/** Presses the list's Refresh until `done` holds (the re-screen runs after the publication's answer), at most 10 s. */
async function refreshUntil(done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await list().getByRole('button', { name: 'Refresh' }).click();
    await page.waitForLoadState('networkidle');
    if (await done()) return;
    if (Date.now() > deadline) throw new Error(`the upcoming-bookings list did not change within 10 s: ${await list().textContent()}`);
    await page.waitForTimeout(250);
  }
}

beforeAll(async () => {
  stack = await startConsoleStack({ CHECKS_PER_MINUTE: '5000' });
  net = await setUpNetwork(stack.call, stack.adminKey);
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('upcoming bookings re-screened, in the browser', () => {
  it('lists no match while the registered bookings match no alert, and says how many are registered', async () => {
    expect((await register('bk-1042', client)).status).toBe(201);
    expect((await register('bk-1043', otherClient)).status).toBe(201);
    await signIn(page, stack.baseUrl, net.keys.valleyDesk.apiKey);
    await list().getByText('2 upcoming bookings are registered for re-screening.').waitFor();
    await expect(list().getByText('No registered upcoming booking matches a published alert.').isVisible()).resolves.toBe(true);
    await expect(rows().count()).resolves.toBe(0);
  });

  it('shows the booking an alert published since matches: ref, appointment, tier, category and severity, without a reload', async () => {
    const submitted = await stack.call('POST', '/v1/alerts', { key: net.keys.harbourDesk.apiKey, body: alertBody(net.clause, client) });
    expect(submitted.status).toBe(201);
    for (const reviewer of [net.keys.elmReviewer, net.keys.valleyReviewer]) {
      const review = await stack.call('POST', `/v1/alerts/${submitted.body.alertId}/reviews`, {
        key: reviewer.apiKey,
        body: { decision: 'approve', reason: 'Consistent, consented record.' },
      });
      expect(review.status).toBe(200);
    }
    const navigations = browser.urls.filter((url) => url === `${stack.baseUrl}/`).length;
    await refreshUntil(async () => (await rows().count()) > 0);
    expect(browser.urls.filter((url) => url === `${stack.baseUrl}/`).length).toBe(navigations);

    await expect(rows().count()).resolves.toBe(1);
    const cells = await rows().first().locator('td').allTextContents();
    expect(cells.slice(0, 5)).toEqual(['bk-1042', appointmentOn, 'Match', 'Sexual misconduct', 'High']);
    expect(cells[5]).not.toBe('');
    const text = (await list().textContent()) ?? '';
    expect(text).not.toContain('bk-1043');
    expect(text).not.toContain('Harbour');
    for (const identifier of [client.fullName, 'Marchbanks', '555 0177', client.dateOfBirth]) expect(text).not.toContain(identifier);
    await expect(list().getByText('2 upcoming bookings are registered for re-screening.').isVisible()).resolves.toBe(true);
    violations.push(...(await seriousViolations(page, 'upcoming bookings that now match')));
    await screenshots(page, 'upcoming-matches');
  });

  it('takes the booking off the list once its registration is cancelled', async () => {
    expect((await stack.call('DELETE', '/v1/bookings/bk-1042', { key: net.keys.valleyDesk.apiKey })).status).toBe(204);
    await refreshUntil(async () => (await rows().count()) === 0);
    await expect(list().getByText('No registered upcoming booking matches a published alert.').isVisible()).resolves.toBe(true);
    await expect(list().getByText('1 upcoming booking is registered for re-screening.').isVisible()).resolves.toBe(true);
  });

  it('has no serious or critical accessibility violation on the list', () => {
    expect(violations).toEqual([]);
  });
});
