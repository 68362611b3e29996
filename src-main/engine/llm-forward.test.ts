import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import type { CacheMode } from '../../src-common/decoding/caches';
import { denoise } from '../../src-common/diffusion/denoise';
import { bundledModelsDir } from '../core/resources';
import { readSamplerCase } from '../models/testing/parity-case';
import { tempDir } from '../test-support/temp-dir';
import { cacheSupport, LlmForward, type LlmRunner } from './llm-forward';
import { LoadedModel } from './loaded-model';

/**
 * Fast-dLLM's caches over the bundled DIFFA-Tiny graph: a cached step equals the full pass when nothing changed since
 * the refresh, the prefix cache does a fraction of the work, and a graph without a usable cache answers anyway.
 */
const modelDir = join(bundledModelsDir(), 'diffa-tiny');
const { maskId, promptIds, audioOffset, audio, params } = readSamplerCase(modelDir);

describe('key/value caches on DIFFA-Tiny', () => {
  let model: LoadedModel;
  before(async () => {
    model = await LoadedModel.load(modelDir, { provider: 'cpu', verifyCache: join(tempDir(), 'verified.json') });
  });
  after(() => model.release());

  const forward = (cache: CacheMode, runner: LlmRunner = model.llm) => {
    const shapeOf = (name: string) => model.manifest.graphs.llm.inputs[name]?.shape;
    return new LlmForward(runner, audio, audioOffset, promptIds, maskId, cache, cacheSupport(runner, shapeOf));
  };

  it('the bundled graph has a cache', () => {
    assert.ok('layers' in model.cacheSupport, JSON.stringify(model.cacheSupport));
  });

  for (const cache of ['prefix', 'dual'] as const) {
    for (const cfgScale of [0, 1.5]) {
      it(`${cache}: a cached step over an unchanged window equals the full pass (cfg ${cfgScale})`, async () => {
        const window = new Int32Array(16).fill(maskId);
        window[3] = 71;
        const input = { window, temperature: 0, cfgScale, uniform: null, block: { from: 8, to: 16 } };
        const cached = forward(cache);
        await cached.forward(input); // refresh
        const step = await cached.forward(input); // cached
        const full = await forward('none').forward(input);
        assert.equal(cached.report.used, cache);
        const sequence = promptIds.length + audio.count + window.length;
        // The last block: prefix runs it and everything after it (nothing), dual the block alone — 8 either way.
        assert.equal(cached.report.positionsComputed, sequence + 8, 'one full pass, then the block');
        assert.deepEqual(Array.from(step.tokens.slice(8)), Array.from(full.tokens.slice(8)));
        for (let i = 8; i < 16; i++) assert.ok(Math.abs((step.confidence[i] ?? 0) - (full.confidence[i] ?? 0)) < 1e-4, `confidence at ${i}`);
      });
    }
  }

  it('at gen 32 the prefix cache computes at most a third of the positions none does, dual less still', async () => {
    const positions: Record<string, number> = {};
    for (const cache of ['none', 'prefix', 'dual'] as const) {
      const f = forward(cache);
      await denoise(params({}), f.forward);
      positions[cache] = f.report.positionsComputed;
    }
    const { none = 0, prefix = 0, dual = 0 } = positions;
    assert.ok(prefix * 3 <= none, `prefix ${prefix} vs none ${none}`);
    assert.ok(dual < prefix, `dual ${dual} vs prefix ${prefix}`);
  });

  it('a graph without cache inputs/outputs runs with none and says why', async () => {
    const plain: LlmRunner = {
      inputNames: model.llm.inputNames.filter((n) => !n.startsWith('past_key_values.') && n !== 'position_start'),
      outputNames: model.llm.outputNames.filter((n) => !n.startsWith('present.')),
      run: (feeds, fetches) => model.llm.run(feeds, fetches),
    };
    const support = cacheSupport(plain, () => undefined);
    assert.ok('reason' in support);
    // The plain graph takes no cache inputs; the real one needs them: feed what it needs behind the plain face.
    const f = forward('prefix', { ...plain, run: (feeds) => model.llm.run({ ...feeds, ...emptyCache(model, feeds) }) });
    const result = await denoise(params({ genLength: 16 }), f.forward);
    assert.equal(f.report.used, 'none');
    assert.match(f.report.note ?? '', /no key\/value cache inputs/);
    const reference = await denoise(params({ genLength: 16 }), forward('none').forward);
    assert.deepEqual(Array.from(result.tokens), Array.from(reference.tokens));
  });

  it('cache outputs of the wrong shape: falls back to none, says why, same answer as none', async () => {
    const truncating: LlmRunner = {
      ...model.llm,
      inputNames: model.llm.inputNames,
      outputNames: model.llm.outputNames,
      run: async (feeds, fetches) => {
        const out = await model.llm.run(feeds, fetches);
        const key = out['present.2.value'];
        if (key) {
          const [b = 1, h = 1, s = 1, d = 1] = key.dims as number[];
          out['present.2.value'] = new ort.Tensor('float32', (key.data as Float32Array).slice(0, b * h * (s - 1) * d), [b, h, s - 1, d]);
        }
        return out;
      },
    };
    const f = forward('dual', truncating);
    const result = await denoise(params({ sampler: 'factor', genLength: 16 }), f.forward);
    assert.equal(f.report.used, 'none');
    assert.match(f.report.note ?? '', /present\.2\.value/);
    const reference = await denoise(params({ sampler: 'factor', genLength: 16 }), forward('none').forward);
    assert.deepEqual(Array.from(result.tokens), Array.from(reference.tokens));
  });

  it('a cached step that fails (a cache the graph refuses): that step and the rest run without a cache', async () => {
    let cachedCalls = 0;
    const refusing: LlmRunner = {
      inputNames: model.llm.inputNames,
      outputNames: model.llm.outputNames,
      run: (feeds, fetches) => {
        if ((feeds.audio_embeds?.dims[1] ?? 0) === 0) {
          cachedCalls++;
          throw new Error('Got invalid dimensions for input: past_key_values.0.key');
        }
        return model.llm.run(feeds, fetches);
      },
    };
    const f = forward('prefix', refusing);
    const result = await denoise(params({ genLength: 16 }), f.forward);
    assert.equal(cachedCalls, 1);
    assert.equal(f.report.used, 'none');
    assert.match(f.report.note ?? '', /invalid dimensions/);
    const reference = await denoise(params({ genLength: 16 }), forward('none').forward);
    assert.deepEqual(Array.from(result.tokens), Array.from(reference.tokens));
  });
});

function emptyCache(model: LoadedModel, feeds: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  const support = model.cacheSupport;
  if (!('layers' in support)) return {};
  const rows = Number(feeds.input_ids?.dims[0] ?? 1);
  const empty = new ort.Tensor('float32', new Float32Array(0), [rows, support.heads, 0, support.headDim]);
  const out: Record<string, ort.Tensor> = { position_start: new ort.Tensor('int64', BigInt64Array.from([0n]), [1]) };
  for (let i = 0; i < support.layers; i++) {
    out[`past_key_values.${i}.key`] = empty;
    out[`past_key_values.${i}.value`] = empty;
  }
  return out;
}
