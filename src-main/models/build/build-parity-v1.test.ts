import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { AskRequestSchema } from '../../../src-common/api/inference';
import { answerQuestion } from '../../engine/answer';
import { LoadedModel } from '../../engine/loaded-model';
import { pythonEnv as env, pythonMissing as missing, py, python } from '../../test-support/python';
import { tempDir } from '../../test-support/temp-dir';
import { writeSineWav } from '../../test-support/wav';
import { readParityCase } from '../testing/parity-case';
import { buildBundle } from './build-bundle';
import { readBuildPlan } from './build-plan';

/**
 * DIFFA (v1) through the TypeScript builder against the reference converter (tools/convert_diffa2.py --arch diffa)
 * on a tiny random checkpoint set in DIFFA's released layout (tools/make_diffa2_fixture.py --arch diffa: Whisper in
 * fp32, 4 Q-Former taps, the adapters and the unused stage-1 prompts, no LoRA). With nothing to merge, every byte of
 * both bundles must be the same; both answer the PyTorch reference's tokens, and the engine answers with the bundle.
 * Then what a user gets wrong: a tensor missing from or mis-shaped in DIFFA's checkpoint, and DIFFA-2's checkpoint
 * given as DIFFA's.
 */
const root = join(import.meta.dirname, '..', '..', '..');

const VARIANTS = { fp32: ['--dtype', 'fp32'], int4: ['--dtype', 'fp16', '--int4'] } as const;
type Variant = keyof typeof VARIANTS;

/** A copy of a torch checkpoint with one tensor dropped (`drop`) or replaced by one of another shape (`reshape`). */
function alteredCheckpoint(from: string, to: string, change: { drop?: string; reshape?: string; addLora?: boolean }) {
  py(
    '-c',
    `import os, sys, torch
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
sd = torch.load(sys.argv[1])
if sys.argv[3]: del sd[sys.argv[3]]
if sys.argv[4]: sd[sys.argv[4]] = torch.zeros(sd[sys.argv[4]].shape[0] + 1, *sd[sys.argv[4]].shape[1:])
if sys.argv[5] == "1":
    p = "llm_model.base_model.model.model.transformer.blocks.0.q_proj"
    sd[p + ".lora_A.default.weight"] = torch.zeros(8, 64)
    sd[p + ".lora_B.default.weight"] = torch.zeros(64, 8)
torch.save(sd, sys.argv[2])`,
    from,
    to,
    change.drop ?? '',
    change.reshape ?? '',
    change.addLora ? '1' : '0',
  );
}

describe('DIFFA (v1) builder (TypeScript) against the reference converter', { skip: python ? false : missing }, () => {
  const dir = tempDir('builder-parity-v1-');
  const ckpt = join(dir, 'ckpt');
  const sources = { llada: join(ckpt, 'llada'), whisper: join(ckpt, 'whisper'), checkpoint: join(ckpt, 'diffa', 'pytorch_model.bin') };
  const sessions: ort.InferenceSession[] = [];
  after(() => Promise.all(sessions.map((s) => s.release())));

  before(async () => {
    py('tools/make_diffa2_fixture.py', '--arch', 'diffa', '--out', ckpt);
    for (const [name, args] of Object.entries(VARIANTS)) {
      const common = ['--arch', 'diffa', '--llada', sources.llada, '--whisper', sources.whisper, '--checkpoint', sources.checkpoint, ...args];
      py('tools/convert_diffa2.py', ...common, '--out', join(dir, `ref-${name}`));
      py('tools/convert_diffa2.py', ...common, '--out', join(dir, `tpl-${name}`), '--template');
      await buildBundle({ templateDir: join(dir, `tpl-${name}`), ...sources, out: join(dir, `ts-${name}`) });
    }
  });

  for (const v of Object.keys(VARIANTS) as Variant[]) {
    it(`${v}: the same files byte for byte, and the manifest says DIFFA`, () => {
      const plan = readBuildPlan(join(dir, `tpl-${v}`));
      assert.equal(plan.arch, 'diffa');
      for (const f of ['audio.onnx', 'llm.onnx', 'audio.onnx.data', 'llm.onnx.data', 'tokenizer.json', 'tokenizer_config.json']) {
        assert.ok(readFileSync(join(dir, `ref-${v}`, f)).equals(readFileSync(join(dir, `ts-${v}`, f))), `${f} differs`);
      }
      const manifest = JSON.parse(readFileSync(join(dir, `ts-${v}`, 'manifest.json'), 'utf8'));
      const reference = JSON.parse(readFileSync(join(dir, `ref-${v}`, 'manifest.json'), 'utf8'));
      for (const key of [
        'id',
        'name',
        'licence',
        'architecture',
        'graphs',
        'audio',
        'special_tokens',
        'chat_template',
        'bos_token',
        'decoding',
        'audio_insertion',
      ]) {
        assert.deepEqual(manifest[key], reference[key], `manifest ${key}`);
      }
      assert.equal(manifest.id, 'diffa');
      assert.deepEqual(manifest.architecture.tap_indices, [0, 1, 2, 3], "DIFFA's whisper-tiny taps for a 4-layer encoder");
      assert.equal(manifest.decoding.sampler, 'low-confidence');
      assert.match(manifest.licence, /CC-BY-NC-SA-4\.0/);
      const checkpoint = manifest.source_checkpoints[2];
      assert.equal(checkpoint.name, reference.source_checkpoints[2].name);
      assert.equal(checkpoint.lora_pairs, 0);
      assert.deepEqual(checkpoint.ignored_adapter_tensors, ['trainable_prompts.weight'], 'the stage-1 prompts are not used at inference');
    });

    it(`${v}: both bundles answer the same tokens as PyTorch`, async () => {
      const parity = join(ckpt, v === 'fp32' ? 'parity' : 'parity-int4');
      for (const file of ['audio-full.json', 'llm-greedy.json', 'llm-greedy-cached.json']) {
        const c = readParityCase(parity, file);
        const outs = [];
        for (const bundle of [`ref-${v}`, `ts-${v}`]) {
          const s = await ort.InferenceSession.create(join(dir, bundle, `${c.graph}.onnx`), { logSeverityLevel: 3 });
          sessions.push(s);
          outs.push(await s.run(c.feeds));
        }
        const [ref, ts] = outs as [ort.InferenceSession.OnnxValueMapType, ort.InferenceSession.OnnxValueMapType];
        if (c.graph === 'llm') {
          const tokens = Array.from(ts.tokens?.data as BigInt64Array);
          assert.deepEqual(tokens, Array.from(ref.tokens?.data as BigInt64Array), `${file}: tokens`);
          if (v === 'fp32') assert.deepEqual(tokens.map(Number), Array.from(c.expected.tokens as BigInt64Array, Number), `${file}: PyTorch's tokens`);
        } else {
          const a = ref.audio_embeds?.data as Float32Array;
          const b = ts.audio_embeds?.data as Float32Array;
          assert.ok(
            a.every((x, i) => x === b[i]),
            `${file}: audio embeddings`,
          );
        }
      }
    });
  }

  it('the engine answers with a DIFFA bundle the builder made, as with the reference bundle', async () => {
    const audioPath = writeSineWav(join(dir, 'tone.wav'), 1.2, 440, 16000);
    const answers = [];
    for (const bundle of ['ref-int4', 'ts-int4']) {
      const modelDir = join(dir, bundle);
      const model = await LoadedModel.load(modelDir, { provider: 'cpu', verifyCache: join(dir, 'verified.json') });
      try {
        const request = AskRequestSchema.parse({ modelDir, audioPath, question: 'What is this sound?', provider: 'cpu' });
        answers.push(await answerQuestion(model, request, () => {}, { aborted: false }));
      } finally {
        await model.release();
      }
    }
    const [ref, ts] = answers as [Awaited<ReturnType<typeof answerQuestion>>, Awaited<ReturnType<typeof answerQuestion>>];
    assert.equal(ts.model.id, 'diffa');
    assert.equal(ts.tokens.length, 16, "DIFFA's 16 new tokens");
    assert.deepEqual(ts.tokens, ref.tokens);
  });

  it('a tensor missing from or mis-shaped in the DIFFA checkpoint, or a DIFFA-2 checkpoint: the file and tensor are named', async () => {
    const out = join(dir, 'bad');
    const bad = (name: string) => join(dir, name, 'pytorch_model.bin');
    const templateDir = join(dir, 'tpl-int4');
    alteredCheckpoint(sources.checkpoint, bad('no-tap'), { drop: 'acoustic_connector.layer_prompts.3' });
    await assert.rejects(
      buildBundle({ templateDir, ...sources, checkpoint: bad('no-tap'), out }),
      /pytorch_model\.bin, tensor acoustic_connector\.layer_prompts\.3: is missing from the checkpoints/,
    );
    alteredCheckpoint(sources.checkpoint, bad('wide'), { reshape: 'semantic_connector.linear_connector.2.weight' });
    await assert.rejects(
      buildBundle({ templateDir, ...sources, checkpoint: bad('wide'), out }),
      /pytorch_model\.bin, tensor semantic_connector\.linear_connector\.2\.weight: has shape \[65, 32\], the template needs \[64, 32\]/,
    );
    alteredCheckpoint(sources.checkpoint, bad('lora'), { addLora: true });
    await assert.rejects(
      buildBundle({ templateDir, ...sources, checkpoint: bad('lora'), out }),
      /pytorch_model\.bin, tensor llm_model\.base_model\.model\.model\.transformer\.blocks\.0\.q_proj\.lora_[AB]\.default\.weight: is LoRA for .*DIFFA \(v1\) has no LoRA/,
    );
    const r = spawnSync(
      python as string,
      ['tools/convert_diffa2.py', '--arch', 'diffa', '--llada', sources.llada, '--whisper', sources.whisper, '--checkpoint', bad('lora'), '--out', out],
      { cwd: root, env, encoding: 'utf8' },
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /holds 1 LoRA pairs.*DIFFA \(v1\) has no LoRA/);
  });
});
