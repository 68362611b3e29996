import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication, expect, type Page, test } from '@playwright/test';
import { REPO_ROOT } from './support/host';

/**
 * The Electron variant of the smoke test: the real shell (dist/main/electron-main.js) with its preload, protocols and
 * window. It runs only where Electron's binary is already installed and is skipped, with the reason printed,
 * elsewhere: it never triggers the download that `require('electron')` would (that fails offline).
 */
function locateElectron(): { path: string; reason?: undefined } | { path?: undefined; reason: string } {
  const dir = join(REPO_ROOT, 'node_modules', 'electron');
  if (!existsSync(join(dir, 'package.json'))) return { reason: 'the electron package is not installed' };
  const pathFile = join(dir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? join(override, relative || 'electron') : relative ? join(dir, 'dist', relative) : null;
  if (!candidate || !existsSync(candidate)) {
    return { reason: "Electron's binary is not downloaded (node_modules/electron/path.txt or dist/ missing; offline install?)" };
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'there is no display (run under xvfb-run to include the Electron tests)' };
  }
  return { path: candidate };
}

const electron = locateElectron();
if (electron.reason) console.log(`Electron e2e tests skipped: ${electron.reason}.`);

test.describe('Electron shell', () => {
  test.skip(electron.path === undefined, electron.reason ?? '');

  let app: ElectronApplication;
  let page: Page;
  let home: string;

  test.beforeAll(async () => {
    for (const built of ['dist/main/electron-main.js', 'dist/main/preload.cjs', 'dist/main/engine-main.js', 'dist/renderer/index.html']) {
      if (!existsSync(join(REPO_ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
    }
    home = mkdtempSync(join(tmpdir(), 'diffa-electron-e2e-'));
    const args = [REPO_ROOT, `--home=${home}`];
    // Chromium refuses to run as root with its OS sandbox (containers, CI); the page's own sandboxing is unaffected.
    if (process.getuid?.() === 0) args.push('--no-sandbox');
    const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
    delete env.ELECTRON_RUN_AS_NODE;
    app = await _electron.launch({ executablePath: electron.path, args, cwd: REPO_ROOT, env, timeout: 60_000 });
    page = await app.firstWindow();
  });

  test.afterAll(async () => {
    await app?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test('opens one window on the app page and renders the shell over the bridge', async () => {
    const testInfo = test.info();
    expect(page.url()).toMatch(/^app:\/\/diffa\//);
    await expect(page).toHaveTitle('Diffa Studio');
    await expect(page.getByTestId('app-shell')).toBeVisible();
    await expect(page.getByTestId('app-shell')).toHaveAttribute('data-connection', 'open');
    expect(app.windows()).toHaveLength(1);
    const shot = testInfo.outputPath('electron-shell.png');
    await page.screenshot({ path: shot });
    await testInfo.attach('electron-shell', { path: shot, contentType: 'image/png' });
    mkdirSync(join(REPO_ROOT, 'e2e', 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'e2e', 'artifacts', 'electron-shell.png') });
  });

  test('exposes window.diffa and nothing of Node', async () => {
    const seen = await page.evaluate(() => {
      const scope = globalThis as unknown as Record<string, unknown>;
      const bridge = scope.diffa as { shell?: unknown; send?: unknown; onMessage?: unknown; openDropped?: unknown } | undefined;
      return {
        bridge: typeof bridge,
        shell: bridge?.shell,
        methods: [typeof bridge?.send, typeof bridge?.onMessage, typeof bridge?.openDropped],
        require: typeof scope.require,
        process: typeof scope.process,
        module: typeof scope.module,
        Buffer: typeof scope.Buffer,
        ipcRenderer: typeof scope.ipcRenderer,
      };
    });
    expect(seen).toEqual({
      bridge: 'object',
      shell: 'electron',
      methods: ['function', 'function', 'function'],
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      Buffer: 'undefined',
      ipcRenderer: 'undefined',
    });
  });

  test('answers API requests through the bridge, validated by the main side', async () => {
    const replies = await page.evaluate(async () => {
      const bridge = (globalThis as unknown as { diffa: { send(m: unknown): void; onMessage(l: (m: unknown) => void): () => void } }).diffa;
      const ask = (message: { id: number } & Record<string, unknown>) =>
        new Promise<unknown>((resolve) => {
          const off = bridge.onMessage((reply) => {
            if ((reply as { type?: string; id?: number }).type === 'response' && (reply as { id?: number }).id === message.id) {
              off();
              resolve(reply);
            }
          });
          bridge.send(message);
        });
      return [
        await ask({ type: 'request', id: 900_001, method: 'app.info', params: {} }),
        await ask({ type: 'request', id: 900_002, method: 'fs.read', params: { path: '/etc/passwd' } }),
      ];
    });
    const [info, refused] = replies as [{ ok: boolean; result: { shell: string; home: string } }, { ok: boolean; error: { code: string } }];
    expect(info.ok).toBe(true);
    expect(info.result.shell).toBe('electron');
    expect(info.result.home).toBe(home);
    expect(refused.ok).toBe(false);
    expect(refused.error.code).toBe('bad_request');
  });

  test('does not navigate away from the app', async () => {
    const before = page.url();
    await page.evaluate(() => {
      window.location.href = 'file:///etc/hostname';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
    expect(await page.evaluate(() => window.open('app://diffa/index.html'))).toBeNull();
    expect(app.windows()).toHaveLength(1);
  });
});
