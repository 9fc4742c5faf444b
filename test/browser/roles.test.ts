import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { runVerifyReceipt } from '../../cli/commands/verify-receipt.ts';
import { runVerifyExport } from '../../cli/commands/verify-export.ts';
import { launchBrowser, screenshots, seriousViolations, signIn, startConsoleStack, type Browser, type ConsoleStack } from '../support/browser.ts';
import { setUpNetwork } from '../support/story.ts';

/**
 * Each role's main journey in real Chromium against `npm start`, one after another in one tab
 * as people would pass the alert along: a practice files an alert (intake form hashed in the
 * browser, signed receipt verified by `verify-receipt`), two reviewers approve it, an admin
 * issues and revokes a key and disputes and reinstates the alert, counsel exports and verifies
 * the audit log in the browser and finds the check of one person.
 */
let stack: ConsoleStack;
let browser: Browser;
let page: Page;
let net: Awaited<ReturnType<typeof setUpNetwork>>;
let alertId: string;
let keyFile: string;
const violations: string[] = [];
const subjectPhone = '+1 959 555 0177';
const intake = Buffer.from('%PDF-1.4 signed intake form of the client, page 1 of 1\n');

async function checkPage(label: string, shot?: string) {
  violations.push(...(await seriousViolations(page, label)));
  if (shot) await screenshots(page, shot);
}
const nav = (name: string) => page.getByRole('navigation').getByRole('button', { name, exact: true }).click();
async function switchTo(apiKey: string) {
  if (await page.getByRole('button', { name: 'Sign out' }).isVisible()) await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, stack.baseUrl, apiKey);
}
async function download(click: () => Promise<void>): Promise<string> {
  const event = page.waitForEvent('download');
  await click();
  return readFileSync(await (await event).path(), 'utf8');
}

beforeAll(async () => {
  // Small export pages, so the console must follow several.
  stack = await startConsoleStack({ AUDIT_EXPORT_PAGE_SIZE: '10' });
  net = await setUpNetwork(stack.call, stack.adminKey);
  const key = await stack.call('GET', '/v1/audit/verification-key', { key: net.keys.auditor.apiKey });
  keyFile = join(stack.dataDir, 'verification-key.json');
  writeFileSync(keyFile, key.text);
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterEach(async (context) => {
  // What the page looked like when a step failed, for whoever reads the failure.
  if (context.task.result?.state === 'fail') await screenshots(page, `failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('every role’s main journey in the browser', () => {
  it('practice: files an alert step by step; the intake form is hashed in the browser and the receipt verifies', async () => {
    await switchTo(net.keys.harbourDesk.apiKey);
    await nav('File an alert');
    await page.getByLabel('Phone', { exact: true }).fill(subjectPhone);
    await checkPage('file: client', 'file-alert-client');
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByLabel('Date of the incident').fill('2026-11-02');
    await page.getByLabel('Time').fill('18:30');
    await page.getByLabel('Category').selectOption({ label: 'Harassment' });
    await page.getByLabel('Severity').selectOption({ label: 'High' });
    await page.getByLabel('What happened').fill('The client made repeated sexual remarks and refused to stop when asked.');
    await page.getByLabel('What was said').fill('“You know you want to.”');
    await page.getByLabel('The client’s demeanour').fill('Agitated, then threatening.');
    await page.getByLabel('Witnesses (number of people)').fill('1');
    await page.getByLabel('Actions taken').fill('Session ended; client asked to leave.');
    await checkPage('file: incident', 'file-alert-incident');
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByLabel('Consent clause and version').selectOption({ index: 1 });
    await page.getByLabel('Signed on').fill('2026-10-01');
    await page.getByLabel('Signed intake form').setInputFiles({ name: 'intake.pdf', mimeType: 'application/pdf', buffer: intake });
    const shown = page.getByTestId('document-sha256');
    await shown.waitFor();
    await expect(shown.textContent()).resolves.toBe(createHash('sha256').update(intake).digest('hex'));
    await checkPage('file: consent', 'file-alert-consent');
    await page.getByRole('button', { name: 'Continue' }).click();

    const review = (await page.locator('main').textContent()) ?? '';
    expect(review).toContain('What reviewers from two other practices will see');
    expect(review).toContain('What happened: The client made repeated sexual remarks');
    expect(review).toContain('Never your practice’s name');
    expect(review).not.toContain(subjectPhone);
    await checkPage('file: review', 'file-alert-review');
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByRole('heading', { name: 'Alert submitted' }).waitFor();
    alertId = /Alert (alt_\w+)/.exec((await page.locator('main').textContent()) ?? '')?.[1] ?? '';
    expect(alertId).toMatch(/^alt_/);

    const receipt = await download(() => page.getByRole('button', { name: 'Download the signed receipt' }).click());
    const receiptFile = join(stack.dataDir, 'receipt.json');
    writeFileSync(receiptFile, receipt);
    const printed: string[] = [];
    await expect(runVerifyReceipt([receiptFile, '--key', keyFile], (line) => printed.push(line))).resolves.toBe(0);
    expect(printed.join('\n')).toContain(`VERIFIED: submission receipt of alert ${alertId}`);
  });

  it('practice: "My alerts" shows the alert waiting for review', async () => {
    await nav('My alerts');
    const card = page.locator(`[data-alert="${alertId}"]`);
    await card.waitFor();
    await expect(card.textContent()).resolves.toContain('Waiting for review');
    await checkPage('my alerts', 'my-alerts');
  });

  it('reviewers: two from other practices read the record and consent proof and approve it', async () => {
    for (const [i, reviewer] of [net.keys.elmReviewer, net.keys.valleyReviewer].entries()) {
      await switchTo(reviewer.apiKey);
      await expect(page.getByTestId('acting-as').textContent()).resolves.toContain('Reviewer');
      const card = page.locator('article', { hasText: alertId });
      await card.waitFor();
      const text = (await card.textContent()) ?? '';
      expect(text).toContain('What was said: “You know you want to.”');
      expect(text).toContain(createHash('sha256').update(intake).digest('hex'));
      expect(text).toContain('Write why, never who: no client names'); // the reason box warns against identifiers
      if (i === 0) await checkPage('review queue', 'review-queue');
      await card.getByLabel('Reason for your decision').fill('Detailed, consented record; consistent with the category.');
      await card.getByRole('button', { name: 'Approve' }).click();
      await page.getByText(`Your decision on ${alertId} is recorded.`).waitFor();
    }
    const alert = await stack.call('GET', `/v1/alerts/${alertId}`, { key: stack.adminKey });
    expect(alert.body.status).toBe('published');
  });

  it('admin: adds a practice, issues a key shown once, revokes it after a confirmation, publishes a clause version', async () => {
    await switchTo(stack.adminKey);
    await expect(page.getByTestId('acting-as').textContent()).resolves.toContain('Network administrator');
    await checkPage('admin overview', 'admin-overview');

    await nav('Practices');
    await page.getByLabel('Practice name').fill('Birch Lane Massage');
    await page.getByLabel('Region', { exact: true }).fill('CT');
    await page.getByRole('button', { name: 'Add the practice' }).click();
    await page.getByRole('cell', { name: 'Birch Lane Massage' }).waitFor();
    await checkPage('admin practices', 'admin-practices');

    await nav('API keys');
    await page.getByLabel('Role').selectOption('practice');
    const practice = page.locator('#key-practice:not([disabled])');
    if ((await practice.evaluate((el) => el.tagName)) === 'SELECT') await practice.selectOption(net.practices.elm);
    else await practice.fill(net.practices.elm);
    await page.getByLabel('Label').fill('Elm front desk');
    await page.getByRole('button', { name: 'Create the key' }).click();
    const fresh = page.getByLabel('API key for Elm front desk');
    await fresh.waitFor();
    await expect(page.getByText('This key is shown once').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Copy' }).isVisible()).resolves.toBe(true);
    const apiKey = await fresh.inputValue();
    await checkPage('admin key shown once', 'admin-new-key');
    expect((await stack.call('GET', '/v1/consent-clauses', { key: apiKey })).status).toBe(200);
    const keyId = /^pg\.(key_\w+)\./.exec(apiKey)?.[1] ?? '';
    await page.getByRole('button', { name: 'I have stored it: hide the key' }).click();
    await expect(fresh.count()).resolves.toBe(0);

    const byId = page.getByLabel('Key id to revoke');
    if (await byId.isVisible()) {
      await byId.fill(keyId);
      await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    } else {
      await page.getByRole('button', { name: 'Revoke Elm front desk' }).click();
    }
    await page.getByText(`Revoke key ${keyId}?`).waitFor();
    expect((await stack.call('GET', '/v1/consent-clauses', { key: apiKey })).status).toBe(200);
    await checkPage('admin revoke confirmation');
    await page.getByRole('button', { name: 'Yes, revoke it' }).click();
    await page.getByText(`Key ${keyId} is revoked.`).waitFor();
    expect((await stack.call('GET', '/v1/consent-clauses', { key: apiKey })).status).toBe(401);

    await nav('Consent clauses');
    await page.getByLabel('Publish').selectOption({ index: 1 });
    await page
      .getByLabel('Clause text')
      .fill('I authorise this practice to tell other participating professionals, in confidence, whether it would work with me again.');
    await page.getByRole('button', { name: 'Publish the clause' }).click();
    await page.getByText(/Published .*, version 2\./).waitFor();
    await checkPage('admin clauses', 'admin-clauses');
  });

  it('admin: suspends the published alert on a dispute and reinstates it', async () => {
    await nav('Alerts and disputes');
    const lookup = page.getByLabel('Find an alert by its id');
    await lookup.fill(alertId);
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    const card = page.locator(`[data-alert="${alertId}"]`).first();
    await card.waitFor();
    await card.getByRole('button', { name: 'Suspend (dispute)…' }).click();
    await expect(card.textContent()).resolves.toContain('Write why, never who: no client names');
    await card.getByLabel('What is disputed?').fill('The client disputes the account through counsel.');
    await card.getByRole('button', { name: 'Suspend the alert' }).click();
    await card.locator('h3 .pill', { hasText: 'Suspended (disputed)' }).waitFor();
    await checkPage('admin alerts', 'admin-alerts');
    await card.getByRole('button', { name: 'Reinstate…' }).click();
    await card.getByLabel('Why is it reinstated?').fill('Review of the dispute upheld the record.');
    await card.getByRole('button', { name: 'Reinstate the alert' }).click();
    await card.locator('h3 .pill', { hasText: 'Published' }).waitFor();
    expect((await stack.call('GET', `/v1/alerts/${alertId}`, { key: stack.adminKey })).body.status).toBe('published');
  });

  it('counsel: exports every page, verifies in the browser with the words of verify-export, and finds the check of one person', async () => {
    const check = await stack.call('POST', '/v1/checks', { key: net.keys.valleyDesk.apiKey, body: { subject: { phone: subjectPhone } } });
    expect(check.body.result).toBe('match');
    await switchTo(net.keys.auditor.apiKey);
    await expect(page.getByTestId('acting-as').textContent()).resolves.toContain('Counsel (auditor key)');
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel('From').fill(today);
    await page.getByLabel('To (inclusive)').fill(today);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const fetched = page.getByText(/Fetched all \d+ pages/);
    await fetched.waitFor();
    expect(Number(/all (\d+) pages/.exec((await fetched.textContent()) ?? '')?.[1])).toBeGreaterThanOrEqual(2);
    await page.getByRole('button', { name: 'Verify this export' }).click();
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor();
    const shown = (await verdict.textContent()) ?? '';
    expect(shown).toContain('Verified: intact and signed by the network.');
    await checkPage('counsel export', 'counsel-export');

    const exported = await download(() => page.getByRole('button', { name: 'Download the export' }).click());
    const exportFile = join(stack.dataDir, 'export.jsonl');
    writeFileSync(exportFile, exported);
    const norm = (text: string) => text.replace(/\s+/g, ' ').trim();
    const printed: string[] = [];
    await expect(runVerifyExport([exportFile, '--key', keyFile], (line) => printed.push(line))).resolves.toBe(0);
    const cliVerdict = printed.join('\n').replace(exportFile, `peerguard-audit-${today}-to-${today}.jsonl`);
    expect(cliVerdict).toContain('VERIFIED:');
    expect(norm(shown)).toContain(norm(cliVerdict.slice(cliVerdict.indexOf('VERIFIED:'))));

    // An edited entry: the browser gives the same verdict, word for word, as the CLI.
    const lines = exported.split('\n');
    lines[2] = lines[2]!.replace('"outcome":"success"', '"outcome":"failure"');
    const tampered = join(stack.dataDir, 'tampered.jsonl');
    writeFileSync(tampered, lines.join('\n'));
    await page.getByLabel('Export file (jsonl)').setInputFiles(tampered);
    await page.getByRole('button', { name: 'Verify the chosen file' }).click();
    await page.getByText('Not verified.').waitFor();
    const failed: string[] = [];
    await expect(runVerifyExport([tampered, '--key', keyFile], (line) => failed.push(line))).resolves.toBe(1);
    const cliFailure = failed.join('\n').replaceAll(tampered, 'tampered.jsonl');
    expect(cliFailure).toContain('the entry was edited');
    expect(norm((await verdict.textContent()) ?? '')).toContain(norm(cliFailure.slice(cliFailure.indexOf('FAILED:'))));
    await checkPage('counsel verify failed', 'counsel-verify-failed');

    await nav('Was this person checked?');
    await page.getByLabel('Phone', { exact: true }).fill(subjectPhone);
    await page.getByRole('button', { name: 'Search the export' }).click();
    const found = page.getByTestId('subject-found');
    await found.waitFor();
    await expect(found.textContent()).resolves.toContain('1 check of this person');
    await expect(page.getByLabel('Phone', { exact: true }).inputValue()).resolves.toBe('');
    await checkPage('counsel subject search', 'counsel-subject');
  });

  it('has no serious or critical accessibility violation on any page of these journeys', () => {
    expect(violations).toEqual([]);
  });
});
