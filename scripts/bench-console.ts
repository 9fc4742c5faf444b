/**
 * `npm run bench:console -- --url http://127.0.0.1:3000 --key <practice api key> [--bookings 1000]`
 *
 * Measures the web console as a front desk meets it, in Debian's Chromium against a running
 * server (start it with a screening quota above the list's size, e.g. CHECKS_PER_MINUTE=100000):
 * the first-load JavaScript and CSS (gzipped), the time from opening the page to a usable
 * sign-in form and from signing in to a usable screening form, and the time to screen a CSV of
 * N bookings (100 a request). Prints the figures; it asserts nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { consoleDist } from './lib/console-build.ts';
import { chromiumFlags, chromiumPath } from './lib/chromium.ts';

const { values } = parseArgs({
  options: { url: { type: 'string', default: 'http://127.0.0.1:3000' }, key: { type: 'string' }, bookings: { type: 'string', default: '1000' } },
});
if (!values.key) {
  process.stderr.write('usage: npm run bench:console -- --url <server> --key <practice api key> [--bookings 1000]\n');
  process.exit(2);
}

const html = readFileSync(join(consoleDist, 'index.html'), 'utf8');
const firstLoad = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
const gz = (file: string) => gzipSync(readFileSync(join(consoleDist, file)), { level: 9 }).length;
const firstLoadBytes = firstLoad.reduce((sum, file) => sum + gz(file), 0);
const lazy = readdirSync(join(consoleDist, 'assets')).filter((file) => !firstLoad.includes(`assets/${file}`));

const browser = await chromium.launch({ executablePath: chromiumPath, headless: false, args: [...chromiumFlags] });
try {
  const page = await browser.newPage();
  let started = performance.now();
  await page.goto(`${values.url}/`);
  await page.getByLabel('API key').waitFor();
  const toSignIn = performance.now() - started;
  await page.getByLabel('API key').fill(values.key);
  started = performance.now();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Screen this booking' }).waitFor();
  const toScreening = performance.now() - started;

  const n = Number(values.bookings);
  const rows = ['ref,fullName,dateOfBirth,phone,email'];
  for (let i = 0; i < n; i += 1) rows.push(`BENCH-${i},Bench Client ${i},1980-01-01,+1 860 555 ${String(i % 10_000).padStart(4, '0')},bench${i}@example.org`);
  await page.getByRole('navigation').getByRole('button', { name: 'Screen a list (CSV)' }).click();
  await page.getByLabel('CSV file of bookings').setInputFiles({ name: 'bench.csv', mimeType: 'text/csv', buffer: Buffer.from(`${rows.join('\n')}\n`) });
  started = performance.now();
  await page.getByRole('button', { name: 'Screen the list' }).click();
  await page.getByText(`Done: ${n} bookings handled.`).waitFor({ timeout: 300_000 });
  const toScreenList = performance.now() - started;

  const lines = [
    `first-load JS + CSS, gzipped: ${(firstLoadBytes / 1024).toFixed(1)} KB (${firstLoad.join(', ')}); loaded later: ${lazy.map((file) => `${file} ${(gz(`assets/${file}`) / 1024).toFixed(1)} KB`).join(', ')}`,
    `open → sign-in form usable: ${toSignIn.toFixed(0)} ms`,
    `sign in → screening form usable: ${toScreening.toFixed(0)} ms`,
    `${n}-booking CSV screened (${Math.ceil(n / 100)} requests of 100): ${(toScreenList / 1000).toFixed(1)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await browser.close();
}
