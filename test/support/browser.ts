import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startLocalNetwork, type LocalNetworkProcess } from './local-process.ts';
import { apiClient, type Call } from './api-client.ts';
import { chromiumFlags, chromiumPath } from '../../scripts/lib/chromium.ts';

/**
 * The browser suite's harness: the real `npm start` process (its tables fresh ones in the
 * run's DynamoDB Local) serving the built console, and Debian's Chromium driven by
 * playwright-core with a fresh profile. Every page visited can be checked with axe-core and
 * photographed at desktop and phone widths.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
export const screenshotDir = join(root, 'dist', 'screenshots');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface ConsoleStack {
  readonly server: LocalNetworkProcess;
  readonly baseUrl: string;
  readonly adminKey: string;
  readonly call: Call;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export async function startConsoleStack(env: Record<string, string> = {}): Promise<ConsoleStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'peerguard-browser-'));
  const prefix = `b${randomBytes(4).toString('hex')}`;
  const server = await startLocalNetwork({
    DATA_DIR: dataDir,
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    API_KEYS_TABLE: `${prefix}-keys`,
    MAIN_TABLE: `${prefix}-main`,
    TOKEN_TABLE: `${prefix}-tokens`,
    AUDIT_TABLE: `${prefix}-audit`,
    LOG_LEVEL: 'ERROR',
    ...env,
  });
  const adminKey = /admin API key:\s+(\S+)/.exec(server.output())?.[1];
  if (!adminKey) throw new Error(`npm start printed no admin key:\n${server.output()}`);
  return {
    server,
    baseUrl: server.baseUrl,
    adminKey,
    call: apiClient(server.baseUrl),
    dataDir,
    stop: async () => {
      if (server.child.exitCode === null) await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  readonly context: BrowserContext;
  readonly downloads: string;
  /** Every console message and page error of every page, as text. */
  readonly consoleMessages: string[];
  /** Every URL any page requested or navigated to. */
  readonly urls: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export const desktop = { width: 1280, height: 860 };
export const phone = { width: 390, height: 844 };

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'peerguard-chromium-'));
  const downloads = join(profile, 'downloads');
  mkdirSync(downloads);
  const context = await chromium.launchPersistentContext(join(profile, 'user-data'), {
    executablePath: chromiumPath,
    headless: false,
    args: [...chromiumFlags, '--hide-scrollbars'],
    viewport: desktop,
    acceptDownloads: true,
    downloadsPath: downloads,
  });
  // A step that cannot find what it looks for fails in 10 s, well inside a test's time.
  context.setDefaultTimeout(10_000);
  const consoleMessages: string[] = [];
  const urls: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => consoleMessages.push(`pageerror: ${error.message}`));
    page.on('request', (request) => urls.push(request.url()));
    page.on('framenavigated', (frame) => urls.push(frame.url()));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    downloads,
    consoleMessages,
    urls,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function signIn(page: Page, baseUrl: string, apiKey: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/** Runs axe-core in the page (evaluated, not a script tag: the console's CSP allows no inline script) and returns the serious and critical violations. */
export async function seriousViolations(page: Page, label: string): Promise<string[]> {
  const has = await page.evaluate('typeof window.axe === "object"');
  if (!has) await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    `window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)) })))`,
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${label}: ${v.id} (${v.impact}) ${v.help} at ${v.targets.join(' | ')}`);
}

/** Photographs the page at desktop and phone widths into dist/screenshots (gitignored). */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(phone);
  await page.screenshot({ path: join(screenshotDir, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(desktop);
}
