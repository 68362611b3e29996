#!/usr/bin/env node
// Renders assets/icon.svg into the PNG icons electron-builder packages (assets/icon.png at 1024 px for macOS and
// Windows, which electron-builder converts to .icns / .ico, and assets/icons/<N>x<N>.png for Linux), using Chromium
// through playwright-core. Run it after changing the SVG: `node scripts/make-icons.mjs`.
// CHROMIUM_PATH picks the browser (default /usr/bin/chromium, else Playwright's own).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const svg = readFileSync(join(root, 'assets', 'icon.svg'), 'utf8');
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  const render = async (size, path) => {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`,
    );
    await page.screenshot({ path, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
  };
  mkdirSync(join(root, 'assets', 'icons'), { recursive: true });
  await render(1024, join(root, 'assets', 'icon.png'));
  for (const size of [16, 32, 48, 64, 128, 256, 512]) await render(size, join(root, 'assets', 'icons', `${size}x${size}.png`));
  console.log('Wrote assets/icon.png and assets/icons/*.png');
} finally {
  await browser.close();
}
