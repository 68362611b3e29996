import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, openApp, test } from './fixtures';
import { freePort, startHost } from './support/host';

test('when the host goes away the page says so, and reconnects when it is back', async ({ page }) => {
  const home = mkdtempSync(join(tmpdir(), 'diffa-e2e-'));
  const port = await freePort();
  const token = 'reconnect-test-token-0123456789';
  let host = await startHost({ port, token, home });
  try {
    await openApp(page, host.url);
    await expect(page.getByTestId('connection-banner')).toHaveCount(0);

    await host.stop();
    const banner = page.getByTestId('connection-banner');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText('Connection to Diffa Studio lost');
    await expect(page.getByTestId('app-shell')).toHaveAttribute('data-connection', 'lost');

    host = await startHost({ port, token, home });
    // Backoff would get there within 10 s; "Retry now" skips the wait (unless a retry already got through).
    await banner
      .getByRole('button', { name: 'Retry now' })
      .click({ timeout: 2000 })
      .catch(() => {});
    await expect(banner).toHaveCount(0, { timeout: 15_000 });
    await expect(page.getByTestId('app-shell')).toHaveAttribute('data-connection', 'open');
    // The API works again over the new socket.
    await page.getByTestId('about-button').click();
    await expect(page.getByTestId('about-version')).toContainText('Version');
  } finally {
    await host.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
