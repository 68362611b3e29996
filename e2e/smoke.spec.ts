import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openApp, test } from './fixtures';
import { REPO_ROOT, startHost } from './support/host';
import { writeSineWav } from './support/wav';

const ARTIFACTS = join(REPO_ROOT, 'e2e', 'artifacts');
const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('the shell renders when opened through the host URL with its token', async ({ page, freshHost: host }) => {
  // A fresh host: the worker's shared one may already have files open from other tests.
  await openApp(page, host.url);
  await expect(page).toHaveTitle('Diffa Studio');
  await expect(page.getByRole('heading', { name: 'Diffa Studio', level: 1 })).toBeVisible();
  await expect(page.getByTestId('open-file')).toBeVisible();
  await expect(page.getByTestId('file-list')).toBeAttached();
  await expect(page.getByTestId('engine-status')).toBeVisible();
  await expect(page.getByTestId('empty-state')).toBeVisible();
  // The token has done its job once the cookie is set: it is not left in the address bar.
  expect(new URL(page.url()).searchParams.has('token')).toBe(false);
});

test('the engine status shows the engine process and its execution providers', async ({ page, host }) => {
  await openApp(page, host.url);
  const status = page.getByTestId('engine-status');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.getByTestId('engine-backends')).toContainText('cpu');
});

test('About lists the app version and each installed model with its licence', async ({ page, host }) => {
  await openApp(page, host.url);
  await page.getByTestId('about-button').click();
  const dialog = page.getByTestId('about-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('about-version')).toContainText(`Version ${version}`);
  const models = await listModels(host.origin, host.token);
  if (models.length === 0) await expect(dialog.getByTestId('no-models')).toBeVisible();
  for (const model of models) {
    const item = dialog.getByTestId('model-item').filter({ hasText: model.name });
    await expect(item.getByTestId('model-licence')).toHaveText(model.licence);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

test('screenshot of the shell with a file open', async ({ page }, testInfo) => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const tone = writeSineWav(testInfo.outputPath('tone-440hz.wav'), { seconds: 3, frequency: 440 });
  const host = await startHost({ files: [tone] });
  try {
    await openApp(page, host.url);
    await expect(page.getByTestId('file-name')).toHaveText('tone-440hz.wav');
    await expect(page.getByTestId('file-duration')).not.toHaveText('–');
    await expect(page.getByTestId('engine-status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    const shot = join(ARTIFACTS, 'shell.png');
    await page.screenshot({ path: shot });
    await testInfo.attach('shell', { path: shot, contentType: 'image/png' });
    if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(shot, join(REPO_ROOT, 'docs', 'screenshot.png'));
  } finally {
    await host.stop();
  }
});

/** The models the host knows, read over the API itself (a WebSocket with the token), for comparing with the dialog. */
async function listModels(origin: string, token: string): Promise<{ name: string; licence: string }[]> {
  const { WebSocket } = await import('ws');
  const socket = new WebSocket(`${origin.replace('http', 'ws')}/api?token=${token}`, { origin });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const reply = new Promise<{ result: { name: string; licence: string }[] }>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
  socket.send(JSON.stringify({ type: 'request', id: 1, method: 'models.list', params: {} }));
  const { result } = await reply;
  socket.close();
  return result;
}

test('every control has an accessible name', async ({ page, host }) => {
  await openApp(page, host.url);
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, select, input:not([aria-hidden="true"]), [role="button"]')]
      .filter((el) => !(el.getAttribute('aria-label') || el.textContent?.trim() || el.closest('label')?.textContent?.trim()))
      .map((el) => el.outerHTML),
  );
  expect(unnamed).toEqual([]);
});
