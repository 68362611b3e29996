import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, locateChromium } from './support/browser';

/**
 * End-to-end tests: the real headless host (a subprocess per worker, fresh DIFFA_HOME) serving the built renderer
 * (`dist/renderer`, so run `npm run build` first; `npm test` does), driven in Chromium. The Electron variant
 * (`electron*.spec.ts`) launches Electron itself where its binary exists.
 * Artifacts (screenshots, traces, the HTML report) go to e2e/artifacts/, which git ignores.
 */
const chromium = locateChromium();
/**
 * Tests wait for events; the time limits only bound how long a wait may take before it counts as a failure. On a
 * machine that is busy with other work (`npm run test:e2e:loaded` sets this to 3) every limit is stretched alike.
 */
const slack = Math.max(1, Number(process.env.E2E_TIME_SCALE) || 1);

export default defineConfig({
  testDir: '.',
  outputDir: 'artifacts/test-results',
  fullyParallel: false,
  // Two-core machines: one host subprocess and one browser per worker.
  workers: process.env.CI ? 1 : 2,
  retries: 0,
  // Generous: each test may start a host (tsx compile, engine start) on a busy two-core machine.
  timeout: 60_000 * slack,
  expect: { timeout: 10_000 * slack },
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list'], ['html', { outputFolder: 'artifacts/report', open: 'never' }]],
  use: { screenshot: 'only-on-failure', trace: 'retain-on-failure' },
  projects: [
    {
      name: 'chromium',
      testMatch: '*.spec.ts',
      testIgnore: 'electron*.spec.ts',
      use: {
        browserName: 'chromium',
        headless: true,
        viewport: { width: 1280, height: 800 },
        colorScheme: 'light',
        // Without a browser the `chromiumCheck` fixture fails every test with a message saying how to install one.
        launchOptions: { executablePath: chromium.path, args: CHROMIUM_ARGS },
      },
    },
    { name: 'electron', testMatch: 'electron*.spec.ts' },
  ],
});
