import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Where the e2e tests look for a browser, in order: $DIFFA_CHROMIUM, the system's Chromium, Playwright's own. */
const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export type ChromiumLookup = { path: string; error?: undefined } | { path?: undefined; error: string };

export function locateChromium(): ChromiumLookup {
  const override = process.env.DIFFA_CHROMIUM;
  if (override) return existsSync(override) ? { path: override } : { error: `DIFFA_CHROMIUM points to ${override}, which does not exist.` };
  for (const path of SYSTEM_CHROMIUM) if (existsSync(path)) return { path };
  const bundled = chromium.executablePath();
  if (bundled && existsSync(bundled)) return { path: bundled };
  return {
    error: [
      'The e2e tests need Chromium and none was found.',
      "Install one of: the system package (Debian/Ubuntu: `sudo apt-get install chromium`), Playwright's own build",
      '(`npx playwright install chromium`), or point DIFFA_CHROMIUM at a Chromium or Chrome executable.',
    ].join(' '),
  };
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
