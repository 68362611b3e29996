import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Settings } from '../../../src-common/api/schemas';
import { FakeApi, FixedMediaWatch, settle, ToastLog } from '../test-doubles';
import { SettingsStore } from './settings.svelte';

const saved = (patch: Partial<Settings> = {}): Settings => ({
  theme: 'system',
  provider: 'auto',
  reducedMotion: false,
  decodingPreset: 'faithful',
  heardPart: 'start',
  stepPace: 'readable',
  recentFiles: [],
  ...patch,
});

function build(initial = saved()) {
  let current = initial;
  const api = new FakeApi()
    .answer('settings.get', () => current)
    .answer('settings.update', (patch) => {
      current = { ...current, ...patch };
      return current;
    });
  const toasts = new ToastLog();
  const darkScheme = new FixedMediaWatch(false);
  const settings = new SettingsStore({ api, toasts, darkScheme });
  return { api, toasts, darkScheme, settings };
}

describe('SettingsStore', () => {
  it('reads the settings when a channel opens and follows settings.changed', async () => {
    const { api, settings } = build();
    assert.equal(settings.current?.theme, undefined);
    assert.equal(settings.theme, 'system', 'the theme before the settings arrive');
    api.connect();
    await settle();
    assert.equal(settings.current?.decodingPreset, 'faithful');
    api.emit('settings.changed', saved({ decodingPreset: 'fast' }));
    assert.equal(settings.current?.decodingPreset, 'fast');
  });

  it('resolves "system" from the system scheme as it changes, and toggles to the opposite of what is shown', async () => {
    const { api, darkScheme, settings } = build();
    api.connect();
    await settle();
    assert.equal(settings.effectiveTheme, 'light');
    darkScheme.set(true);
    assert.equal(settings.effectiveTheme, 'dark');
    await settings.toggleTheme();
    assert.equal(settings.current?.theme, 'light', 'dark was shown, so light is chosen');
    assert.equal(settings.effectiveTheme, 'light');
    await settings.toggleTheme();
    assert.equal(settings.current?.theme, 'dark');
  });

  it('says why the settings could not be read or changed, keeping what it had', async () => {
    const { api, toasts, settings } = build();
    api.answer('settings.get', () => {
      throw new Error('settings file is locked');
    });
    api.connect();
    await settle();
    assert.deepEqual(toasts.errors, ['Cannot read the settings: settings file is locked']);
    api.emit('settings.changed', saved({ theme: 'dark' }));
    api.answer('settings.update', () => {
      throw new Error('read-only disk');
    });
    await settings.setTheme('light');
    assert.equal(settings.current?.theme, 'dark');
    assert.equal(toasts.errors[1], 'Cannot change the theme: read-only disk');
  });

  it('lets go of the session and the media query when disposed', async () => {
    const { api, darkScheme, settings } = build();
    await settings.dispose();
    assert.equal(api.subscriptions, 0);
    assert.equal(darkScheme.listening, 0);
  });
});
