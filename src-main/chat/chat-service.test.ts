import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { EventName } from '../../src-common/api/contract';
import type { Exchange } from '../../src-common/api/library';
import { AppEvents } from '../api/app-events';
import { openAppHome } from '../core/app-home';
import { openConfSettings } from '../core/conf-settings';
import { bundledModelsDir } from '../core/resources';
import { EngineClient } from '../engine/engine-client';
import { engineEnv, forkEngine } from '../engine/fork-engine';
import { ChosenFiles } from '../files/chosen-files';
import { LibraryStore } from '../library/library-store';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';
import { ChatService } from './chat-service';

function setup() {
  const home = openAppHome(join(tempDir(), 'home'));
  const events = new AppEvents();
  const seen: { event: EventName; data: unknown }[] = [];
  events.onAny((event, data) => seen.push({ event, data }));
  const base = {
    files: new ChosenFiles((id) => `/media/${id}`),
    engine: new EngineClient(forkEngine(engineEnv(home.cache))),
    events,
    settings: openConfSettings(home.settings),
    home,
    bundledModels: bundledModelsDir(),
  };
  const chat = new ChatService({ ...base, store: new LibraryStore(home.library) });
  after(() => base.engine.dispose());
  return { ...base, chat, seen };
}

const finished = (seen: { event: EventName; data: unknown }[], id: string) =>
  new Promise<Exchange>((resolve) => {
    const poll = setInterval(() => {
      const done = seen.find((e) => e.event === 'chat.updated' && (e.data as { exchange: Exchange }).exchange.id === id);
      if (done) {
        clearInterval(poll);
        resolve((done.data as { exchange: Exchange }).exchange);
      }
    }, 20);
  });

describe('chat: questions about regions, saved per file', () => {
  const { chat, files, seen, home } = setup();
  const wav = writeSineWav(join(home.root, 'tone.wav'), 2, 440, 16000);

  it('saves regions, answers about one with a streamed trace, and keeps follow-ups in its thread', async () => {
    const ref = await files.add(wav);
    const doc = await chat.saveRegion(ref.id, { id: 'r1', start: 0.5, end: 1.5, label: 'middle', color: '#ff0000', group: null });
    assert.equal(doc.regions.length, 1);

    const first = await chat.ask({
      fileId: ref.id,
      regionId: 'r1',
      question: 'What kind of sound is this?',
      decoding: { sampler: 'low-confidence', steps: 8 },
    });
    assert.equal(first.status, 'pending');
    const done = await finished(seen, first.id);
    assert.equal(done.status, 'done');
    const ended = seen.find((e) => e.event === 'chat.updated' && (e.data as { exchange: Exchange }).exchange.id === first.id)?.data as { traceLength: number };
    assert.equal(done.trace.length, 0, 'the end does not carry the steps again');
    assert.equal(ended.traceLength, done.answer?.forwardPasses);
    const saved = (await chat.library(ref.id)).exchanges.find((e) => e.id === first.id);
    assert.equal(saved?.trace.length, done.answer?.forwardPasses, 'the saved exchange keeps its whole trace');
    assert.ok(seen.filter((e) => e.event === 'chat.step').length >= 8);
    assert.deepEqual(done.span, { start: 0.5, end: 1.5 });
    assert.ok(Math.abs((done.answer?.region.end ?? 0) - 1.5) < 1e-3);

    const second = await chat.ask({ fileId: ref.id, regionId: 'r1', question: 'Is the pitch rising or falling?', decoding: {} });
    const followUp = await finished(seen, second.id);
    assert.equal(followUp.status, 'done');
    // DIFFA-Tiny was not trained on conversations: a follow-up is asked as the first question was.
    assert.doesNotMatch(followUp.answer?.prompt ?? '', /What kind of sound is this\?/, 'no hidden history');
    assert.equal(followUp.historyTurns, 0);
  });

  it('re-denoises only the low-confidence span of an answer', async () => {
    const ref = await files.add(wav);
    const doc = await chat.library(ref.id);
    const original = doc.exchanges[0];
    assert.ok(original?.answer);
    const confidences = original.trace.flatMap((s) => s.committed.map((c) => c.confidence)).sort((a, b) => a - b);
    const cut = ((confidences[2] ?? 0) + (confidences[3] ?? 0)) / 2; // the three least confident tokens
    const redo = await chat.redenoise(ref.id, original.id, cut);
    assert.equal(redo.redenoiseOf, original.id);
    assert.equal((await finished(seen, redo.id)).status, 'done');
    const done = (await chat.library(ref.id)).exchanges.find((e) => e.id === redo.id);
    assert.ok(done);
    const redone = done.trace.flatMap((s) => s.committed.map((c) => c.position)).sort((a, b) => a - b);
    const low = original.trace
      .flatMap((s) => s.committed)
      .filter((c) => c.confidence < cut)
      .map((c) => c.position)
      .sort((a, b) => a - b);
    assert.deepEqual(redone, low, 'only the low-confidence positions are denoised again');
    await assert.rejects(chat.redenoise(ref.id, original.id, 1e-9), /No token of this answer/);
  });

  it('restores regions, answers and traces from disk in a new session, keyed by content', async () => {
    const reopened = new LibraryStore(home.library);
    const [file] = readdirSync(home.library).filter((f) => f.endsWith('.json'));
    assert.ok(file);
    const doc = await reopened.get(file.replace('.json', ''), 'tone.wav');
    assert.equal(doc.regions[0]?.label, 'middle');
    assert.equal(doc.exchanges.length, 3);
    assert.ok(doc.exchanges.every((e) => e.status === 'done' && e.trace.length > 0));
  });

  it('turns an answer interrupted by a crash into an `interrupted` record, never losing it', async () => {
    const [file] = readdirSync(home.library).filter((f) => f.endsWith('.json'));
    assert.ok(file);
    const path = join(home.library, file);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    doc.exchanges[1].status = 'pending';
    writeFileSync(path, JSON.stringify(doc));
    const restored = await new LibraryStore(home.library).get(file.replace('.json', ''), 'tone.wav');
    assert.equal(restored.exchanges[1]?.status, 'interrupted');
    assert.equal(restored.exchanges[0]?.status, 'done');
  });

  it('keeps an unreadable library file aside instead of overwriting it', async () => {
    const store = new LibraryStore(home.library);
    const key = 'a'.repeat(64);
    writeFileSync(join(home.library, `${key}.json`), '{ broken');
    const doc = await store.get(key, 'x.wav');
    assert.equal(doc.exchanges.length, 0);
    assert.ok(readdirSync(home.library).some((f) => f.startsWith(`${key}.json.unreadable-`)));
  });

  it('asks about the whole file when no region is given, and refuses a deleted region', async () => {
    const ref = await files.add(wav);
    await chat.deleteRegion(ref.id, 'r1');
    await assert.rejects(chat.ask({ fileId: ref.id, regionId: 'r1', question: 'What kind of sound is this?', decoding: {} }), /no longer exists/);
    const whole = await chat.ask({ fileId: ref.id, regionId: null, question: 'What kind of sound is this?', decoding: {} });
    const done = await finished(seen, whole.id);
    assert.equal(done.status, 'done');
    assert.ok(Math.abs((done.answer?.region.end ?? 0) - 2) < 1e-3);
  });
});
