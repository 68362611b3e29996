import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { openAppHome, resolveHomeRoot } from './app-home';
import { openConfSettings } from './conf-settings';
import { DEFAULT_SETTINGS } from './settings';

describe('app home', () => {
  it('prefers --home, then DIFFA_HOME, then the platform default', () => {
    assert.equal(resolveHomeRoot('/tmp/a', { DIFFA_HOME: '/tmp/b' }), '/tmp/a');
    assert.equal(resolveHomeRoot(undefined, { DIFFA_HOME: '/tmp/b' }), '/tmp/b');
    assert.equal(
      resolveHomeRoot(undefined, { XDG_DATA_HOME: '/tmp/xdg' }),
      process.platform === 'linux' ? '/tmp/xdg/diffa-studio' : resolveHomeRoot(undefined, {}),
    );
  });

  it('creates its folders', () => {
    const home = openAppHome(join(tempDir(), 'home'));
    for (const dir of [home.models, home.library, home.cache, home.uploads, home.settings]) {
      assert.ok(dir.startsWith(home.root) && existsSync(dir) && statSync(dir).isDirectory(), dir);
    }
  });
});

describe('settings (conf)', () => {
  it('starts from defaults, persists updates and notifies', () => {
    const dir = tempDir();
    const settings = openConfSettings(dir);
    assert.deepEqual(settings.get(), DEFAULT_SETTINGS);
    const seen: string[] = [];
    settings.onChange((s) => seen.push(s.theme));
    settings.update({ theme: 'dark' });
    assert.deepEqual(seen, ['dark']);
    assert.equal(openConfSettings(dir).get().theme, 'dark');
  });

  it('keeps the recent list unique, newest first, at most 20', () => {
    const settings = openConfSettings(tempDir());
    for (let i = 0; i < 25; i++) settings.addRecentFile(`/audio/${i}.wav`);
    settings.addRecentFile('/audio/10.wav');
    const recent = settings.get().recentFiles;
    assert.equal(recent.length, 20);
    assert.equal(recent[0], '/audio/10.wav');
    assert.equal(new Set(recent).size, 20);
  });

  it('falls back to defaults when the file was edited into something invalid', () => {
    const dir = tempDir();
    openConfSettings(dir).update({ theme: 'light' });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ settings: { theme: 'neon', provider: 'cpu' } }));
    assert.deepEqual(openConfSettings(dir).get(), DEFAULT_SETTINGS);
  });

  it('refuses an invalid update without writing it', () => {
    const dir = tempDir();
    const settings = openConfSettings(dir);
    assert.throws(() => settings.update({ theme: 'neon' as 'dark' }));
    assert.equal(settings.get().theme, 'system');
  });
});
