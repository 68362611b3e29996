import assert from 'node:assert/strict';
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
import { multiTurnModelCopy } from '../test-support/multi-turn-model';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';
import { ChatService } from './chat-service';

const home = openAppHome(join(tempDir(), 'home'));
const events = new AppEvents();
const seen: { event: EventName; data: unknown }[] = [];
events.onAny((event, data) => seen.push({ event, data }));
const engine = new EngineClient(forkEngine(engineEnv(home.cache)));
after(() => engine.dispose());
const files = new ChosenFiles((id) => `/media/${id}`);
const chat = new ChatService({
  files,
  engine,
  events,
  settings: openConfSettings(home.settings),
  home,
  bundledModels: bundledModelsDir(),
  store: new LibraryStore(home.library),
});

const finished = (id: string) =>
  new Promise<Exchange>((resolve) => {
    const poll = setInterval(() => {
      const done = seen.find((e) => e.event === 'chat.updated' && (e.data as { exchange: Exchange }).exchange.id === id);
      if (done) {
        clearInterval(poll);
        resolve((done.data as { exchange: Exchange }).exchange);
      }
    }, 20);
  });

describe('chat: every question goes through the router', () => {
  const tone = writeSineWav(join(home.root, 'tone.wav'), 2, 440, 16000);
  const clipped = writeSineWav(join(home.root, 'clipped.wav'), 2, 100, 16000, 2);

  it('answers a measured question from the measurement, with figures and the standard, never by the model', async () => {
    const ref = await files.add(clipped);
    const exchange = await chat.ask({ fileId: ref.id, regionId: null, question: 'Is it clipped?', decoding: {} });
    assert.equal(exchange.route, 'measured');
    assert.equal(exchange.status, 'done');
    assert.equal(exchange.answer, null, 'no model answer');
    assert.match(
      exchange.measured?.text ?? '',
      /^Yes — \d+ clipped runs, the longest \d+ samples at 0:00\.\d{3}; true peak [+−]?\d+\.\d dBTP \(ITU-R BS\.1770-4\)\.$/,
    );
    assert.ok(Number(exchange.measured?.facts.clippedRuns) > 100);

    const clean = await chat.ask({ fileId: (await files.add(tone)).id, regionId: null, question: 'any distortion from clipping?', decoding: {} });
    assert.match(clean.measured?.text ?? '', /^No — no clipped runs; sample peak −6\.0 dBFS/);
    const loud = await chat.ask({ fileId: ref.id, regionId: null, question: 'how loud is it', decoding: {} });
    assert.equal(loud.measured?.measure, 'loudness');
    assert.match(loud.measured?.text ?? '', /LUFS integrated \(ITU-R BS\.1770-4/);
  });

  it('leaves a question outside the training unanswered, with what the model can answer, until asked anyway', async () => {
    const ref = await files.add(tone);
    const outside = await chat.ask({ fileId: ref.id, regionId: null, question: 'What instrument is this?', decoding: {} });
    assert.equal(outside.route, 'outside');
    assert.equal(outside.status, 'done');
    assert.equal(outside.answer, null);
    assert.ok(outside.suggestions.includes('What kind of sound is this?'));
    const anyway = await chat.ask({ fileId: ref.id, regionId: null, question: 'What instrument is this?', decoding: {}, anyway: true });
    assert.equal(anyway.askedAnyway, true);
    const done = await finished(anyway.id);
    assert.equal(done.status, 'done');
    assert.equal(done.route, 'outside');
    assert.ok(done.answer, 'the model answered when asked anyway');
  });

  it('sends history only to a model trained on conversations, and not when asked fresh', async () => {
    const ref = await files.add(writeSineWav(join(home.root, 'other.wav'), 2, 880, 16000));
    const modelId = multiTurnModelCopy();
    const first = await finished((await chat.ask({ fileId: ref.id, regionId: null, question: 'What kind of sound is this?', decoding: {}, modelId })).id);
    assert.equal(first.historyTurns, 0);
    const second = await finished((await chat.ask({ fileId: ref.id, regionId: null, question: 'Is the tone low, medium or high?', decoding: {}, modelId })).id);
    assert.ok(second.historyTurns >= 1);
    assert.match(second.answer?.prompt ?? '', /What kind of sound is this\?/);
    const fresh = await finished(
      (await chat.ask({ fileId: ref.id, regionId: null, question: 'Is the tone low, medium or high?', decoding: {}, modelId, fresh: true })).id,
    );
    assert.equal(fresh.historyTurns, 0);
    assert.doesNotMatch(fresh.answer?.prompt ?? '', /What kind of sound is this\?/);
  });

  it('refuses an empty or over-long question with a clear message, and cleans control characters', async () => {
    const ref = await files.add(tone);
    await assert.rejects(chat.ask({ fileId: ref.id, regionId: null, question: '\u0000\u0007', decoding: {} }), /no readable characters/);
    await assert.rejects(
      chat.ask({ fileId: ref.id, regionId: null, question: 'a'.repeat(10_000), decoding: {} }),
      /at most 2,000 characters; this one has 10,000/,
    );
    const cleaned = await chat.ask({ fileId: ref.id, regionId: null, question: 'How\u0007 long\u200b is it?\u0000', decoding: {} });
    assert.equal(cleaned.question, 'How long is it?');
    assert.match(cleaned.measured?.text ?? '', /^2\.000 s \(0:02\.000\), 32 000 frames at 16 000 Hz\.$/);
    const script = await chat.ask({ fileId: ref.id, regionId: null, question: '这是什么声音？', decoding: {} });
    assert.equal(script.route, 'outside');
  });
});
