import { test as base, expect, type Page } from '@playwright/test';
import { locateChromium } from './support/browser';
import { type RunningHost, startHost } from './support/host';

interface WorkerFixtures {
  /** One headless host per worker, with its own temporary DIFFA_HOME. */
  host: RunningHost;
  /** Fails with a message saying how to install a browser when no Chromium was found. */
  chromiumCheck: undefined;
}

interface TestFixtures {
  /** A host of this test's own, with an empty DIFFA_HOME: for tests that need a known starting state. */
  freshHost: RunningHost;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  freshHost: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
    async ({}, use) => {
      const host = await startHost();
      await use(host);
      await host.stop();
    },
    { timeout: 60_000 },
  ],
  chromiumCheck: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
    async ({}, use) => {
      const { error } = locateChromium();
      if (error) throw new Error(error);
      await use(undefined);
    },
    { scope: 'worker', auto: true },
  ],
  host: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
    async ({}, use) => {
      const host = await startHost();
      await use(host);
      await host.stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

export { expect };

/** Opens the page through the URL the host printed (token included) and waits until it talks to the host. */
export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await appReady(page);
}

/** Waits until the page has connected to the host and loaded the settings. */
export async function appReady(page: Page): Promise<void> {
  // Generous: a host just started on a busy two-core machine can take a while to answer its first page.
  await expect(page.getByTestId('app-shell')).toHaveAttribute('data-connection', 'open', { timeout: 30_000 });
  await expect(page.getByTestId('theme-select')).toBeEnabled();
}
