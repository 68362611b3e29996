import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aboutMessage } from './about';
import { parseShellArgs } from './args';
import { appAssetMimeType } from './assets';
import { MIN_HEIGHT, MIN_WIDTH, restoreWindowState } from './bounds';
import { MAX_DROPPED_FILES, parseDroppedPaths } from './dropped-paths';
import { buildMenuTemplate, escapeMenuLabel, type MenuActions, type MenuSpec } from './menu-template';
import { addCspSources, externalLinkTarget, isAllowedRequestUrl, isAppUrl, isInternalUrl, isPermissionAllowed, mediaIdFromUrl, mediaUrl } from './security';

describe('parseShellArgs', () => {
  it('reads --home and --file in both spellings, relative to cwd', () => {
    const args = parseShellArgs(['.', '--home', 'data', '--file=a.wav', '--file', '/x/b.flac'], '/work');
    assert.equal(args.home, '/work/data');
    assert.deepEqual(args.files, ['/work/a.wav', '/x/b.flac']);
    assert.equal(parseShellArgs(['--home=/h']).home, '/h');
  });

  it('takes bare audio paths (file associations) and ignores the app folder and Chromium switches', () => {
    const args = parseShellArgs(['/opt/app', '--no-sandbox', '--inspect=0', 'Song.MP3', 'notes.txt', '--remote-debugging-port=0'], '/home/u');
    assert.deepEqual(args.files, ['/home/u/Song.MP3']);
    assert.equal(args.home, undefined);
  });

  it('does not swallow a following switch as a value, and removes duplicates', () => {
    const args = parseShellArgs(['--home', '--file', '/a.wav', '/a.wav']);
    assert.equal(args.home, undefined);
    assert.deepEqual(args.files, ['/a.wav']);
  });
});

describe('navigation and network rules', () => {
  it('recognises the app and media URLs', () => {
    assert.ok(isAppUrl('app://diffa/index.html'));
    assert.ok(!isAppUrl('app://evil/index.html'));
    assert.ok(!isAppUrl('https://diffa/'));
    assert.ok(!isAppUrl('not a url'));
    assert.ok(isInternalUrl('devtools://devtools/bundled/inspector.html'));
    assert.equal(mediaUrl('0b6f-12'), 'diffa-media://file/0b6f-12');
    assert.equal(mediaIdFromUrl(mediaUrl('0b6f-12')), '0b6f-12');
    assert.equal(mediaIdFromUrl('diffa-media://file/../etc/passwd'), null);
    assert.equal(mediaIdFromUrl('diffa-media://other/abc'), null);
    assert.equal(mediaIdFromUrl('app://diffa/abc'), null);
  });

  it('lets only the app schemes reach the network stack', () => {
    for (const url of ['app://diffa/assets/x.js', 'diffa-media://file/abc', 'data:text/plain,hi', 'blob:app://diffa/1234'])
      assert.ok(isAllowedRequestUrl(url), url);
    for (const url of ['https://example.com/', 'http://127.0.0.1:8080/', 'ws://localhost/', 'file:///etc/passwd', 'app://elsewhere/x', 'ftp://x/'])
      assert.ok(!isAllowedRequestUrl(url), url);
  });

  it('hands only plain http(s) links to the browser', () => {
    assert.equal(externalLinkTarget('https://example.org/docs?a=1'), 'https://example.org/docs?a=1');
    assert.equal(externalLinkTarget('http://example.org'), 'http://example.org/');
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://user:pw@example.org/',
      'smb://server/share',
      'app://diffa/',
      `https://e.org/${'a'.repeat(3000)}`,
      '',
    ])
      assert.equal(externalLinkTarget(url), null, url);
  });

  it('denies every permission but clipboard writing from the app', () => {
    assert.ok(isPermissionAllowed('clipboard-sanitized-write', 'app://diffa/index.html'));
    assert.ok(!isPermissionAllowed('clipboard-sanitized-write', 'https://example.org/'));
    assert.ok(!isPermissionAllowed('clipboard-sanitized-write', undefined));
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen'])
      assert.ok(!isPermissionAllowed(permission, 'app://diffa/'), permission);
  });

  it('adds sources to a CSP directive without duplicating, and creates missing directives', () => {
    const policy = "default-src 'self'; media-src 'self' blob:; object-src 'none'";
    assert.equal(addCspSources(policy, 'media-src', ['diffa-media:', 'blob:']), "default-src 'self'; media-src 'self' blob: diffa-media:; object-src 'none'");
    assert.equal(addCspSources(policy, 'frame-src', ["'none'"]), `${policy}; frame-src 'none'`);
    assert.equal(addCspSources("img-src 'none'", 'img-src', ['data:']), 'img-src data:');
  });
});

describe('appAssetMimeType', () => {
  it('types the files of a Vite build', () => {
    assert.equal(appAssetMimeType('/r/index.html'), 'text/html; charset=utf-8');
    assert.equal(appAssetMimeType('/r/assets/index-abc.JS'), 'text/javascript; charset=utf-8');
    assert.equal(appAssetMimeType('/r/a.wasm'), 'application/wasm');
    assert.equal(appAssetMimeType('/r/unknown.bin'), 'application/octet-stream');
  });
});

describe('restoreWindowState', () => {
  const screens = [
    { x: 0, y: 0, width: 1920, height: 1080 },
    { x: 1920, y: 0, width: 1280, height: 1024 },
  ];
  const fallback = { width: 1280, height: 820 };

  it('centres the default size when nothing (or garbage) was saved', () => {
    for (const saved of [undefined, null, 42, { bounds: { x: 'a' } }, { bounds: { x: 0, y: 0, width: 10, height: 10 } }]) {
      assert.deepEqual(restoreWindowState(saved, screens, fallback), { bounds: { x: 320, y: 130, width: 1280, height: 820 }, maximized: false });
    }
  });

  it('keeps a saved window that is on a screen, with its maximised flag', () => {
    const saved = { bounds: { x: 2000, y: 50, width: 1000, height: 700 }, maximized: true };
    assert.deepEqual(restoreWindowState(saved, screens, fallback), { bounds: saved.bounds, maximized: true });
  });

  it('recentres a window whose screen is gone, and pulls a half-visible one in', () => {
    assert.equal(restoreWindowState({ bounds: { x: 5000, y: 0, width: 800, height: 600 } }, screens, fallback).bounds.x, 320);
    const pulled = restoreWindowState({ bounds: { x: -300, y: -10, width: 1000, height: 700 } }, screens, fallback).bounds;
    assert.deepEqual(pulled, { x: 0, y: 0, width: 1000, height: 700 });
  });

  it('clamps to the screen and to the minimum size', () => {
    const small = restoreWindowState({ bounds: { x: 10, y: 10, width: 400, height: 300 } }, screens, fallback).bounds;
    assert.deepEqual([small.width, small.height], [MIN_WIDTH, MIN_HEIGHT]);
    const huge = restoreWindowState({ bounds: { x: 0, y: 0, width: 4000, height: 3000 } }, screens, fallback).bounds;
    assert.deepEqual(huge, { x: 0, y: 0, width: 1920, height: 1080 });
  });
});

describe('parseDroppedPaths', () => {
  it('accepts absolute paths, skips files without one and removes duplicates', () => {
    assert.deepEqual(parseDroppedPaths(['/a/b.wav', '', '/a/b.wav', '/c.mp3']), ['/a/b.wav', '/c.mp3']);
  });

  it('refuses anything else', () => {
    for (const raw of [null, 'x', { length: 1 }, ['relative.wav'], [42], ['/a\0b'], [`/${'a'.repeat(5000)}`], Array(MAX_DROPPED_FILES + 1).fill('/a.wav')]) {
      assert.throws(() => parseDroppedPaths(raw), Error, JSON.stringify(raw)?.slice(0, 40));
    }
  });
});

describe('buildMenuTemplate', () => {
  const calls: string[] = [];
  const actions: MenuActions = {
    open: () => calls.push('open'),
    openRecent: (index) => calls.push(`recent ${index}`),
    quit: () => calls.push('quit'),
    toggleTheme: () => calls.push('theme'),
    toggleDevTools: () => calls.push('devtools'),
    about: () => calls.push('about'),
  };
  const find = (items: readonly MenuSpec[], id: string): MenuSpec | undefined => {
    for (const item of items) {
      if (item.id === id) return item;
      const inner = item.submenu && find(item.submenu, id);
      if (inner) return inner;
    }
    return undefined;
  };
  const roles = (items: readonly MenuSpec[]): string[] => items.flatMap((item) => [...(item.role ? [item.role] : []), ...roles(item.submenu ?? [])]);

  it('has File, Edit, View and Help on Windows and Linux, Quit in File', () => {
    const menu = buildMenuTemplate({ platform: 'linux', isPackaged: false, appName: 'Diffa Studio', recent: [] }, actions);
    assert.deepEqual(
      menu.map((item) => item.id),
      ['file', 'edit', 'view', 'help'],
    );
    assert.equal(find(menu, 'open')?.accelerator, 'CmdOrCtrl+O');
    assert.equal(find(menu, 'quit')?.accelerator, 'Ctrl+Q');
    assert.equal(find(menu, 'recent-empty')?.enabled, false);
    for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'zoomIn', 'zoomOut', 'resetZoom']) assert.ok(roles(menu).includes(role), role);
    calls.length = 0;
    for (const id of ['open', 'quit', 'toggle-theme', 'toggle-devtools', 'about']) find(menu, id)?.click?.();
    assert.deepEqual(calls, ['open', 'quit', 'theme', 'devtools', 'about']);
  });

  it('lists recent files by name, disables missing ones and opens by index', () => {
    const recent = [
      { index: 0, name: 'R&B take.wav', exists: true },
      { index: 1, name: 'gone.flac', exists: false },
    ];
    const menu = buildMenuTemplate({ platform: 'win32', isPackaged: true, appName: 'Diffa Studio', recent }, actions);
    assert.equal(find(menu, 'recent-0')?.label, 'R&&B take.wav');
    assert.equal(find(menu, 'recent-1')?.label, 'gone.flac (missing)');
    assert.equal(find(menu, 'recent-1')?.enabled, false);
    calls.length = 0;
    find(menu, 'recent-0')?.click?.();
    assert.deepEqual(calls, ['recent 0']);
  });

  it('has no developer tools or reload in a packaged build', () => {
    const menu = buildMenuTemplate({ platform: 'linux', isPackaged: true, appName: 'Diffa Studio', recent: [] }, actions);
    assert.equal(find(menu, 'toggle-devtools'), undefined);
    assert.ok(!roles(menu).includes('reload'));
  });

  it('follows macOS conventions: app menu with Quit, window menu, Close in File', () => {
    const menu = buildMenuTemplate({ platform: 'darwin', isPackaged: true, appName: 'Diffa Studio', recent: [] }, actions);
    assert.deepEqual(
      menu.map((item) => item.id),
      ['app', 'file', 'edit', 'view', 'window', 'help'],
    );
    assert.equal(find(menu, 'quit')?.accelerator, 'Cmd+Q');
    assert.ok(find(menu, 'about'));
    assert.ok(roles(find(menu, 'file')?.submenu ?? []).includes('close'));
  });

  it('escapes mnemonics', () => assert.equal(escapeMenuLabel('a & b && c'), 'a && b &&&& c'));
});

describe('aboutMessage', () => {
  it('shows the version, the runtime and every model with its licence', () => {
    const { message, detail } = aboutMessage({
      appName: 'Diffa Studio',
      version: '0.1.0',
      versions: { electron: '45.5.0', chrome: '140.0', node: '22.1.0' },
      models: [
        { name: 'DIFFA Tiny', version: '1', licence: 'MIT', bundled: true },
        { name: 'DIFFA-2', version: '2.0', licence: 'Apache-2.0', bundled: false },
      ],
    });
    assert.equal(message, 'Diffa Studio 0.1.0');
    assert.match(detail, /Electron 45\.5\.0 · Chromium 140\.0 · Node 22\.1\.0/);
    assert.match(detail, /DIFFA Tiny 1 \(bundled\) — licence: MIT/);
    assert.match(detail, /DIFFA-2 2\.0 — licence: Apache-2\.0/);
  });

  it('says when there are no models, or when they could not be listed', () => {
    assert.match(aboutMessage({ appName: 'A', version: '1', versions: {}, models: [] }).detail, /Installed models:\n {2}none/);
    assert.match(aboutMessage({ appName: 'A', version: '1', versions: {}, models: [], modelError: 'EACCES' }).detail, /could not be listed: EACCES/);
  });
});
