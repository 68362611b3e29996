import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { denoise } from '../../src-common/diffusion/denoise';
import { bundledModelsDir } from '../core/resources';
import { readSamplerCase } from '../models/testing/parity-case';
import { tempDir } from '../test-support/temp-dir';
import { cacheSliceGraph } from './cache-slice-graph';
import { DeviceCacheSlicer } from './device-cache';
import { LlmForward } from './llm-forward';
import { LoadedModel } from './loaded-model';
import { sessionOptions } from './providers';

/**
 * The device-memory cache path (IO binding on CUDA): the graph that cuts keys/values where they live, checked here on
 * the CPU provider against the host slicing, and whole answers through it token for token as the host path gives.
 * No GPU runs here; tools/gpu/cache_timing.mjs measures it on one.
 */
const int64 = (value: number) => new ort.Tensor('int64', BigInt64Array.from([BigInt(value)]), [1]);

describe('key/value cache cut in device memory', () => {
  it('the slicing graph keeps [0, prefix) (prefix) and also [suffix, end) (dual), per layer and head', async () => {
    const [rows, heads, sequence, headDim] = [2, 3, 11, 4];
    const present = Float32Array.from({ length: rows * heads * sequence * headDim }, (_, i) => i);
    const expected = (ranges: [number, number][]) => {
      const out: number[] = [];
      for (let plane = 0; plane < rows * heads; plane++)
        for (const [from, to] of ranges) out.push(...present.subarray((plane * sequence + from) * headDim, (plane * sequence + to) * headDim));
      return out;
    };
    for (const [mode, ranges] of [
      ['prefix', [[0, 4]]],
      [
        'dual',
        [
          [0, 4],
          [7, 11],
        ],
      ],
    ] as const) {
      const session = await ort.InferenceSession.create(cacheSliceGraph(2, mode), sessionOptions('cpu'));
      const feeds: Record<string, ort.Tensor> = { prefix_end: int64(4) };
      if (mode === 'dual') Object.assign(feeds, { suffix_start: int64(7), sequence_end: int64(sequence) });
      for (const name of ['present.0.key', 'present.0.value', 'present.1.key', 'present.1.value'])
        feeds[name] = new ort.Tensor('float32', present, [rows, heads, sequence, headDim]);
      const out = await session.run(feeds);
      const kept = ranges.reduce((n, [a, b]) => n + b - a, 0);
      for (const name of ['past_key_values.0.key', 'past_key_values.1.value']) {
        assert.deepEqual(out[name]?.dims, [rows, heads, kept, headDim], `${mode} ${name}`);
        assert.deepEqual(Array.from(out[name]?.data as Float32Array), expected(ranges.map(([a, b]) => [a, b])), `${mode} ${name}`);
      }
      await session.release();
    }
  });

  describe('answers through it', () => {
    const modelDir = join(bundledModelsDir(), 'diffa-tiny');
    const { maskId, promptIds, audioOffset, audio, params: decoding } = readSamplerCase(modelDir);
    const params = decoding();
    let model: LoadedModel;
    let slicer: DeviceCacheSlicer;
    before(async () => {
      model = await LoadedModel.load(modelDir, { provider: 'cpu', verifyCache: join(tempDir(), 'verified.json') });
      assert.equal(model.deviceSlicer, null, 'the CPU provider cuts the cache on the host');
      if (!('layers' in model.cacheSupport)) throw new Error('the bundled graph has no cache');
      slicer = new DeviceCacheSlicer(model.cacheSupport.layers, 'cpu');
    });
    after(async () => {
      await slicer.release();
      await model.release();
    });

    for (const cache of ['prefix', 'dual'] as const) {
      it(`${cache}: the same tokens and work as the host's slicing`, async () => {
        const run = async (device: DeviceCacheSlicer | null) => {
          const llm = new LlmForward(model.llm, audio, audioOffset, promptIds, maskId, cache, model.cacheSupport, device);
          const result = await denoise(params, llm.forward, () => undefined);
          llm.dispose();
          return { tokens: Array.from(result.tokens), report: llm.report };
        };
        const host = await run(null);
        const device = await run(slicer);
        assert.equal(device.report.used, cache, device.report.note ?? '');
        assert.deepEqual(device.tokens, host.tokens);
        assert.deepEqual(device.report, host.report);
      });
    }
  });
});
