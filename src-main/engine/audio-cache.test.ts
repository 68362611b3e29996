import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { AskRequestSchema } from '../../src-common/api/inference';
import { answerJson } from '../cli/answer-json';
import { bundledModelsDir } from '../core/resources';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';
import { answerQuestion } from './answer';
import { AudioEmbeddingCache, type EncodedRegion } from './audio-cache';
import { LoadedModel } from './loaded-model';

const region = (floats: number): EncodedRegion => ({
  embeds: new ort.Tensor('float32', new Float32Array(floats), [1, floats, 1]),
  count: floats,
  melLength: 0,
  heard: { start: 0, end: 1 },
  region: { start: 0, end: 1 },
  truncated: false,
});

describe('audio embedding cache bounds', () => {
  it('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = new AudioEmbeddingCache({ maxEntries: 2, maxBytes: 1 << 20 });
    cache.set('a', region(1));
    cache.set('b', region(1));
    assert.ok(cache.get('a'), 'a is now the most recently used');
    cache.set('c', region(1));
    assert.equal(cache.size, 2);
    assert.ok(cache.get('a'));
    assert.equal(cache.get('b'), undefined);
  });

  it('keeps at most maxBytes and never holds an entry larger than the bound', () => {
    const cache = new AudioEmbeddingCache({ maxEntries: 10, maxBytes: 100 });
    cache.set('a', region(10)); // 40 bytes
    cache.set('b', region(10));
    cache.set('c', region(10));
    assert.equal(cache.byteSize, 80);
    assert.equal(cache.get('a'), undefined);
    cache.set('huge', region(26)); // 104 bytes
    assert.equal(cache.get('huge'), undefined);
    assert.equal(cache.byteSize, 80);
  });
});

describe('a second question about the same region skips the audio stage', () => {
  const dir = tempDir();
  const modelDir = join(bundledModelsDir(), 'diffa-tiny');
  let model: LoadedModel;
  before(async () => {
    model = await LoadedModel.load(modelDir, { provider: 'cpu', verifyCache: join(dir, 'verified.json') });
  });
  after(() => model.release());
  const ask = (m: LoadedModel, audioPath: string, start: number, end: number | null, question = 'What kind of sound is this?') =>
    answerQuestion(m, AskRequestSchema.parse({ modelDir, audioPath, start, end, question }), () => undefined, { aborted: false });

  it('reuses the embeddings for the same region, recomputes for an edited region', async () => {
    const file = writeSineWav(join(dir, 'tone.wav'), 2, 440);
    const first = await ask(model, file, 0, 1.5);
    assert.equal(first.audioReused, false);
    assert.ok(first.timings.audioGraphMs > 0);
    const second = await ask(model, file, 0, 1.5, 'Is the tone low, medium or high?');
    assert.equal(second.audioReused, true);
    assert.equal(second.timings.audioGraphMs, 0);
    assert.equal(second.timings.decodeMs, 0);
    assert.deepEqual(second.region, first.region);
    const again = await ask(model, file, 0, 1.5);
    assert.deepEqual(again.tokens, first.tokens, 'the same answer from reused embeddings');
    const edited = await ask(model, file, 0, 1.25);
    assert.equal(edited.audioReused, false, 'a region edit recomputes');
    assert.equal((await ask(model, file, 0, 1.25)).audioReused, true);
  });

  it('another heard window of the same region recomputes', async () => {
    const file = writeSineWav(join(dir, 'long.wav'), 12, 440);
    const first = await ask(model, file, 0, 12);
    assert.equal(first.audioReused, false);
    assert.equal((await ask(model, file, 0, 12)).audioReused, true);
    const later = await answerQuestion(
      model,
      AskRequestSchema.parse({ modelDir, audioPath: file, start: 0, end: 12, heardStart: 4, question: 'What kind of sound is this?' }),
      () => undefined,
      { aborted: false },
    );
    assert.equal(later.audioReused, false);
    assert.deepEqual(later.heard, { start: 4, end: 10 });
  });

  it("a file that is not there gets the decoder's error, and nothing is cached", async () => {
    const missing = join(dir, 'not-there.wav');
    await assert.rejects(ask(model, missing, 0, null), (error: Error) => {
      assert.doesNotMatch(error.message, /^ENOENT/, 'not a raw stat error');
      return true;
    });
    const before = model.audioCache.size;
    writeSineWav(missing, 1, 440);
    assert.equal((await ask(model, missing, 0, null)).audioReused, false);
    assert.equal(model.audioCache.size, before + 1);
  });

  it('the answer and its --json report the cache used and the positions computed', async () => {
    const file = writeSineWav(join(dir, 'json.wav'), 1, 440);
    const request = (cache: 'none' | 'prefix') =>
      AskRequestSchema.parse({ modelDir, audioPath: file, question: 'What kind of sound is this?', decoding: { sampler: 'low-confidence', steps: 8, cache } });
    const none = await answerQuestion(model, request('none'), () => undefined, { aborted: false });
    const prefix = await answerQuestion(model, request('prefix'), () => undefined, { aborted: false });
    assert.deepEqual(answerJson(prefix).cache, { requested: 'prefix', used: 'prefix', note: null });
    assert.equal(answerJson(prefix).decoding.cache, 'prefix');
    const [n, p] = [answerJson(none).positions_computed ?? 0, answerJson(prefix).positions_computed ?? 0];
    assert.ok(p > 0 && p < n, `prefix ${p} < none ${n}`);
  });

  it('a changed file recomputes', async () => {
    const file = writeSineWav(join(dir, 'changing.wav'), 1, 440);
    assert.equal((await ask(model, file, 0, null)).audioReused, false);
    assert.equal((await ask(model, file, 0, null)).audioReused, true);
    writeSineWav(file, 1, 3000); // same size, new content
    const changed = await ask(model, file, 0, null);
    assert.equal(changed.audioReused, false);
  });

  it('another model (or the same one loaded again) starts empty', async () => {
    const file = writeSineWav(join(dir, 'switch.wav'), 1, 440);
    await ask(model, file, 0, null);
    assert.equal((await ask(model, file, 0, null)).audioReused, true);
    const other = await LoadedModel.load(modelDir, { provider: 'cpu', verifyCache: join(dir, 'verified.json') });
    try {
      assert.equal((await ask(other, file, 0, null)).audioReused, false);
    } finally {
      await other.release();
    }
  });
});
