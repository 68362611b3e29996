import type { Page } from '@playwright/test';
import { expect, openApp, test } from './fixtures';
import { sineWav } from './support/wav';

/**
 * The renderer's Electron path, in Chromium: a stand-in `window.diffa` (installed before the page's scripts, as the
 * preload would) relays the contract's messages over the host's WebSocket, records what the page hands to
 * `openDropped`, and lets the test push events as the shell's menu would. Electron itself is covered by
 * electron.spec.ts where its binary exists.
 */
async function installFakeBridge(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const scope = globalThis as unknown as Record<string, unknown>;
    const listeners = new Set<(message: unknown) => void>();
    const queued: string[] = [];
    const dropped: string[][] = [];
    const socket = new WebSocket(`ws://${location.host}/api`);
    socket.addEventListener('open', () => {
      for (const text of queued.splice(0)) socket.send(text);
    });
    const deliver = (message: unknown) => {
      for (const listener of listeners) listener(message);
    };
    socket.addEventListener('message', (event) => deliver(JSON.parse(String(event.data))));
    scope.__dropped = dropped;
    scope.__shellEvent = (event: string, data: unknown) => deliver({ type: 'event', event, data });
    scope.diffa = {
      shell: 'electron',
      send(message: unknown) {
        const text = JSON.stringify(message);
        if (socket.readyState === WebSocket.OPEN) socket.send(text);
        else queued.push(text);
      },
      onMessage(listener: (message: unknown) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      async openDropped(files: File[]) {
        dropped.push(files.map((file) => file.name));
      },
    };
  });
}

const shellEvent = (page: Page, event: string, data: unknown) =>
  page.evaluate(([name, payload]) => (globalThis as unknown as { __shellEvent(e: unknown, d: unknown): void }).__shellEvent(name, payload), [event, data]);

test.describe('over the Electron bridge', () => {
  test.beforeEach(async ({ page, freshHost }) => {
    await installFakeBridge(page);
    await openApp(page, freshHost.url);
    await expect(page.getByTestId('app-shell')).toHaveAttribute('data-shell', 'electron');
  });

  test('the page talks through window.diffa and has no upload input', async ({ page }) => {
    await expect(page.getByTestId('file-input')).toHaveCount(0);
    await expect(page.getByTestId('engine-status')).toBeVisible();
    // Open… asks the main side for its open dialog (which this stand-in host does not have: its error shows).
    await page.getByTestId('open-file').click();
    await expect(page.getByTestId('toast')).toContainText('no open dialog');
  });

  test('menu commands arrive as app.command events: toggle theme, About, Open', async ({ page }) => {
    const html = page.locator('html');
    await expect(html).toHaveAttribute('data-theme', 'light');
    await shellEvent(page, 'app.command', { command: 'toggle-theme' });
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await expect(page.getByTestId('theme-select')).toHaveValue('dark');
    await shellEvent(page, 'app.command', { command: 'toggle-theme' });
    await expect(html).toHaveAttribute('data-theme', 'light');

    await shellEvent(page, 'app.command', { command: 'about' });
    await expect(page.getByTestId('about-dialog')).toBeVisible();
    await page.getByTestId('about-close').click();
    await expect(page.getByTestId('about-dialog')).toBeHidden();

    await shellEvent(page, 'app.command', { command: 'open-file' });
    await expect(page.getByTestId('toast')).toContainText('no open dialog');
  });

  test('dropped files go to openDropped, not to an upload', async ({ page }) => {
    const bytes = [...sineWav({ seconds: 0.2 })];
    await page.evaluate((data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'from-finder.wav', { type: 'audio/wav' }));
      for (const type of ['dragenter', 'dragover', 'drop'])
        document.body.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, bytes);
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { __dropped: string[][] }).__dropped)).toEqual([['from-finder.wav']]);
    await expect(page.getByTestId('file-uploading')).toHaveCount(0);
  });
});
