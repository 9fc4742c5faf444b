import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshots, seriousViolations, signIn, startConsoleStack, type Browser, type ConsoleStack } from '../support/browser.ts';
import { alertBody, setUpNetwork } from '../support/story.ts';

/**
 * The front desk's journeys in real Chromium against `npm start`: sign in, screen one booking
 * (no match, match, possible match, a field the API refuses), screen a CSV list, and then the
 * browser privacy sweep: the canary identifiers are in no URL, storage, cookie, console message
 * or downloaded file.
 */
const canary = { fullName: 'Zebulon Quillfeather-Canary', dateOfBirth: '1937-07-07', phone: '+1 959 555 0123', email: 'zeb.quillfeather@canary-mail.example' };
const needles = ['Quillfeather', 'quillfeather', '5550123', '555 0123', '555-0123', '1937-07-07', 'canary-mail'];

let stack: ConsoleStack;
let browser: Browser;
let page: Page;
let net: Awaited<ReturnType<typeof setUpNetwork>>;
const violations: string[] = [];
const downloaded: string[] = [];

async function checkPage(label: string, shot?: string) {
  violations.push(...(await seriousViolations(page, label)));
  if (shot) await screenshots(page, shot);
}

async function screen(subject: Partial<typeof canary>) {
  for (const [field, label] of [
    ['fullName', 'Full name'],
    ['dateOfBirth', 'Date of birth'],
    ['phone', 'Phone'],
    ['email', 'E-mail'],
  ] as const) {
    if (subject[field]) await page.getByLabel(label, { exact: true }).fill(subject[field]!);
  }
  await page.getByRole('button', { name: 'Screen this booking' }).click();
}

beforeAll(async () => {
  stack = await startConsoleStack({ CHECKS_PER_MINUTE: '5000' });
  net = await setUpNetwork(stack.call, stack.adminKey);
  const submitted = await stack.call('POST', '/v1/alerts', { key: net.keys.harbourDesk.apiKey, body: alertBody(net.clause, canary) });
  expect(submitted.status).toBe(201);
  for (const reviewer of [net.keys.elmReviewer, net.keys.valleyReviewer]) {
    const review = await stack.call('POST', `/v1/alerts/${submitted.body.alertId}/reviews`, {
      key: reviewer.apiKey,
      body: { decision: 'approve', reason: 'Consistent, consented record.' },
    });
    expect(review.status).toBe(200);
  }
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('front desk in the browser', () => {
  it('signs in with a pasted key and always shows the role and practice it acts as', async () => {
    await page.goto(`${stack.baseUrl}/`);
    await checkPage('sign-in', 'sign-in');
    await signIn(page, stack.baseUrl, net.keys.valleyDesk.apiKey);
    const banner = page.getByTestId('acting-as');
    await expect(banner.textContent()).resolves.toContain('Front desk (practice key)');
    await expect(page.getByRole('heading', { name: 'Screen a booking' }).isVisible()).resolves.toBe(true);
    await checkPage('screen a booking', 'screen-booking');
  });

  it('says "No match" in plain words for a client nobody reported', async () => {
    await screen({ phone: '+1 860 555 0199' });
    const verdict = page.locator('[data-verdict]');
    await verdict.waitFor();
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('no_match');
    await expect(page.getByRole('heading', { name: 'No match' }).isVisible()).resolves.toBe(true);
    await checkPage('no match', 'screen-no-match');
  });

  it('shows a match with category, severity and guidance, never who reported, and clears the form', async () => {
    await screen(canary);
    await page.getByRole('heading', { name: 'Match', exact: true }).waitFor();
    const text = (await page.locator('[data-verdict]').textContent()) ?? '';
    expect(text).toContain('Sexual misconduct');
    expect(text).toContain('High severity');
    expect(text).toContain('Do not book this client');
    expect(text).toContain('never says who reported');
    expect(text).not.toContain('Harbour');
    for (const label of ['Full name', 'Date of birth', 'Phone', 'E-mail']) await expect(page.getByLabel(label, { exact: true }).inputValue()).resolves.toBe('');
    await checkPage('match', 'screen-match');
  });

  it('tells a name-only hit apart as a possible match', async () => {
    await screen({ fullName: canary.fullName });
    await page.getByRole('heading', { name: 'Possible match' }).waitFor();
    await expect(page.locator('[data-verdict]').getAttribute('data-verdict')).resolves.toBe('possible');
    await checkPage('possible match');
  });

  it('shows the API’s validation error next to its field and keeps what was typed', async () => {
    await screen({ email: 'not-an-address' });
    const error = page.locator('#email-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toContain('e-mail address');
    await expect(page.getByLabel('E-mail', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByLabel('E-mail', { exact: true }).inputValue()).resolves.toBe('not-an-address');
    await checkPage('validation error', 'screen-validation');
    await page.getByLabel('E-mail', { exact: true }).fill('');
  });

  it('screens a CSV list in chunks of 100, lists refused rows with field and reason, and offers refs-and-results only', async () => {
    await page.getByRole('button', { name: 'Screen a list (CSV)' }).click();
    await checkPage('batch (empty)');
    const template = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download a template CSV' }).click();
    const templateFile = await (await template).path();
    downloaded.push(templateFile);
    expect(readFileSync(templateFile, 'utf8').split('\n')[0]).toBe('ref,fullName,dateOfBirth,phone,email');

    const lines = ['ref,fullName,dateOfBirth,phone,email'];
    for (let i = 0; i < 230; i += 1) lines.push(`B-${i},,,+1 860 555 ${String(1000 + i).padStart(4, '0')},`);
    lines.push(`B-canary-1,${canary.fullName},${canary.dateOfBirth},${canary.phone},${canary.email}`);
    lines.push(`B-canary-2,,,,${canary.email}`);
    lines.push('B-bad-phone,,,not a phone,');
    lines.push('B-nothing,,,,');
    const csv = join(browser.downloads, '..', 'bookings.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    await page.getByLabel('CSV file of bookings').setInputFiles(csv);
    await page.getByRole('button', { name: 'Screen the list' }).click();
    await page.getByText('Done: 234 bookings handled.').waitFor({ timeout: 60_000 });
    await expect(page.getByText('Screened 234 of 234').isVisible()).resolves.toBe(true);
    await expect(page.getByText('2 matches, 0 possible matches, 2 refused').isVisible()).resolves.toBe(true);
    const refused = (await page.locator('section[aria-labelledby="refused-title"] tbody').textContent()) ?? '';
    expect(refused).toContain('B-bad-phone');
    expect(refused).toContain('Phone');
    expect(refused).toContain('valid phone number');
    expect(refused).toContain('B-nothing');
    await checkPage('batch results', 'batch-results');

    const results = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download results (refs and results only)' }).click();
    const resultsFile = await (await results).path();
    downloaded.push(resultsFile);
    const rows = readFileSync(resultsFile, 'utf8').trim().split('\r\n');
    expect(rows[0]).toBe('ref,result,alerts');
    expect(rows).toHaveLength(235);
    expect(rows).toContain('B-canary-1,match,Sexual misconduct (High)');
    expect(rows.find((row) => row.startsWith('B-bad-phone,refused,'))).toBeDefined();
  }, 90_000);

  it('leaves the canary identifiers in no URL, storage, cookie, console message or downloaded file', async () => {
    const storage = String(
      await page.evaluate(`(async () => JSON.stringify({
        local: Object.entries(localStorage), session: Object.entries(sessionStorage), cookie: document.cookie,
        databases: indexedDB.databases ? await indexedDB.databases() : [], caches: await caches.keys(),
        url: location.href, history: history.length, state: history.state
      }))()`),
    );
    const cookies = JSON.stringify(await browser.context.cookies());
    const files = downloaded.map((file) => readFileSync(file, 'utf8'));
    const places: Record<string, string> = {
      urls: browser.urls.join('\n'),
      storage,
      cookies,
      console: browser.consoleMessages.join('\n'),
      downloads: files.join('\n'),
    };
    expect(browser.urls.length).toBeGreaterThan(3);
    expect(files).toHaveLength(2);
    for (const [place, content] of Object.entries(places)) {
      for (const needle of needles) expect(content, `${needle} in ${place}`).not.toContain(needle);
    }
    // The console itself logs nothing; Chromium's own notes of refused requests (status only) are all there is.
    expect(browser.consoleMessages.filter((message) => !/^error: Failed to load resource: the server responded with a status of \d+/.test(message))).toEqual(
      [],
    );
  });

  it('has no serious or critical accessibility violation on any page of the journey', () => {
    expect(violations).toEqual([]);
  });

  it('forgets the key on sign-out: a reload asks for a key again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    await signIn(page, stack.baseUrl, net.keys.valleyDesk.apiKey);
    await page.reload();
    await expect(page.getByLabel('API key').isVisible()).resolves.toBe(true);
  });
});
