/**
 * Debian's Chromium, as the console's browser tests and `npm run bench:console` drive it: headless,
 * and with nothing that reaches for hosts this machine cannot reach (updates, sync, networking in
 * the background), so a run stays quiet and quick.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumFlags: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
