import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LibraryDoc, type Region, RegionSchema } from '../../../src-common/api/library';
import type { Settings } from '../../../src-common/api/schemas';
import { FakeApi, FixedMediaWatch, settle, ToastLog } from '../test-doubles';
import { HeardStore } from './heard.svelte';
import { SettingsStore } from './settings.svelte';
import { WorkspaceStore } from './workspace-store.svelte';

const settingsWith = (heardPart: Settings['heardPart']): Settings => ({
  theme: 'system',
  provider: 'auto',
  reducedMotion: false,
  decodingPreset: 'faithful',
  heardPart,
  stepPace: 'readable',
  recentFiles: [],
});
const region = (start: number, end: number): Region => RegionSchema.parse({ id: 'r1', number: 1, start, end });
const library = (regions: Region[]): LibraryDoc => ({
  schema: 1,
  fingerprint: 'f',
  fileName: 'f.wav',
  regions,
  regionNumbers: 1,
  exchanges: [],
  updatedAt: '',
});

/** Peaks of 1 s each, loud only in second `loud` (counted from the target's start). */
function peaks(start: number, seconds: number, loud: number) {
  const values = Array.from({ length: seconds }, (_, i) => (i === loud ? 0.9 : 0.05));
  return { sampleRate: 1024, samplesPerPeak: 1024, start, duration: 60, channels: [{ min: values.map((v) => -v), max: values }] };
}

/** The heard part with the real settings and workspace stores it reads, over one fake session. */
async function build(part: Settings['heardPart'] = 'start') {
  const api = new FakeApi().answer('settings.get', () => settingsWith(part)).answer('library.get', () => library([region(20, 50)]));
  const toasts = new ToastLog();
  const settings = new SettingsStore({ api, toasts, darkScheme: new FixedMediaWatch() });
  const workspace = new WorkspaceStore({ api, files: { selectedId: 'f' }, toasts });
  const heard = new HeardStore({ api, settings, workspace, toasts });
  api.connect();
  await settle();
  api.calls.length = 0;
  return { api, toasts, settings, workspace, heard };
}

describe('HeardStore', () => {
  it('has no window while the target fits in what the model hears, and the start of a longer one', async () => {
    const { heard, workspace, api } = await build('start');
    heard.file = { id: 'f', duration: 8 };
    heard.chunkSeconds = 10;
    assert.equal(heard.window, null, 'an 8 s file is heard whole');
    heard.file = { id: 'f', duration: 60 };
    assert.deepEqual(heard.window, { start: 0, end: 10 });
    workspace.selectRegion('r1');
    assert.deepEqual(heard.target, { start: 20, end: 50 });
    assert.deepEqual(heard.window, { start: 20, end: 30 });
    api.emit('settings.changed', settingsWith('centre'));
    assert.deepEqual(heard.window, { start: 30, end: 40 }, 'follows the setting');
    workspace.selectRegion(null);
    assert.deepEqual(heard.window, { start: 25, end: 35 }, 'the centre of the whole file');
  });

  it("centres the window on the target's loudest second, looked up once from the peaks", async () => {
    const { api, heard } = await build('loudest');
    api.answer('audio.peaks', ({ start, end }) => peaks(start ?? 0, Math.round((end ?? 60) - (start ?? 0)), 40));
    heard.file = { id: 'f', duration: 60 };
    heard.chunkSeconds = 10;
    assert.equal(heard.finding, true);
    assert.deepEqual(heard.window, { start: 0, end: 10 }, 'the start while it is looked up');
    await heard.findLoudest();
    await heard.findLoudest();
    assert.equal(heard.finding, false);
    assert.deepEqual(heard.window, { start: 35.5, end: 45.5 });
    assert.deepEqual(api.methods(), ['audio.peaks'], 'once per target');
    assert.deepEqual(api.calls[0]?.params, { id: 'f', start: 0, end: 60, width: 600 });
  });

  it('falls back to the start, saying so, when the peaks cannot be read', async () => {
    const { api, toasts, heard } = await build('loudest');
    api.answer('audio.peaks', () => {
      throw new Error('file changed on disk');
    });
    heard.file = { id: 'f', duration: 30 };
    heard.chunkSeconds = 10;
    await heard.findLoudest();
    assert.equal(heard.finding, false);
    assert.deepEqual(heard.window, { start: 0, end: 10 });
    assert.deepEqual(toasts.errors, ['Cannot find the loudest second; the model hears the start: file changed on disk']);
  });

  it('changes the setting through the main side', async () => {
    const { api, toasts, heard } = await build();
    api.answer('settings.update', () => {
      throw new Error('read-only');
    });
    await heard.setPart('centre');
    assert.deepEqual(api.calls[0], { method: 'settings.update', params: { heardPart: 'centre' } });
    assert.equal(toasts.errors.length, 1);
  });
});
