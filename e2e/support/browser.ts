import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Where the e2e tests look for a browser, in order: $DIFFA_CHROMIUM, the system's Chromium, Playwright's own. */
const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function findChromium(): string {
  const override = process.env.DIFFA_CHROMIUM;
  if (override) {
    if (!existsSync(override)) throw new Error(`DIFFA_CHROMIUM points to ${override}, which does not exist`);
    return override;
  }
  for (const path of SYSTEM_CHROMIUM) if (existsSync(path)) return path;
  const bundled = chromium.executablePath();
  if (bundled && existsSync(bundled)) return bundled;
  throw new Error(
    [
      'The e2e tests need Chromium and none was found.',
      "Install one of: the system package (Debian/Ubuntu: `sudo apt-get install chromium`), or Playwright's own build",
      '(`npx playwright install chromium`), or point DIFFA_CHROMIUM at a Chromium/Chrome executable.',
    ].join(' '),
  );
}

/** Flags for a headless Chromium in containers and CI: no sandbox (no user namespaces), no GPU, no network chatter. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];
