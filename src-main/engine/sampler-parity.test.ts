import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { type DenoiseParams, denoise, type SamplerName } from '../../src-common/diffusion/denoise';
import { bundledModelsDir } from '../core/resources';
import { tensorView } from '../models/testing/parity-case';
import { tempDir } from '../test-support/temp-dir';
import { LoadedModel } from './loaded-model';

/**
 * Each sampler of the app, run over the bundled DIFFA-Tiny in onnxruntime-node, must commit exactly the tokens the
 * PyTorch reference decoders (tools/diffa/reference_sampling.py: LLaDA's generate, DIFFA-2's factor decoding,
 * Fast-dLLM's threshold) committed on the same weights, prompt and audio, at the same steps. Seeded cases replay
 * the same random stream on both sides (tools/diffa/seeded_random.py is the twin of rng.ts). The expected
 * sequences are stored by tools/export_bundle.py, so no torch is needed here.
 */
interface SamplerCase {
  name: string;
  params: {
    sampler: SamplerName;
    gen_length: number;
    block_length: number;
    steps: number;
    temperature: number;
    cfg_scale: number;
    seed: number;
    factor: number;
    threshold: number;
  };
  prompt_ids: number[];
  audio_offset: number;
  audio_embeds: { offset: number; shape: number[] };
  tokens: number[];
  forward_passes: number;
  commit_step: number[];
}

const modelDir = join(bundledModelsDir(), 'diffa-tiny');
const parity = join(modelDir, 'parity');
const stored = JSON.parse(readFileSync(join(parity, 'samplers.json'), 'utf8')) as {
  bin: string;
  mask_id: number;
  eos_id: number;
  cases: SamplerCase[];
};
const blob = readFileSync(join(parity, stored.bin));

function embeds(c: SamplerCase): ort.Tensor {
  return new ort.Tensor('float32', tensorView(blob, { dtype: 'float32', ...c.audio_embeds }), c.audio_embeds.shape);
}

describe('samplers match the PyTorch reference on DIFFA-Tiny', () => {
  let model: LoadedModel;
  before(async () => {
    model = await LoadedModel.load(modelDir, { provider: 'cpu', verifyCache: join(tempDir(), 'verified.json') });
  });
  after(() => model.release());

  it('covers every sampler', () => {
    assert.deepEqual([...new Set(stored.cases.map((c) => c.params.sampler))].sort(), ['factor', 'low-confidence', 'random', 'threshold']);
  });

  for (const c of stored.cases) {
    it(c.name, async () => {
      const p = c.params;
      const params: DenoiseParams = {
        sampler: p.sampler,
        genLength: p.gen_length,
        blockLength: p.block_length,
        steps: p.steps,
        temperature: p.temperature,
        cfgScale: p.cfg_scale,
        seed: p.seed,
        factor: p.factor,
        threshold: p.threshold,
        maskId: stored.mask_id,
        eosId: stored.eos_id,
      };
      const audio = { embeds: embeds(c), count: c.audio_embeds.shape[1] ?? 0, melLength: 0 };
      const result = await denoise(params, model.forward(c.prompt_ids, audio, c.audio_offset));
      assert.deepEqual(Array.from(result.tokens), c.tokens, 'tokens');
      assert.equal(result.forwardPasses, c.forward_passes, 'forward passes');
      assert.deepEqual(Array.from(result.commitStep), c.commit_step, 'step at which each position was committed');
    });
  }
});
