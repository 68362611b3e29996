import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Exchange } from '../../src-common/api/library';
import { AppEvents } from '../api/app-events';
import { openAppHome } from '../core/app-home';
import { openConfSettings } from '../core/conf-settings';
import { bundledModelsDir } from '../core/resources';
import { EngineClient } from '../engine/engine-client';
import { engineEnv, forkEngine } from '../engine/fork-engine';
import { ChosenFiles } from '../files/chosen-files';
import { audioFingerprint } from '../library/fingerprint';
import { LibraryStore } from '../library/library-store';
import { multiTurnModelCopy } from '../test-support/multi-turn-model';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';
import { ChatService, MAX_HISTORY } from './chat-service';

describe('chat: a long thread', () => {
  it(`keeps asking a multi-turn model past ${MAX_HISTORY} follow-ups, with the latest turns as history`, async () => {
    const home = openAppHome(join(tempDir(), 'home'));
    const events = new AppEvents();
    const updated: Exchange[] = [];
    events.onAny((event, data) => {
      if (event === 'chat.updated') updated.push((data as { exchange: Exchange }).exchange);
    });
    const engine = new EngineClient(forkEngine(engineEnv(home.cache)));
    after(() => engine.dispose());
    const store = new LibraryStore(home.library);
    const files = new ChosenFiles((id) => `/media/${id}`);
    const chat = new ChatService({ files, engine, events, settings: openConfSettings(home.settings), home, bundledModels: bundledModelsDir(), store });
    const wav = writeSineWav(join(home.root, 'thread.wav'), 1, 330, 16000);
    const ref = await files.add(wav);
    const done = async (exchange: Exchange) => {
      for (let i = 0; i < 600 && !updated.some((e) => e.id === exchange.id); i++) await new Promise((r) => setTimeout(r, 50));
      const result = updated.find((e) => e.id === exchange.id);
      assert.ok(result, 'the answer ended');
      return result;
    };

    // Only a model trained on conversations is sent history: the bundled one, declared multi-turn in a copy.
    const modelId = multiTurnModelCopy();
    const first = await done(await chat.ask({ fileId: ref.id, regionId: null, question: 'What kind of sound is this?', decoding: {}, modelId }));
    assert.equal(first.status, 'done');
    // 40 more finished turns in the same (whole-file) thread, written as the library would hold them
    await store.update(await audioFingerprint(wav), 'thread.wav', (doc) => {
      for (let i = 1; i <= 40; i++) doc.exchanges.push({ ...first, id: `turn-${i}`, question: `Question number ${i}?` });
    });
    const last = await done(await chat.ask({ fileId: ref.id, regionId: null, question: 'Is the tone low, medium or high?', decoding: {}, modelId }));
    assert.equal(last.status, 'done', last.error ?? '');
    assert.match(last.answer?.prompt ?? '', /Question number 40\?/);
    assert.doesNotMatch(last.answer?.prompt ?? '', /Question number 8\?/);
  });
});
