import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Exchange, ExchangeSchema, type LibraryDoc, RegionSchema } from '../../src-common/api/library';
import type { ModelDetails } from '../../src-common/api/model-details';
import type { ModelSummary, Settings } from '../../src-common/api/schemas';
import { HeardStore } from '../lib/stores/heard.svelte';
import { SettingsStore } from '../lib/stores/settings.svelte';
import { WorkspaceStore } from '../lib/stores/workspace-store.svelte';
import { FakeApi, FixedMediaWatch, MemoryStorage, settle, ToastLog } from '../lib/test-doubles';
import { CHAT_MODEL_KEY, ChatStore, MAX_WIDTH } from './chat.svelte';

const settings = (patch: Partial<Settings> = {}): Settings => ({
  theme: 'system',
  provider: 'auto',
  reducedMotion: false,
  decodingPreset: 'faithful',
  heardPart: 'start',
  stepPace: 'readable',
  recentFiles: [],
  ...patch,
});
const summary = (id: string): ModelSummary => ({ id, name: id, version: '1', licence: 'MIT', description: '', bundled: id === 'diffa-tiny', sizeBytes: 1 });
const details = (id: string): ModelDetails => ({
  id,
  name: id,
  version: '1',
  licence: 'MIT',
  description: '',
  decoding: { sampler: 'factor', steps: 8, genLength: 16, blockLength: 16, temperature: 0, cfgScale: 0, factor: 1, threshold: 0.9, cache: 'none' },
  suggestedQuestions: [],
  tasks: [],
  chunkSeconds: 10,
  capabilities: { version: 1, trained_tasks: [], multi_turn: false, heard_seconds: 10, open_questions: true },
});
const exchange = (id: string, regionId: string | null): Exchange =>
  ExchangeSchema.parse({
    id,
    regionId,
    span: { start: 0, end: null },
    question: 'What is it?',
    askedAt: '2026-01-01T00:00:00.000Z',
    modelId: 'diffa-tiny',
    decoding: {},
    status: 'pending',
    answer: null,
    trace: [],
    error: null,
    redenoiseOf: null,
  });
const library = (): LibraryDoc => ({
  schema: 1,
  fingerprint: 'f',
  fileName: 'f.wav',
  regions: [RegionSchema.parse({ id: 'r1', number: 1, start: 20, end: 50 })],
  regionNumbers: 1,
  exchanges: [],
  updatedAt: '',
});

/** The chat with the real settings, workspace and heard stores it reads, over one fake session. */
function build(installed = ['diffa-tiny', 'other'], stored: Record<string, string> = {}) {
  const api = new FakeApi()
    .answer('settings.get', () => settings())
    .answer('library.get', () => library())
    .answer('models.list', () => installed.map(summary))
    .answer('models.details', ({ id }) => details(id))
    .answer('chat.ask', (params) => exchange('x1', params.regionId));
  const toasts = new ToastLog();
  const storage = new MemoryStorage();
  for (const [key, value] of Object.entries(stored)) storage.set(key, value);
  const reducedMotion = new FixedMediaWatch(false);
  const settingsStore = new SettingsStore({ api, toasts, darkScheme: new FixedMediaWatch() });
  const workspace = new WorkspaceStore({ api, files: { selectedId: 'f' }, toasts });
  const heard = new HeardStore({ api, settings: settingsStore, workspace, toasts });
  let clock = 1000;
  const chat = new ChatStore({ api, settings: settingsStore, heard, workspace, toasts, storage, reducedMotion, now: () => clock++ });
  return { api, toasts, storage, reducedMotion, workspace, heard, chat };
}

describe('ChatStore', () => {
  it('picks the remembered model when it is installed, else diffa-tiny, and reads its manifest', async () => {
    const first = build(['other', 'diffa-tiny'], { [CHAT_MODEL_KEY]: 'gone' });
    first.api.connect();
    await settle();
    assert.equal(first.chat.modelId, 'diffa-tiny');
    assert.equal(first.chat.details?.id, 'diffa-tiny');
    assert.equal(first.storage.get(CHAT_MODEL_KEY), 'diffa-tiny');
    const second = build(['diffa-tiny', 'other'], { [CHAT_MODEL_KEY]: 'other' });
    second.api.connect();
    await settle();
    assert.equal(second.chat.modelId, 'other');
  });

  it('cannot ask before the settings and the model are known, and says why', async () => {
    const { api, chat } = build();
    assert.equal(chat.problem, 'The settings are not loaded yet.');
    assert.equal(await chat.ask('f', 'What is it?'), null);
    assert.deepEqual(api.methods(), [], 'nothing was sent');
    api.connect();
    await settle();
    assert.equal(chat.problem, null);
    assert.equal(chat.preset, 'faithful');
    assert.equal(chat.decoding?.sampler, 'low-confidence', 'faithful: one token per step');
    assert.equal(chat.decoding?.steps, 16);
    api.emit('settings.changed', settings({ decodingPreset: 'fast' }));
    assert.equal(chat.decoding?.sampler, 'factor', "fast: the model's own sampler");
  });

  it('asks about the selected region with its heard part and model, and adds the exchange to the workspace', async () => {
    const { api, workspace, heard, chat } = build();
    api.connect();
    await settle();
    heard.file = { id: 'f', duration: 60 };
    heard.chunkSeconds = 10;
    workspace.selectRegion('r1');
    const asked = await chat.ask('f', '  What is it?  ');
    assert.equal(asked?.id, 'x1');
    const call = api.calls.find((c) => c.method === 'chat.ask');
    assert.deepEqual(call?.params, {
      fileId: 'f',
      regionId: 'r1',
      question: 'What is it?',
      decoding: { sampler: 'low-confidence', steps: 16, genLength: 16, blockLength: 16, temperature: 0, cfgScale: 0, cache: 'none', seed: 0 },
      modelId: 'diffa-tiny',
      heardStart: 20,
    });
    assert.deepEqual(
      workspace.doc?.exchanges.map((e) => e.id),
      ['x1'],
    );
    assert.equal(chat.submittedAt.x1, 1000);
    assert.equal(chat.asking, false);
  });

  it('refuses a question the checks refuse, and reports a failed ask without leaving "asking" on', async () => {
    const { api, toasts, chat } = build();
    api.connect();
    await settle();
    assert.equal(await chat.ask('f', 'x'.repeat(5000)), null);
    assert.match(toasts.errors[0] ?? '', /^Cannot ask: /);
    api.answer('chat.ask', () => {
      throw new Error('engine_crashed');
    });
    assert.equal(await chat.ask('f', 'What is it?'), null);
    assert.equal(toasts.errors[1], 'Cannot ask: engine_crashed');
    assert.equal(chat.asking, false);
  });

  it("keeps the question's own decoding changes across a reconnect, and drops them when the model changes", async () => {
    const { api, chat } = build();
    api.connect();
    await settle();
    chat.setOverride('steps', 4);
    assert.equal(chat.decoding?.steps, 4);
    api.connect();
    await settle();
    assert.equal(chat.decoding?.steps, 4, 'a reconnect re-chooses the same model');
    await chat.chooseModel('other');
    assert.equal(chat.decoding?.steps, 16);
  });

  it('remembers the width (clamped) and the scope, and follows the reduced-motion query until disposed', async () => {
    const { api, storage, reducedMotion, chat } = build(['diffa-tiny'], { 'diffa.chat.width': '5000', 'diffa.chat.scope': 'thread' });
    assert.equal(chat.width, MAX_WIDTH);
    assert.equal(chat.scope, 'thread');
    chat.setWidth(10);
    assert.equal(storage.get('diffa.chat.width'), '320');
    reducedMotion.set(true);
    assert.equal(chat.reducedMotion, true);
    await chat.dispose();
    assert.equal(reducedMotion.listening, 0);
    api.connect();
    await settle();
    assert.equal(
      api.calls.some((c) => c.method === 'models.list'),
      false,
      'a disposed chat does not load models',
    );
  });

  it('reads the measured facts of an answer once, and again after a failure', async () => {
    const { api, chat } = build();
    let fail = true;
    api.answer('audio.facts', () => {
      if (fail) throw new Error('decoding failed');
      return {} as never;
    });
    const x = exchange('x1', null);
    await chat.loadFacts('f', x);
    assert.deepEqual(chat.facts.x1, { state: 'error', error: 'decoding failed' });
    fail = false;
    await chat.loadFacts('f', x);
    await chat.loadFacts('f', x);
    assert.equal(chat.facts.x1?.state, 'ready');
    assert.equal(api.methods().filter((m) => m === 'audio.facts').length, 2);
  });
});
