import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { knownUnavailable } from '../src-main/engine/providers';
import { expect, openApp, test } from './fixtures';
import { REPO_ROOT } from './support/host';
import { sineWav } from './support/wav';

/**
 * Regions from the keyboard ([ and ] at the playhead, as in Audacity), numbers that stay put when a region is deleted
 * (the list, the Ask menu and earlier answers agree), Ctrl+Z bringing a deleted region back, and "/" to the Ask box.
 */

async function clickAt(page: Page, fraction: number): Promise<void> {
  const box = await page.getByTestId('waveform').boundingBox();
  if (!box) throw new Error('no waveform box');
  await page.mouse.click(box.x + box.width * fraction, box.y + box.height * 0.8);
}

const numbers = (page: Page) => page.getByTestId('region-number').allTextContents();

test('regions from [ and ], stable numbers after a delete, Ctrl+Z, and / to ask', async ({ page, host }) => {
  await openApp(page, host.url);
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('open-file').click();
  await (await chooser).setFiles([{ name: 'keys.wav', mimeType: 'audio/wav', buffer: sineWav({ seconds: 10, frequency: 310 }) }]);
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await expect(page.getByTestId('peaks-progress')).toHaveCount(0, { timeout: 60_000 });

  // Three regions, each from [ at one playhead position and ] at another.
  for (const [from, to] of [
    [0.1, 0.3],
    [0.4, 0.6],
    [0.7, 0.9],
  ] as const) {
    await page.keyboard.press('Escape');
    await clickAt(page, from);
    await page.keyboard.press('[');
    await expect(page.getByTestId('marked-start')).toBeVisible();
    await clickAt(page, to);
    await page.keyboard.press(']');
  }
  await expect(page.getByTestId('region-row')).toHaveCount(3);
  await expect.poll(() => numbers(page)).toEqual(['1', '2', '3']);
  const rows = page.getByTestId('region-row');
  const third = (await rows.nth(2).locator('.pick .times').textContent()) ?? '';
  expect(third).toMatch(/^0:0[67]\.\d{3} – 0:0[89]\.\d{3}$/);

  // With Region 3 selected, [ moves its start to the playhead.
  await rows.nth(2).locator('.pick').click();
  await clickAt(page, 0.65);
  await page.keyboard.press('[');
  await expect(rows.nth(2).locator('.pick .times')).not.toHaveText(third);

  // An answer about Region 3.
  await page.getByTestId('ask-target').selectOption({ label: (await page.getByTestId('ask-target').locator('option').nth(3).textContent()) ?? '' });
  await page.keyboard.press('/');
  await expect(page.getByTestId('ask-input')).toBeFocused();
  await page.keyboard.type('What kind of sound is this?');
  await page.keyboard.press('Enter');
  const exchange = page.getByTestId('exchange').last();
  await expect(exchange.getByTestId('answer')).toBeVisible({ timeout: 60_000 });
  await expect(exchange.getByTestId('region-chip')).toContainText('Region 3');

  // Delete Region 2: Region 3 stays Region 3 in the list, the Ask menu and the earlier answer.
  await page.getByRole('button', { name: 'Delete region 2' }).click();
  await expect(rows).toHaveCount(2);
  await expect.poll(() => numbers(page)).toEqual(['1', '3']);
  const options = await page.getByTestId('ask-target').locator('option').allTextContents();
  expect(options.map((o) => o.split(' (')[0])).toEqual(['Whole file', 'Region 1', 'Region 3']);
  await expect(exchange.getByTestId('region-chip')).toContainText('Region 3');

  // Ctrl+Z brings Region 2 back with its number; a new region then gets 4, not a number already used.
  await page.getByTestId('workspace').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect(rows).toHaveCount(3);
  await expect.poll(() => numbers(page)).toEqual(['1', '2', '3']);
  await expect(page.getByTestId('undo-delete')).toHaveCount(0);
  await page.getByRole('button', { name: 'Delete region 1' }).click();
  await expect(page.getByTestId('undo-delete')).toContainText('Region 1');
  await page.getByTestId('region-list').screenshot({ path: join(REPO_ROOT, 'e2e', 'artifacts', 'regions-undo.png') });
  await page.keyboard.press('Escape');
  await clickAt(page, 0.02);
  await page.keyboard.press('[');
  await clickAt(page, 0.08);
  await page.keyboard.press(']');
  await expect(rows).toHaveCount(3);
  await expect.poll(() => numbers(page)).toEqual(['4', '2', '3']);
  await page.getByTestId('undo-delete').click();
  await expect.poll(() => numbers(page)).toEqual(['4', '1', '2', '3']);
});

test('the engine status lists only the providers usable on this machine', async ({ page, host }) => {
  await openApp(page, host.url);
  const backends = page.getByTestId('engine-backends');
  await expect(backends).toContainText('cpu', { timeout: 30_000 });
  const webgpu = knownUnavailable('webgpu');
  if (webgpu) {
    await expect(backends).not.toContainText('webgpu');
    await expect(page.getByTestId('engine-status')).toHaveAttribute('title', /Not usable here: webgpu \(no Vulkan driver/);
  }
});

test('a file that finishes opening in the background does not take over the view or the export target', async ({ page, host }) => {
  await openApp(page, host.url);
  const open = async (name: string, frequency: number) => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('open-file').click();
    await (await chooser).setFiles([{ name, mimeType: 'audio/wav', buffer: sineWav({ seconds: 1, frequency }) }]);
  };
  await open('first.wav', 410);
  await expect(page.getByTestId('file-name')).toHaveText('first.wav');
  await open('second.wav', 420);
  await expect(page.getByTestId('file-name')).toHaveText('second.wav');

  // The third file's upload is held until the person has gone back to the first file.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route('**/upload?name=slow.wav*', async (route) => {
    await held;
    await route.continue();
  });
  await open('slow.wav', 430);
  await expect(page.getByTestId('file-uploading')).toContainText('slow.wav');
  await page.getByTestId('file-item').filter({ hasText: 'first.wav' }).getByRole('button', { name: 'first.wav', exact: true }).click();
  await expect(page.getByTestId('file-name')).toHaveText('first.wav');
  release();
  await expect(page.getByTestId('file-item').filter({ hasText: 'slow.wav' })).toHaveCount(1);
  await expect(page.getByTestId('file-uploading')).toHaveCount(0);
  // Still the first file, in the view and as the export target (the selected file).
  await expect(page.getByTestId('file-name')).toHaveText('first.wav');
  await expect(page.getByTestId('file-item').filter({ hasText: 'first.wav' }).getByRole('button', { name: 'first.wav', exact: true })).toHaveAttribute(
    'aria-current',
    'true',
  );
});

test('toasts never cover the Ask box, even with the widest chat panel, and can be dismissed', async ({ page, host }) => {
  await page.addInitScript(() => localStorage.setItem('diffa.chat.width', '760'));
  await openApp(page, host.url);
  const pick = async (name: string, mimeType: string, buffer: Buffer) => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('open-file').click();
    await (await chooser).setFiles([{ name, mimeType, buffer }]);
  };
  await pick('toast.wav', 'audio/wav', sineWav({ seconds: 1, frequency: 450 }));
  await expect(page.getByTestId('ask-input')).toBeVisible();
  await pick('notes.txt', 'text/plain', Buffer.from('not audio'));
  await pick('notes2.txt', 'text/plain', Buffer.from('not audio either'));
  const toast = page.getByTestId('toast');
  await expect(toast).toHaveCount(2);
  const ask = await page.locator('form.composer').boundingBox();
  if (!ask) throw new Error('no Ask box');
  for (const box of await Promise.all((await toast.all()).map((t) => t.boundingBox()))) {
    if (!box) throw new Error('no toast box');
    const overlaps = box.x < ask.x + ask.width && ask.x < box.x + box.width && box.y < ask.y + ask.height && ask.y < box.y + box.height;
    expect(overlaps, `toast ${JSON.stringify(box)} covers the Ask box ${JSON.stringify(ask)}`).toBe(false);
  }
  await toast.first().getByTestId('toast-dismiss').click();
  await expect(toast).toHaveCount(1);
  await pick('notes3.txt', 'text/plain', Buffer.from('still not audio'));
  await expect(toast).toHaveCount(2);
  await page.getByTestId('toast-dismiss-all').click();
  await expect(toast).toHaveCount(0);
});
