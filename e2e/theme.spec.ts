import { expect, openApp, test } from './fixtures';
import { startHost } from './support/host';

test('the chosen theme persists across a reload (it lives in the settings)', async ({ page }) => {
  // Its own host: the theme is app-wide state, and other tests' screenshots expect the default one.
  const host = await startHost();
  try {
    await openApp(page, host.url);
    const html = page.locator('html');
    await expect(html).toHaveAttribute('data-theme', 'light');
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const lightBackground = await background();

    await page.getByTestId('theme-select').selectOption('dark');
    await expect(html).toHaveAttribute('data-theme', 'dark');
    expect(await background()).not.toBe(lightBackground);

    await page.reload();
    await openApp(page, page.url());
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await expect(page.getByTestId('theme-select')).toHaveValue('dark');

    // 'system' follows the operating system's preference, live.
    await page.getByTestId('theme-select').selectOption('system');
    await expect(html).toHaveAttribute('data-theme', 'light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(html).toHaveAttribute('data-theme', 'dark');
  } finally {
    await host.stop();
  }
});
