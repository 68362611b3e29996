import { test as base, expect, type Page } from '@playwright/test';
import { type RunningHost, startHost } from './support/host';

interface WorkerFixtures {
  /** One headless host per worker, with its own temporary DIFFA_HOME. */
  host: RunningHost;
}

export const test = base.extend<object, WorkerFixtures>({
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
  await expect(page.getByTestId('app-shell')).toHaveAttribute('data-connection', 'open');
  await expect(page.getByTestId('theme-select')).toBeEnabled();
}
