import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, openApp, test } from './fixtures';
import { startHost } from './support/host';
import { sineWav, writeSineWav } from './support/wav';

/** Chooses files through the real file chooser the Open… button brings up. */
async function pickFiles(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('open-file').click();
  await (await chooser).setFiles(files);
}

const fileItem = (page: Page, name: string) => page.getByTestId('file-item').filter({ hasText: name });

test('a WAV picked with Open… is uploaded, listed, selected and streams with Range', async ({ page, host }) => {
  await openApp(page, host.url);
  const wav = sineWav({ seconds: 1.5, frequency: 440, sampleRate: 16_000 });
  await pickFiles(page, [{ name: 'picked-sine.wav', mimeType: 'audio/wav', buffer: wav }]);

  await expect(fileItem(page, 'picked-sine.wav')).toBeVisible();
  await expect(page.getByTestId('file-name')).toHaveText('picked-sine.wav');
  await expect(page.getByTestId('file-size')).toHaveText('48 KB');
  const audio = page.getByTestId('audio-player');
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.duration), { message: 'audio duration' }).toBeCloseTo(1.5, 2);
  await expect(page.getByTestId('file-duration')).toHaveText('0:01.50');

  // The media element can seek to the end: the host answers Range requests.
  const seeked = await audio.evaluate(
    (el: HTMLAudioElement) =>
      new Promise<number>((resolve) => {
        el.addEventListener('seeked', () => resolve(el.currentTime), { once: true });
        el.currentTime = 1.4;
      }),
  );
  expect(seeked).toBeCloseTo(1.4, 1);

  // And the page's own (cookie-authenticated) requests get exactly the bytes asked for.
  const src = await audio.getAttribute('src');
  const range = await page.evaluate(async (url) => {
    const reply = await fetch(url ?? '', { headers: { Range: 'bytes=40-47' } });
    return { status: reply.status, contentRange: reply.headers.get('content-range'), bytes: [...new Uint8Array(await reply.arrayBuffer())] };
  }, src);
  expect(range.status).toBe(206);
  expect(range.contentRange).toBe(`bytes 40-47/${wav.length}`);
  expect(range.bytes).toEqual([...wav.subarray(40, 48)]);
});

test('A-law CAF and AIFF, which the browser cannot play itself, play as the host’s decoded WAV and seek', async ({ page, host }, testInfo) => {
  await openApp(page, host.url);
  for (const [name, codec] of [
    ['alaw.caf', 'pcm_alaw'],
    ['tone.aiff', 'pcm_s16be'],
  ] as const) {
    const path = testInfo.outputPath(name);
    execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'sine=f=440:r=8000:d=1.5', '-c:a', codec, path]);
    await pickFiles(page, [{ name, mimeType: 'application/octet-stream', buffer: readFileSync(path) }]);
    await expect(page.getByTestId('file-name')).toHaveText(name);
    const audio = page.getByTestId('audio-player');
    await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.duration), { message: `${name} duration` }).toBeCloseTo(1.5, 2);
    const seeked = await audio.evaluate(
      (el: HTMLAudioElement) =>
        new Promise<number>((resolve) => {
          el.addEventListener('seeked', () => resolve(el.currentTime), { once: true });
          el.currentTime = 1.2;
        }),
    );
    expect(seeked).toBeCloseTo(1.2, 1);
    expect(await audio.evaluate((el: HTMLAudioElement) => el.error?.code ?? null)).toBeNull();
    await expect(page.getByTestId('toast').filter({ hasText: 'Cannot play' })).toHaveCount(0);
  }
});

test('a file that is not audio shows a clear toast, and the app keeps working', async ({ page, host }) => {
  await openApp(page, host.url);
  await pickFiles(page, [{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('These are my notes, not a sound.\n') }]);

  const toast = page.getByTestId('toast').filter({ hasText: 'notes.txt' });
  await expect(toast).toBeVisible();
  await expect(toast).toContainText('Cannot open notes.txt: not an audio format');
  await expect(toast).toHaveAttribute('role', 'alert');
  await expect(fileItem(page, 'notes.txt')).toHaveCount(0);

  await toast.getByRole('button', { name: 'Dismiss notification' }).click();
  await expect(toast).toHaveCount(0);

  await pickFiles(page, [{ name: 'after-error.wav', mimeType: 'audio/wav', buffer: sineWav({ seconds: 0.5 }) }]);
  await expect(page.getByTestId('file-name')).toHaveText('after-error.wav');
  await expect(page.getByTestId('connection-banner')).toHaveCount(0);
});

test('dropping an audio file anywhere on the window opens it', async ({ page, host }) => {
  await openApp(page, host.url);
  const bytes = [...sineWav({ seconds: 0.25 })];
  await page.evaluate((data) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(data)], 'dropped.wav', { type: 'audio/wav' }));
    const target = document.querySelector('main') ?? document.body;
    for (const type of ['dragenter', 'dragover', 'drop'])
      target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, bytes);
  await expect(fileItem(page, 'dropped.wav')).toBeVisible();
  await expect(page.getByTestId('file-name')).toHaveText('dropped.wav');
  await expect(page.getByTestId('drop-overlay')).toHaveCount(0);
});

test('closing a file removes it; the recent list opens it again', async ({ page, host }) => {
  await openApp(page, host.url);
  await pickFiles(page, [{ name: 'to-close.wav', mimeType: 'audio/wav', buffer: sineWav({ seconds: 0.3 }) }]);
  await expect(fileItem(page, 'to-close.wav')).toBeVisible();

  await page.getByRole('button', { name: 'Close to-close.wav' }).click();
  await expect(fileItem(page, 'to-close.wav')).toHaveCount(0);

  await page.getByTestId('recent-list').getByRole('button', { name: 'to-close.wav' }).first().click();
  await expect(fileItem(page, 'to-close.wav')).toBeVisible();
  await expect(page.getByTestId('file-name')).toHaveText('to-close.wav');
});

test('a file preloaded with --file is open when the page loads', async ({ page }, testInfo) => {
  const path = writeSineWav(testInfo.outputPath('preloaded.wav'), { seconds: 2, sampleRate: 22_050 });
  writeFileSync(testInfo.outputPath('unrelated.txt'), 'not opened');
  const host = await startHost({ files: [path] });
  try {
    await openApp(page, host.url);
    await expect(page.getByTestId('file-item')).toHaveCount(1);
    await expect(fileItem(page, 'preloaded.wav')).toBeVisible();
    await expect(page.getByTestId('file-name')).toHaveText('preloaded.wav');
    await expect.poll(() => page.getByTestId('audio-player').evaluate((el: HTMLAudioElement) => el.duration)).toBeCloseTo(2, 2);
  } finally {
    await host.stop();
  }
});

test('the keyboard reaches everything: Ctrl+O opens the picker, Tab reaches the file controls', async ({ page, host }) => {
  await openApp(page, host.url);
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Control+o');
  await (await chooser).setFiles([{ name: 'keyboard.wav', mimeType: 'audio/wav', buffer: sineWav({ seconds: 0.4 }) }]);
  await expect(page.getByTestId('file-name')).toHaveText('keyboard.wav');

  const close = page.getByRole('button', { name: 'Close keyboard.wav' });
  for (let i = 0; i < 30 && !(await close.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(close).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(fileItem(page, 'keyboard.wav')).toHaveCount(0);
});
