import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshots, seriousViolations, signIn, startConsoleStack, type Browser, type ConsoleStack } from '../support/browser.ts';
import { alertBody, setUpNetwork } from '../support/story.ts';

/**
 * What goes wrong, as a user meets it in the browser: a wrong key, a screen or a record the
 * role may not reach, validation errors next to their field, the screening quota (429) with the
 * wait shown, a key revoked mid-session, and the server stopped mid-session.
 */
let stack: ConsoleStack;
let browser: Browser;
let page: Page;
let net: Awaited<ReturnType<typeof setUpNetwork>>;
let harbourAlert: string;
const violations: string[] = [];

async function checkPage(label: string, shot?: string) {
  violations.push(...(await seriousViolations(page, label)));
  if (shot) await screenshots(page, shot);
}
const navButtons = async () => page.getByRole('navigation').getByRole('button').allTextContents();
async function screenPhone(phone: string) {
  await page.getByLabel('Phone', { exact: true }).fill(phone);
  await page.getByRole('button', { name: 'Screen this booking' }).click();
}

beforeAll(async () => {
  // A quota of 3 checks a minute per practice, so a 429 comes quickly.
  stack = await startConsoleStack({ CHECKS_PER_MINUTE: '3' });
  net = await setUpNetwork(stack.call, stack.adminKey);
  const submitted = await stack.call('POST', '/v1/alerts', { key: net.keys.harbourDesk.apiKey, body: alertBody(net.clause, { phone: '+1 959 555 0144' }) });
  harbourAlert = submitted.body.alertId;
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('errors in the browser', () => {
  it('the accessibility probe itself reports a serious violation when there is one', async () => {
    await page.setContent('<!doctype html><html lang="en"><title>probe</title><main><input type="text"></main></html>');
    const found = await seriousViolations(page, 'probe');
    expect(found.join('\n')).toContain('label');
  });

  it('refuses a wrong key with a plain message next to the key field', async () => {
    await page.goto(`${stack.baseUrl}/`);
    await page.getByLabel('API key').fill('pg.key_00000000000000000000000000.not-a-real-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const error = page.locator('#api-key-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toContain('This API key is not accepted');
    await expect(page.getByRole('button', { name: 'Sign out' }).count()).resolves.toBe(0);
    await checkPage('wrong key', 'sign-in-wrong-key');
  });

  it('offers each role only its own screens, and another practice’s alert reads as not found', async () => {
    await signIn(page, stack.baseUrl, net.keys.valleyDesk.apiKey);
    expect(await navButtons()).toEqual(['Screen a booking', 'Screen a list (CSV)', 'File an alert', 'My alerts']);
    await page.getByRole('navigation').getByRole('button', { name: 'My alerts' }).click();
    await page.getByLabel('Find an alert by its id').fill(harbourAlert);
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    const notice = page.getByRole('alert');
    await notice.waitFor();
    await expect(notice.textContent()).resolves.toContain('No alert with this id is visible to your key');
    await checkPage('another practice’s alert');
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn(page, stack.baseUrl, net.keys.auditor.apiKey);
    expect(await navButtons()).toEqual(['Audit export', 'Was this person checked?']);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, stack.baseUrl, net.keys.elmReviewer.apiKey);
    expect(await navButtons()).toEqual(['Review queue', 'My decisions']);
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  it('shows validation errors next to their field: the form’s own and the API’s', async () => {
    await signIn(page, stack.baseUrl, net.keys.valleyDesk.apiKey);
    await page.getByRole('navigation').getByRole('button', { name: 'File an alert' }).click();
    await page.getByLabel('E-mail', { exact: true }).fill('client@example.org');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.locator('#whatHappened-error').textContent()).resolves.toBe('Required');
    await expect(page.locator('#occurredOn-error').textContent()).resolves.toBe('Required');
    await checkPage('file: required fields', 'file-alert-required');
    await page.getByLabel('Date of the incident').fill('2026-11-02');
    await page.getByLabel('Category').selectOption({ label: 'Threat or violence' });
    await page.getByLabel('Severity').selectOption({ label: 'Medium' });
    await page.getByLabel('What happened').fill('The client threatened the therapist.');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Consent clause and version').selectOption({ index: 1 });
    // Signed after the incident: only the API knows this rule.
    await page.getByLabel('Signed on').fill('2026-11-20');
    await page.getByLabel('Signed intake form').setInputFiles({ name: 'intake.pdf', mimeType: 'application/pdf', buffer: Buffer.from('intake') });
    await page.getByTestId('document-sha256').waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Submit for review' }).click();
    const error = page.locator('#signedOn-error');
    await error.waitFor();
    expect(((await error.textContent()) ?? '').length).toBeGreaterThan(5);
    await expect(page.getByLabel('Signed on').getAttribute('aria-invalid')).resolves.toBe('true');
    await checkPage('file: API validation error', 'file-alert-api-error');
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  it('shows the wait of a 429 on one check, and a list waits for the quota with the wait shown', async () => {
    await signIn(page, stack.baseUrl, net.keys.harbourDesk.apiKey);
    for (let i = 0; i < 3; i += 1) {
      await screenPhone(`+1 860 555 010${i}`);
      await page.getByRole('heading', { name: 'No match' }).waitFor();
    }
    await screenPhone('+1 860 555 0109');
    const notice = page.getByRole('alert');
    await notice.waitFor();
    expect((await notice.textContent()) ?? '').toMatch(/Too many requests for now\. Wait \d+ seconds, then try again\./);
    await expect(page.getByLabel('Phone', { exact: true }).inputValue()).resolves.toBe('+1 860 555 0109');
    await page.getByText(/You can screen again in \d+ s\./).waitFor();
    await expect(page.getByRole('button', { name: 'Screen this booking' }).isDisabled()).resolves.toBe(true);
    await checkPage('429 on a check', 'screen-rate-limited');

    await page.getByRole('navigation').getByRole('button', { name: 'Screen a list (CSV)' }).click();
    await page
      .getByLabel('CSV file of bookings')
      .setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from('ref,phone\nA-1,+1 860 555 0120\nA-2,+1 860 555 0121\n') });
    await page.getByRole('button', { name: 'Screen the list' }).click();
    const waiting = page.getByText(/The screening quota is reached for now; continuing in \d+ s…/);
    await waiting.waitFor();
    await checkPage('batch waiting for the quota', 'batch-waiting');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('Stopped. The bookings screened so far are below.').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  it('says plainly when the key is revoked mid-session', async () => {
    const created = await stack.call('POST', '/v1/keys', {
      key: stack.adminKey,
      body: { role: 'practice', practiceId: net.practices.elm, label: 'Elm desk, soon revoked' },
    });
    await signIn(page, stack.baseUrl, created.body.apiKey);
    expect((await stack.call('DELETE', `/v1/keys/${created.body.keyId}`, { key: stack.adminKey })).status).toBe(204);
    await screenPhone('+1 860 555 0130');
    const notice = page.getByRole('alert');
    await notice.waitFor();
    await expect(notice.textContent()).resolves.toContain('Your API key is no longer accepted');
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  it('says once that the server cannot be reached when it stops mid-session, and keeps what was typed', async () => {
    await signIn(page, stack.baseUrl, net.keys.valleyDesk.apiKey);
    await page.getByTestId('upcoming-matches').getByText('No upcoming booking is registered for re-screening yet.').waitFor();
    await stack.server.stop();
    await screenPhone('+1 860 555 0140');
    const notice = page.getByRole('alert');
    await notice.waitFor();
    await expect(notice.textContent()).resolves.toContain('The Peerguard server cannot be reached');
    await expect(page.getByLabel('Phone', { exact: true }).inputValue()).resolves.toBe('+1 860 555 0140');
    // The upcoming-bookings list finds the server gone too: still the one notice, not a second alert.
    await page.getByTestId('upcoming-matches').getByRole('button', { name: 'Refresh' }).click();
    await page.waitForLoadState('networkidle');
    await expect(page.getByRole('alert').count()).resolves.toBe(1);
    await expect(page.getByText('The Peerguard server cannot be reached').count()).resolves.toBe(1);
    // Screening again while the server is still away: the same one notice, not a second.
    await screenPhone('+1 860 555 0141');
    await expect(page.getByRole('alert').count()).resolves.toBe(1);
    await checkPage('server stopped', 'screen-offline');
  });

  it('has no serious or critical accessibility violation on any page of these journeys', () => {
    expect(violations).toEqual([]);
  });
});
