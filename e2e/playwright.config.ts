import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './support/browser';

/**
 * End-to-end tests: the real headless host (a subprocess per worker, fresh DIFFA_HOME) serving the built renderer
 * (`dist/renderer`, so run `npm run build:renderer` first; `npm test` does), driven in Chromium.
 * Artifacts (screenshots, traces, the HTML report) go to e2e/artifacts/, which git ignores.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // The Electron variant has its own spec files and launches Electron itself, where its binary exists.
  testIgnore: 'electron*.spec.ts',
  outputDir: 'artifacts/test-results',
  fullyParallel: false,
  workers: process.env.CI ? 1 : 2,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list'], ['html', { outputFolder: 'artifacts/report', open: 'never' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
