import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { AskRequestSchema } from '../../src-common/api/inference';
import type { CacheMode } from '../../src-common/decoding/caches';
import { type DenoiseParams, denoise } from '../../src-common/diffusion/denoise';
import { answerQuestion } from '../engine/answer';
import { LoadedModel } from '../engine/loaded-model';
import { pythonEnv as env, pythonMissing as missing, py, python } from '../test-support/python';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';
import { importModel } from './pack';
import { readParityCase } from './testing/parity-case';

/**
 * The DIFFA-2 converter at tiny scale: tools/make_diffa2_fixture.py writes random checkpoints laid out like the
 * released ones (LLaDA bf16 shards, Whisper fp16, the DIFFA-2 .bin with LoRA) and PyTorch reference outputs with
 * the LoRA merged in torch; tools/convert_diffa2.py turns them into bundles (fp32, fp16, fp16 + int4), which
 * onnxruntime-node must reproduce, and the app must import and ask. llm.onnx has the key/value cache: single cached
 * steps match PyTorch's (the parity folders' *-cached cases), and whole answers decoded with the prefix and dual
 * caches commit the tokens of the PyTorch cached decode (tools/diffa/reference_cached.py).
 */
const root = join(import.meta.dirname, '..', '..');

/** max |got − want| over a float output, and over |want| (for relative bounds). */
function maxDiff(got: Float32Array, want: Float32Array) {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs((got[i] ?? 0) - (want[i] ?? 0)));
    scale = Math.max(scale, Math.abs(want[i] ?? 0));
  }
  return { diff, rel: diff / scale };
}

const CONVERSIONS = {
  fp32: ['--dtype', 'fp32'],
  fp16: ['--dtype', 'fp16'],
  int4: ['--dtype', 'fp16', '--int4'],
  // llm.onnx as bundles converted before the key/value cache have it
  plain: ['--dtype', 'fp32', '--no-cache'],
};

interface Check {
  bundle: keyof typeof CONVERSIONS;
  /** parity: the PyTorch model; parity-int4: the same with its LLM Linear weights quantized to 4 bits and back */
  parity: 'parity' | 'parity-int4';
  what: string;
  /** audio_embeds: max abs diff over the largest reference value; probabilities: max abs diff */
  audioRel: number;
  prob: number;
}
const CHECKS: Check[] = [
  { bundle: 'fp32', parity: 'parity', what: 'fp32 matches PyTorch', audioRel: 1e-4, prob: 1e-4 },
  { bundle: 'fp16', parity: 'parity', what: 'fp16 matches PyTorch within 1e-2', audioRel: 1e-2, prob: 1e-2 },
  { bundle: 'int4', parity: 'parity-int4', what: 'int4 computes exactly its 4-bit weights (fp16 bound)', audioRel: 1e-2, prob: 1e-2 },
  // The quantization error itself: on this tiny random model with a deliberately sharp head, 4-bit weights move
  // the top probabilities by ~0.1, hence the loose bound.
  { bundle: 'int4', parity: 'parity', what: 'int4 stays near the fp32 model (probabilities within 0.25)', audioRel: 1e-2, prob: 0.25 },
];

describe('DIFFA-2 converter on a tiny random checkpoint set', { skip: python ? false : missing }, () => {
  const dir = tempDir('diffa2-convert-');
  const ckpt = join(dir, 'ckpt');
  const bundle = (v: string) => join(dir, `bundle-${v}`);
  const sessions: ort.InferenceSession[] = [];
  after(() => Promise.all(sessions.map((s) => s.release())));

  before(() => {
    py('tools/make_diffa2_fixture.py', '--out', ckpt);
    for (const [name, args] of Object.entries(CONVERSIONS)) {
      const sources = ['--llada', join(ckpt, 'llada'), '--whisper', join(ckpt, 'whisper'), '--diffa2', join(ckpt, 'diffa2', 'pytorch_model.bin')];
      py('tools/convert_diffa2.py', ...sources, '--out', bundle(name), ...args);
    }
  });

  for (const v of CHECKS) {
    it(`${v.bundle}: ${v.what}`, async () => {
      const parity = join(ckpt, v.parity);
      const index = JSON.parse(readFileSync(join(parity, 'index.json'), 'utf8')) as { cases: string[] };
      const open = new Map<string, ort.InferenceSession>();
      const report: string[] = [];
      for (const file of index.cases) {
        const c = readParityCase(parity, file);
        let session = open.get(c.graph);
        if (!session) {
          // severity 3: ORT warns that it cannot constant-fold the fp16 nodes on the CPU; that is expected
          session = await ort.InferenceSession.create(join(bundle(v.bundle), `${c.graph}.onnx`), { logSeverityLevel: 3 });
          sessions.push(session);
          open.set(c.graph, session);
        }
        const out = await session.run(c.feeds);
        for (const [name, want] of Object.entries(c.expected)) {
          const got = out[name];
          assert.ok(got, `${c.name}: missing output ${name}`);
          assert.deepEqual(got.dims, c.outputs[name]?.shape, `${c.name}: ${name} shape`);
          if (want instanceof Float32Array) {
            const d = maxDiff(got.data as Float32Array, want);
            report.push(`${c.name}.${name} ${d.diff.toExponential(2)}`);
            if (name === 'audio_embeds') assert.ok(d.rel <= v.audioRel, `${c.name}: audio_embeds relative diff ${d.rel} > ${v.audioRel}`);
            else assert.ok(d.diff <= v.prob, `${c.name}: ${name} max abs diff ${d.diff} > ${v.prob}`);
          } else if (v.bundle === 'fp32' || name === 'tokens') {
            // Exact ids in fp32. In fp16/int4 the chosen token must agree wherever the reference is not a near tie.
            const g = Array.from(got.data as BigInt64Array);
            const w = Array.from(want);
            if (v.bundle === 'fp32') assert.deepEqual(g, w, `${c.name}: ${name}`);
            else if (c.name === 'llm-greedy') {
              const probs = c.expected.topk_probs as Float32Array;
              g.forEach((id, i) => {
                const margin = (probs[i * 5] ?? 0) - (probs[i * 5 + 1] ?? 0);
                if (margin > 2 * v.prob) assert.equal(id, w[i], `${c.name}: token ${i} (reference margin ${margin})`);
              });
            }
          }
        }
      }
      console.log(`# ${v.bundle} vs ${v.parity}, max abs diffs: ${report.join(', ')}`);
    });
  }

  it('the LLM graph traced with one block and repeated is the graph a trace of every block gives', () => {
    const r = spawnSync(python as string, ['tools/check_repeated_blocks.py'], { cwd: root, env, encoding: 'utf8' });
    const report = r.stdout.trim().split('\n').pop() ?? '';
    console.log(`# ${report}`);
    assert.equal(r.status, 0, `${report}\n${r.stderr.slice(-2000)}`);
  });

  describe('whole answers with the key/value cache (fp32 bundle, against PyTorch)', () => {
    const parity = join(ckpt, 'parity');
    const decode = () => {
      const c = readParityCase(parity, 'decode-cached.json');
      const p = JSON.parse(readFileSync(join(parity, 'decode-cached-params.json'), 'utf8'));
      const params: DenoiseParams = {
        sampler: p.sampler,
        genLength: p.gen_length,
        blockLength: p.block_length,
        steps: p.steps,
        temperature: p.temperature,
        cfgScale: 0,
        seed: p.seed,
        factor: p.factor,
        threshold: p.threshold,
        maskId: p.mask_id,
        eosId: p.eos_id,
      };
      const embeds = c.feeds.audio_embeds as ort.Tensor;
      return {
        params,
        promptIds: Array.from(c.feeds.prompt_ids?.data as BigInt64Array, Number),
        audio: { embeds, count: Number(embeds.dims[1]), melLength: 0 },
        audioOffset: Number(c.feeds.audio_offset?.data[0] ?? -1),
        expected: (mode: CacheMode) => Array.from(c.expected[`tokens_${mode}`] as BigInt64Array, Number),
      };
    };

    for (const mode of ['none', 'prefix', 'dual'] as const) {
      it(`${mode}: the tokens of the PyTorch ${mode === 'none' ? 'plain' : `${mode}-cache`} decode`, async () => {
        const d = decode();
        const model = await LoadedModel.load(bundle('fp32'), { provider: 'cpu', verifyCache: join(dir, `verified-${mode}.json`) });
        try {
          assert.ok('layers' in model.cacheSupport, JSON.stringify(model.cacheSupport));
          const forward = model.llmForward(d.promptIds, d.audio, d.audioOffset, mode);
          const result = await denoise(d.params, forward.forward);
          assert.equal(forward.report.used, mode, forward.report.note ?? '');
          assert.deepEqual(Array.from(result.tokens), d.expected(mode));
          const sequence = d.promptIds.length + d.audio.count + d.params.genLength;
          const passes = d.params.steps;
          if (mode === 'none') assert.equal(forward.report.positionsComputed, passes * sequence);
          else assert.ok(forward.report.positionsComputed < (passes * sequence) / 2, `${mode} computed ${forward.report.positionsComputed}`);
        } finally {
          await model.release();
        }
      });
    }

    it('a DIFFA-2 bundle converted without the cache answers with none and says why', async () => {
      const d = decode();
      const model = await LoadedModel.load(bundle('plain'), { provider: 'cpu', verifyCache: join(dir, 'verified-plain.json') });
      try {
        assert.ok('reason' in model.cacheSupport);
        const forward = model.llmForward(d.promptIds, d.audio, d.audioOffset, 'prefix');
        const result = await denoise(d.params, forward.forward);
        assert.equal(forward.report.used, 'none');
        assert.match(forward.report.note ?? '', /no key\/value cache inputs/);
        assert.deepEqual(Array.from(result.tokens), d.expected('none'));
      } finally {
        await model.release();
      }
    });
  });

  it('imports into the models folder and answers a question through the engine code', async () => {
    const models = join(dir, 'models');
    const imported = await importModel(bundle('fp16'), models);
    assert.equal(imported.id, 'diffa-2');
    const model = await LoadedModel.load(imported.dir, { provider: 'cpu', verifyCache: join(dir, 'verified.json') });
    try {
      const audioPath = writeSineWav(join(dir, 'tone.wav'), 1.2, 440, 16000);
      const request = AskRequestSchema.parse({ modelDir: imported.dir, audioPath, question: 'What is this sound?', provider: 'cpu' });
      let steps = 0;
      const answer = await answerQuestion(model, request, () => steps++, { aborted: false });
      assert.equal(answer.model.id, 'diffa-2');
      assert.equal(answer.tokens.length, 16, 'the manifest default gen length');
      assert.ok(steps > 0 && answer.forwardPasses === steps);
      assert.equal(typeof answer.answer, 'string'); // random weights: any text
      assert.match(answer.prompt, /This is the audio: <audio>\. What is this sound\?/);
    } finally {
      await model.release();
    }
  });
});
