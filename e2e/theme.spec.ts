import { appReady, expect, openApp, test } from './fixtures';

test('the chosen theme persists across a reload (it lives in the settings)', async ({ page, freshHost: host }) => {
  // Its own host: the theme is app-wide state, and other tests' screenshots expect the default one.
  await openApp(page, host.url);
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'light');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const lightBackground = await background();

  await page.getByTestId('theme-select').selectOption('dark');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  expect(await background()).not.toBe(lightBackground);

  // The page caches the last theme for its first paint; without that cache the theme must come from the settings.
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await appReady(page);
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByTestId('theme-select')).toHaveValue('dark');

  // 'system' follows the operating system's preference, live.
  await page.getByTestId('theme-select').selectOption('system');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(html).toHaveAttribute('data-theme', 'dark');
});
