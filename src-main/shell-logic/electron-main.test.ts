import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { appRoot } from '../core/resources';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';
import type { BrowserWindow, fake as Fake, FakeMessagePort, FakeWebContents } from './testing/fake-electron';

/**
 * The Electron shell's main process, run in plain Node: src-main/app/electron-main.ts is bundled by
 * scripts/build-main.mjs with `electron` aliased to a recording fake (./testing/fake-electron.ts), then driven through
 * what it registered. This checks the wiring that type-checking cannot (protocol handlers, the port handshake, ipc
 * validation, window and session rules) on machines where Electron's binary cannot be downloaded. The real thing is
 * covered by e2e/electron.spec.ts.
 */
const root = appRoot();
const home = tempDir('diffa-shell-home-');
const media = tempDir('diffa-shell-media-');
const first = writeSineWav(join(media, 'first & one.wav'), 0.5);
const second = writeSineWav(join(media, 'second.wav'), 0.25);

let fake: typeof Fake;
let window: BrowserWindow;
let bundleDir = '';

const trustedEvent = (sender: FakeWebContents) => ({ sender, senderFrame: sender.mainFrame });

async function until<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The page's end of the API port, as the preload would hold it. */
let pagePort: FakeMessagePort;
let nextId = 1;
function request(method: string, params: unknown = {}): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMessage = (event: { data: { type: string; id?: number } }) => {
      if (event.data.type === 'response' && event.data.id === id) {
        pagePort.off('message', onMessage);
        resolve(event.data as never);
      }
    };
    pagePort.on('message', onMessage);
    pagePort.postMessage({ type: 'request', id, method, params });
  });
}

before(async () => {
  mkdirSync(join(root, 'dist'), { recursive: true });
  bundleDir = mkdtempSync(join(root, 'dist', '.shell-test-'));
  // The real build (scripts/build-main.mjs: same entry, format, banner and plugins), with `electron` swapped for the fake.
  const fakeModule = join(root, 'src-main', 'shell-logic', 'testing', 'fake-electron.ts');
  const build = spawnSync(
    process.execPath,
    ['scripts/build-main.mjs', '--quiet', '--only', 'electron-main', '--outdir', bundleDir, '--fake-electron', fakeModule],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  assert.equal(build.status, 0, `build-main failed:\n${build.stderr}`);
  const argv = process.argv;
  process.argv = [process.execPath, root, `--home=${home}`, first, '--inspect=0'];
  try {
    await import(pathToFileURL(join(bundleDir, 'electron-main.js')).href);
  } finally {
    process.argv = argv;
  }
  fake = (globalThis as unknown as { __fakeElectron: typeof Fake }).__fakeElectron;
  window = await until(() => fake.windows[0], 'the window');
});

after(() => {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

describe('Electron shell main process (with a fake electron module)', () => {
  it('registers its schemes as privileged, enables the sandbox and keeps Chromium data under --home', () => {
    const schemes = fake.privileged as { scheme: string; privileges: Record<string, boolean> }[];
    assert.deepEqual(
      schemes.map((s) => s.scheme),
      ['app', 'diffa-media'],
    );
    for (const { privileges } of schemes) for (const key of ['standard', 'secure', 'supportFetchAPI', 'stream']) assert.equal(privileges[key], true, key);
    assert.ok(fake.app.sandboxed);
    assert.equal(fake.app.paths.get('userData'), join(home, 'shell'));
  });

  it('opens one window with secure web preferences on the app page', () => {
    assert.equal(fake.windows.length, 1);
    const prefs = window.options.webPreferences as Record<string, unknown>;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.webviewTag, false);
    assert.match(String(prefs.preload), /preload\.cjs$/);
    assert.equal(window.loadedUrl, 'app://diffa/index.html');
  });

  it('starts the engine as a utilityProcess from engine-main.js', () => {
    assert.equal(fake.forks.length, 1);
    assert.match(fake.forks[0] ?? '', /engine-main\.js$/);
  });

  it('serves the renderer at app://diffa/ with the CSP, and nothing outside it', async () => {
    const app = fake.handlers.get('app');
    assert.ok(app);
    const index = await app(new Request('app://diffa/index.html'));
    if (existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
      assert.equal(index.status, 200);
      assert.match(index.headers.get('content-type') ?? '', /text\/html/);
      const csp = index.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /media-src 'self' blob: diffa-media:/);
      assert.match(csp, /connect-src 'self' diffa-media:/);
      assert.match(await index.text(), /<html/i);
    } else {
      assert.equal(index.status, 503);
    }
    assert.equal((await app(new Request('app://diffa/no-such-file.js'))).status, 404);
    assert.equal((await app(new Request('app://elsewhere/index.html'))).status, 404);
    assert.equal((await app(new Request('app://diffa/..%2F..%2Fpackage.json'))).status, 404);
    assert.equal((await app(new Request('app://diffa/index.html', { method: 'POST', body: 'x' }))).status, 405);
  });

  it('hands a port only to the app page of its own window, and answers requests on it', async () => {
    const stranger = new (window.webContents.constructor as new () => FakeWebContents)();
    const hello = fake.ipcListeners.get('diffa:hello');
    assert.ok(hello);
    hello(trustedEvent(stranger));
    assert.equal(stranger.posted.length, 0);
    const elsewhere = { sender: window.webContents, senderFrame: { url: 'https://example.org/' } };
    hello(elsewhere);
    assert.equal(window.webContents.posted.length, 0);

    hello(trustedEvent(window.webContents));
    const posted = window.webContents.posted[0];
    assert.equal(posted?.channel, 'diffa:port');
    pagePort = posted?.transfer[0] as FakeMessagePort;
    assert.ok(pagePort);
    const info = await request('app.info');
    assert.equal(info.ok, true);
    assert.deepEqual({ ...(info.result as object), platform: 'x' }, { name: 'Diffa Studio', version: '0.0.0-fake', shell: 'electron', platform: 'x', home });
    const refused = await request('fs.readFile', { path: '/etc/passwd' });
    assert.equal(refused.error?.code, 'bad_request');
  });

  it('opens audio named on its command line, and streams it with Range at diffa-media://file/<id>', async () => {
    type Ref = { name: string; mediaUrl: string; size: number };
    const files = await until(async () => {
      const listed = (await request('files.list')).result as Ref[];
      return listed.length > 0 && listed;
    }, 'the command-line file');
    assert.equal(files[0]?.name, 'first & one.wav');
    const url = files[0]?.mediaUrl ?? '';
    assert.match(url, /^diffa-media:\/\/file\/[\w-]+$/);

    const handler = fake.handlers.get('diffa-media');
    assert.ok(handler);
    const partial = await handler(new Request(url, { headers: { Range: 'bytes=0-3' } }));
    assert.equal(partial.status, 206);
    assert.equal(partial.headers.get('content-range'), `bytes 0-3/${files[0]?.size}`);
    assert.equal(partial.headers.get('access-control-allow-origin'), 'app://diffa');
    assert.equal(await partial.text(), 'RIFF');
    const whole = await handler(new Request(url));
    assert.equal(whole.status, 200);
    assert.equal((await whole.arrayBuffer()).byteLength, files[0]?.size);
    assert.equal((await handler(new Request(url, { headers: { Range: 'bytes=999999-' } }))).status, 416);
    const head = await handler(new Request(url, { method: 'HEAD' }));
    assert.equal(head.status, 200);
    assert.equal(head.body, null);
    assert.equal((await handler(new Request('diffa-media://file/unknown-id'))).status, 404);
  });

  it('opens dropped files through the validated ipc channel, without echoing paths', async () => {
    const drop = fake.ipcHandlers.get('diffa:open-dropped');
    assert.ok(drop);
    assert.deepEqual(await drop({ sender: new (window.webContents.constructor as new () => FakeWebContents)(), senderFrame: null }, [second]), {
      errors: ['Refused: not the app window'],
    });
    assert.deepEqual(await drop(trustedEvent(window.webContents), 'not a list'), { errors: ['Dropped files must be a list of paths'] });
    const missing = (await drop(trustedEvent(window.webContents), [join(media, 'missing.wav')])) as { errors: string[] };
    assert.equal(missing.errors.length, 1);
    assert.ok(!missing.errors[0]?.includes(media), 'no folder path in the error');
    assert.deepEqual(await drop(trustedEvent(window.webContents), [second, '']), { errors: [] });
    const names = ((await request('files.list')).result as { name: string }[]).map((f) => f.name);
    assert.deepEqual(names, ['first & one.wav', 'second.wav']);
  });

  it('lists the recent files in File ▸ Open Recent, newest first', async () => {
    const menu = await until(() => {
      const last = fake.menus.at(-1) as { id?: string; submenu?: { id?: string; submenu?: { label?: string }[] }[] }[] | undefined;
      const recent = last?.find((m) => m.id === 'file')?.submenu?.find((m) => m.id === 'open-recent')?.submenu;
      return recent && recent.length === 2 && recent;
    }, 'the recent menu');
    assert.deepEqual(
      menu.map((item) => item.label),
      ['second.wav', 'first && one.wav'],
    );
  });

  it('keeps settings in <home>/settings/config.json through electron-store', async () => {
    const updated = await request('settings.update', { theme: 'dark' });
    assert.equal((updated.result as { theme: string }).theme, 'dark');
    const stored = JSON.parse(readFileSync(join(home, 'settings', 'config.json'), 'utf8')) as { settings: { theme: string; recentFiles: string[] } };
    assert.equal(stored.settings.theme, 'dark');
    assert.deepEqual(stored.settings.recentFiles, [second, first]);
  });

  it('pushes events on the port', async () => {
    const event = new Promise<{ event: string; data: unknown }>((resolve) => {
      const listener = (message: { data: { type: string; event: string; data: unknown } }) => {
        if (message.data.type === 'event' && message.data.event === 'settings.changed') {
          pagePort.off('message', listener);
          resolve(message.data);
        }
      };
      pagePort.on('message', listener);
    });
    await request('settings.update', { reducedMotion: true });
    assert.equal(((await event).data as { reducedMotion: boolean }).reducedMotion, true);
  });

  it('blocks navigation and new windows; only checked http(s) links go to the browser', () => {
    const contents = window.webContents;
    const navigate = (url: string) => {
      let prevented = false;
      contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    assert.ok(navigate('https://example.org/docs'));
    assert.ok(navigate('file:///etc/passwd'));
    assert.ok(navigate('app://diffa/other.html'));
    assert.deepEqual(contents.windowOpenHandler?.({ url: 'https://example.org/new' }), { action: 'deny' });
    assert.deepEqual(contents.windowOpenHandler?.({ url: 'javascript:alert(1)' }), { action: 'deny' });
    assert.deepEqual(fake.externalOpened, ['https://example.org/docs', 'https://example.org/new']);
    let attachPrevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => (attachPrevented = true) });
    assert.ok(attachPrevented);
  });

  it('denies permissions and network requests, and sets the CSP on documents', () => {
    const decisions: boolean[] = [];
    fake.permissions.request?.(window.webContents, 'media', (allowed: boolean) => decisions.push(allowed), { requestingUrl: 'app://diffa/index.html' });
    fake.permissions.request?.(window.webContents, 'notifications', (allowed: boolean) => decisions.push(allowed), {});
    assert.deepEqual(decisions, [false, false]);
    assert.equal(fake.permissions.check?.(window.webContents, 'clipboard-sanitized-write', 'app://diffa'), true);
    assert.equal(fake.permissions.check?.(window.webContents, 'geolocation', 'app://diffa'), false);

    const cancel = (url: string) => {
      let verdict: { cancel: boolean } | undefined;
      fake.webRequest.beforeRequest?.({ url }, (response: { cancel: boolean }) => (verdict = response));
      return verdict?.cancel;
    };
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      assert.equal(cancel('https://example.org/tracker.js'), true);
      assert.equal(cancel('ws://127.0.0.1:9/'), true);
    } finally {
      console.warn = warn;
    }
    assert.equal(cancel('app://diffa/assets/index.js'), false);
    assert.equal(cancel('diffa-media://file/abc'), false);

    let headers: Record<string, string[]> | undefined;
    fake.webRequest.headersReceived?.(
      { resourceType: 'mainFrame', url: 'app://diffa/index.html', responseHeaders: { 'content-security-policy': ['default-src *'] } },
      (response: { responseHeaders?: Record<string, string[]> }) => (headers = response.responseHeaders),
    );
    assert.deepEqual(Object.keys(headers ?? {}), ['Content-Security-Policy']);
    assert.match(headers?.['Content-Security-Policy']?.[0] ?? '', /default-src 'self'/);
    let untouched: unknown;
    fake.webRequest.headersReceived?.({ resourceType: 'mainFrame', url: 'devtools://devtools/bundled/inspector.html', responseHeaders: {} }, (r: unknown) => {
      untouched = r;
    });
    assert.deepEqual(untouched, {});
  });

  it('remembers the window geometry when the window closes', () => {
    window.emit('close');
    const stored = JSON.parse(readFileSync(join(home, 'settings', 'config.json'), 'utf8')) as { window: unknown };
    assert.deepEqual(stored.window, { bounds: { x: 10, y: 20, width: 1000, height: 700 }, maximized: false });
  });
});
