import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Exchange, ExchangeSchema } from '../../src-common/api/library';
import type { AudioFileRef } from '../../src-common/api/schemas';
import type { BatchProgressEvent } from '../../src-common/interchange/api-schemas';
import { FakeApi, MemoryStorage, settle, ToastLog } from '../lib/test-doubles';
import { InterchangeStore } from './interchange.svelte';

const file: AudioFileRef = { id: 'f', name: 'f.wav', size: 1, mime: 'audio/wav', mediaUrl: '/m/f' };
const exchange = (id: string, status: Exchange['status']): Exchange =>
  ExchangeSchema.parse({
    id,
    regionId: 'r1',
    span: { start: 0, end: 1 },
    question: 'What is it?',
    askedAt: '2026-01-01T00:00:00.000Z',
    modelId: 'diffa-tiny',
    decoding: {},
    status,
    answer: null,
    trace: [],
    error: null,
    redenoiseOf: null,
  });
const progress = (patch: Partial<BatchProgressEvent>): BatchProgressEvent => ({
  batchId: 'b1',
  total: 4,
  answered: 0,
  skipped: 0,
  failed: 0,
  current: null,
  elapsedMs: 0,
  etaMs: null,
  state: 'running',
  failure: null,
  outPath: '/out',
  ...patch,
});
const updated = (e: Exchange) => ({ fileId: 'f', exchange: e, traceLength: 0 });

function build() {
  const api = new FakeApi();
  const toasts = new ToastLog();
  const saved: string[] = [];
  const added: string[] = [];
  const loaded: string[] = [];
  const interchange = new InterchangeStore({
    api,
    files: { selected: file, selectedId: 'f', open: [file] },
    workspace: {
      load: async (id: string | null) => void loaded.push(String(id)),
      addExchange: (e: Exchange) => void added.push(e.id),
    },
    toasts,
    storage: new MemoryStorage(),
    save: (fileName) => void saved.push(fileName),
  });
  return { api, toasts, interchange, saved, added, loaded };
}

describe('InterchangeStore', () => {
  it('counts an ask-per-tier run from chat.updated, including answers that ended before the request replied', async () => {
    const { api, interchange, added } = build();
    let reply: ((value: { exchanges: Exchange[] }) => void) | undefined;
    api.answer('interchange.askTier', () => new Promise((resolve) => (reply = resolve)));
    const started = interchange.askTier('f', 'words', 'What is it?');
    await settle();
    api.emit('chat.updated', updated(exchange('x1', 'done')));
    reply?.({ exchanges: [exchange('x1', 'pending'), exchange('x2', 'pending'), exchange('x3', 'pending')] });
    assert.equal(await started, true);
    assert.deepEqual(
      { total: interchange.askRun?.total, done: interchange.askRun?.done, failed: interchange.askRun?.failed },
      { total: 3, done: 1, failed: 0 },
    );
    assert.equal(interchange.askRunning, true);
    api.emit('chat.updated', updated(exchange('x2', 'failed')));
    api.emit('chat.updated', updated(exchange('elsewhere', 'done')));
    api.emit('chat.updated', updated(exchange('x3', 'done')));
    assert.deepEqual({ done: interchange.askRun?.done, failed: interchange.askRun?.failed }, { done: 2, failed: 1 });
    assert.equal(interchange.askRunning, false);
    assert.deepEqual(added, ['x1', 'x2', 'x3'], 'the open file shows the new questions');
    interchange.dismissAsk();
    assert.equal(interchange.askRun, null);
  });

  it('keeps progress that arrives before batch.start replies, and says how the batch ended', async () => {
    const { api, toasts, interchange } = build();
    let reply: ((value: { batchId: string; outPath: string; total: number }) => void) | undefined;
    api.answer('batch.start', () => new Promise((resolve) => (reply = resolve)));
    const started = interchange.startBatch({ fileIds: ['f'], questions: ['What is it?'], format: 'csv' });
    await settle();
    api.emit('batch.progress', progress({ answered: 1, failure: { file: 'f.wav', message: 'unreadable' }, failed: 1 }));
    api.emit('batch.progress', progress({ batchId: 'another' }));
    reply?.({ batchId: 'b1', outPath: '/out', total: 4 });
    assert.equal(await started, true);
    assert.equal(interchange.batch?.progress?.answered, 1);
    assert.deepEqual(interchange.batch?.failures, [{ file: 'f.wav', message: 'unreadable' }]);
    assert.equal(await interchange.startBatch({ fileIds: ['f'], questions: ['q'], format: 'csv' }), false, 'one batch at a time');
    api.emit('batch.progress', progress({ answered: 3, failed: 1, state: 'finished' }));
    assert.equal(interchange.batchRunning, false);
    assert.deepEqual(toasts.infos, ['Batch finished: 3 answers, 1 failed, in /out']);
  });

  it('exports the selected file as a download and imports into the open one', async () => {
    const { api, toasts, interchange, saved, loaded } = build();
    api.answer('interchange.export', () => ({ fileName: 'f.TextGrid', mimeType: 'text/plain', text: 'x' }));
    api.answer('interchange.import', () => ({ imported: 2 }) as never);
    await interchange.exportAs('textgrid');
    assert.deepEqual(saved, ['f.TextGrid']);
    assert.deepEqual(api.calls[0]?.params, { fileId: 'f', format: 'textgrid', emptyAnswers: 'skip' });
    const ok = await interchange.importAnnotations({ fileId: 'f', fileName: 'a.eaf', text: '', tiers: ['words'], includeAnswerTiers: false, replace: false });
    assert.equal(ok, true);
    assert.deepEqual(loaded, ['f'], 'the open file reloads its regions');
    assert.deepEqual(toasts.infos, ['Saved f.TextGrid', 'Imported 2 regions (tier words) from a.eaf']);
    await interchange.dispose();
    assert.equal(api.subscriptions, 0);
  });
});
