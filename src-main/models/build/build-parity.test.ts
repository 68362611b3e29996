import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { pythonMissing as missing, py, python } from '../../test-support/python';
import { tempDir } from '../../test-support/temp-dir';
import { readParityCase } from '../testing/parity-case';
import { buildBundle } from './build-bundle';
import { type BuildPlan, readBuildPlan } from './build-plan';
import { halfBitsToFloat } from './dtype-cast';

/**
 * The TypeScript builder against the reference converter (tools/convert_diffa2.py) on a tiny random checkpoint set
 * with DIFFA-2's real names and released layout (tools/make_diffa2_fixture.py): the same graphs, the same
 * external-data layout, the same bytes where a tensor is only copied or cast, within 1e-6 (relative) where the
 * LoRA merge does arithmetic, int4 codes identical except on rounding boundaries (counted), and the same tokens
 * from both bundles. Then what a user gets wrong: missing, mis-shaped and truncated inputs, and a killed build.
 */

const VARIANTS = { fp32: ['--dtype', 'fp32'], fp16: ['--dtype', 'fp16'], int4: ['--dtype', 'fp16', '--int4'] } as const;
type Variant = keyof typeof VARIANTS;

const f32 = (b: Buffer) => new Float32Array(Uint8Array.from(b).buffer);
const f16 = (b: Buffer) => Array.from(new Uint16Array(Uint8Array.from(b).buffer), halfBitsToFloat);

interface Comparison {
  identical: number;
  merged: number;
  maxMergedRel: number;
  /** int4 codes that differ (a merged weight on the other side of a rounding boundary) */
  codesDiffering: number;
  codes: number;
  otherDiffering: string[];
}

/** Entry by entry: the TS data file against the reference's. */
function compare(plan: BuildPlan, refDir: string, tsDir: string): Comparison {
  const c: Comparison = { identical: 0, merged: 0, maxMergedRel: 0, codesDiffering: 0, codes: 0, otherDiffering: [] };
  const lora = JSON.parse(readFileSync(join(tsDir, 'manifest.json'), 'utf8')).source_checkpoints[2].lora_pairs as number;
  assert.ok(lora > 0, 'the fixture has LoRA pairs');
  const merged = (source: string) => /blocks\.\d+\.(q_proj|k_proj|v_proj|ff_proj|up_proj)\.weight$/.test(source);
  for (const g of plan.graphs) {
    const ref = readFileSync(join(refDir, g.data));
    const got = readFileSync(join(tsDir, g.data));
    assert.equal(got.length, ref.length, `${g.data} size`);
    assert.equal(got.length, g.size, `${g.data} size from the plan`);
    for (const e of g.tensors) {
      const a = ref.subarray(e.offset, e.offset + e.length);
      const b = got.subarray(e.offset, e.offset + e.length);
      if (a.equals(b)) {
        c.identical++;
        if (e.op === 'q4') c.codes += e.length * 2;
        continue;
      }
      if (!merged(e.source)) {
        c.otherDiffering.push(e.name);
        continue;
      }
      c.merged++;
      if (e.op === 'q4') {
        c.codes += e.length * 2;
        for (let i = 0; i < a.length; i++) {
          if (((a[i] as number) & 15) !== ((b[i] as number) & 15)) c.codesDiffering++;
          if ((a[i] as number) >> 4 !== (b[i] as number) >> 4) c.codesDiffering++;
        }
      } else if (e.op === 'zero_points') {
        c.otherDiffering.push(e.name); // a zero point moves only if a block's min/max moves across a boundary
      } else {
        const x = e.dtype === 'float32' ? Array.from(f32(a)) : f16(a);
        const y = e.dtype === 'float32' ? Array.from(f32(b)) : f16(b);
        let diff = 0;
        let scale = 0;
        x.forEach((v, i) => {
          diff = Math.max(diff, Math.abs(v - (y[i] as number)));
          scale = Math.max(scale, Math.abs(v));
        });
        c.maxMergedRel = Math.max(c.maxMergedRel, diff / scale);
      }
    }
  }
  return c;
}

describe('DIFFA-2 builder (TypeScript) against the reference converter', { skip: python ? false : missing }, () => {
  const dir = tempDir('builder-parity-');
  const ckpt = join(dir, 'ckpt');
  const sources = { llada: join(ckpt, 'llada'), whisper: join(ckpt, 'whisper'), checkpoint: join(ckpt, 'diffa2', 'pytorch_model.bin') };
  const sessions: ort.InferenceSession[] = [];
  after(() => Promise.all(sessions.map((s) => s.release())));

  before(async () => {
    py('tools/make_diffa2_fixture.py', '--out', ckpt);
    for (const [name, args] of Object.entries(VARIANTS)) {
      const common = ['--llada', sources.llada, '--whisper', sources.whisper, '--diffa2', sources.checkpoint, ...args];
      py('tools/convert_diffa2.py', ...common, '--out', join(dir, `ref-${name}`));
      py('tools/convert_diffa2.py', ...common, '--out', join(dir, `tpl-${name}`), '--template');
      await buildBundle({ templateDir: join(dir, `tpl-${name}`), ...sources, out: join(dir, `ts-${name}`) });
    }
  });

  for (const v of Object.keys(VARIANTS) as Variant[]) {
    it(`${v}: same graphs, same layout, same bytes except the LoRA merge's last bits`, () => {
      for (const f of ['audio.onnx', 'llm.onnx', 'tokenizer.json', 'tokenizer_config.json']) {
        assert.ok(readFileSync(join(dir, `ref-${v}`, f)).equals(readFileSync(join(dir, `ts-${v}`, f))), `${f} differs`);
      }
      const c = compare(readBuildPlan(join(dir, `tpl-${v}`)), join(dir, `ref-${v}`), join(dir, `ts-${v}`));
      console.log(
        `# ${v}: ${c.identical} tensors identical, ${c.merged} LoRA-merged differ (max rel ${c.maxMergedRel.toExponential(2)}), int4 codes differing ${c.codesDiffering} of ${c.codes}`,
      );
      assert.deepEqual(c.otherDiffering, [], 'tensors that are only copied or cast must be identical');
      assert.ok(c.maxMergedRel <= 1e-6 || v !== 'fp32', `merged weights differ by ${c.maxMergedRel} relative`);
      // fp16 keeps 11 bits: a last-bit difference of the float32 merge shows only where it crosses a rounding tie
      if (v === 'fp16') assert.ok(c.maxMergedRel <= 1e-3, `fp16 merged weights differ by ${c.maxMergedRel}`);
      assert.ok(c.codesDiffering <= c.codes * 1e-3, `${c.codesDiffering} int4 codes differ`);
      const manifest = JSON.parse(readFileSync(join(dir, `ts-${v}`, 'manifest.json'), 'utf8'));
      const reference = JSON.parse(readFileSync(join(dir, `ref-${v}`, 'manifest.json'), 'utf8'));
      for (const key of ['architecture', 'graphs', 'audio', 'special_tokens', 'chat_template', 'bos_token', 'decoding', 'audio_insertion']) {
        assert.deepEqual(manifest[key], reference[key], `manifest ${key}`);
      }
      // the data files' hashes are computed while writing, out of order: they must be the files' own
      for (const f of manifest.files as { path: string; sha256: string }[]) {
        assert.equal(
          f.sha256,
          createHash('sha256')
            .update(readFileSync(join(dir, `ts-${v}`, f.path)))
            .digest('hex'),
          `${f.path} SHA-256`,
        );
      }
    });

    it(`${v}: both bundles answer the same tokens`, async () => {
      const parity = join(ckpt, 'parity');
      for (const file of ['audio-full.json', 'llm-greedy.json', 'llm-cfg-temperature.json', 'llm-greedy-cached.json', 'llm-cfg-temperature-cached.json']) {
        const c = readParityCase(parity, file);
        const outs = [];
        for (const bundle of [`ref-${v}`, `ts-${v}`]) {
          const s = await ort.InferenceSession.create(join(dir, bundle, `${c.graph}.onnx`), { logSeverityLevel: 3 });
          sessions.push(s);
          outs.push(await s.run(c.feeds));
        }
        const [ref, ts] = outs as [ort.InferenceSession.OnnxValueMapType, ort.InferenceSession.OnnxValueMapType];
        if (c.graph === 'llm') {
          assert.deepEqual(Array.from(ts.tokens?.data as BigInt64Array), Array.from(ref.tokens?.data as BigInt64Array), `${file}: tokens`);
        } else {
          const a = ref.audio_embeds?.data as Float32Array;
          const b = ts.audio_embeds?.data as Float32Array;
          assert.ok(
            a.every((x, i) => x === b[i]),
            `${file}: audio embeddings are computed from identical weights`,
          );
        }
      }
    });
  }

  it('a killed build resumes from the last finished tensor and ends with the same bytes', async () => {
    const out = join(dir, 'resumed');
    const stop = new AbortController();
    let entries = 0;
    await assert.rejects(
      buildBundle({
        templateDir: join(dir, 'tpl-int4'),
        ...sources,
        out,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.phase === 'writing' && ++entries === 40) stop.abort();
        },
      }),
      /aborted/i,
    );
    assert.ok(existsSync(`${out}.partial/build-state.json`) && !existsSync(out), 'nothing installed, the state kept');
    const state = JSON.parse(readFileSync(`${out}.partial/build-state.json`, 'utf8'));
    const finished = Object.values(state.next as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.ok(finished > 0, 'tensors finished before the stop are recorded');
    let first: number | undefined;
    const r = await buildBundle({
      templateDir: join(dir, 'tpl-int4'),
      ...sources,
      out,
      onProgress: (p) => {
        if (p.phase === 'writing' && first === undefined) first = p.bytesDone;
      },
    });
    assert.equal(r.resumed, true);
    assert.ok((first ?? 0) > 0, 'the rerun starts past the finished tensors');
    for (const f of ['audio.onnx.data', 'llm.onnx.data']) assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(dir, 'ts-int4', f))), f);
  });

  it('names the file and tensor when a checkpoint is mis-shaped, incomplete or truncated, and installs nothing', async () => {
    const tpl = join(dir, 'tpl-bad');
    cpSync(join(dir, 'tpl-fp16'), tpl, { recursive: true });
    const planPath = join(tpl, 'build-plan.json');
    const plan = JSON.parse(readFileSync(planPath, 'utf8'));
    const entry = plan.graphs[1].tensors[0];
    entry.source_shape = [entry.source_shape[0] * 2, entry.source_shape[1]];
    writeFileSync(planPath, JSON.stringify(plan));
    const out = join(dir, 'bad');
    await assert.rejects(
      buildBundle({ templateDir: tpl, ...sources, out }),
      /model-0000\d-of-00002\.safetensors, tensor model\.transformer\.wte\.weight: has shape \[320, 64\], the template needs \[640, 64\]/,
    );
    entry.source = 'llm_model.model.transformer.blocks.9.q_proj.weight';
    writeFileSync(planPath, JSON.stringify(plan));
    await assert.rejects(buildBundle({ templateDir: tpl, ...sources, out }), /tensor llm_model\.model\.transformer\.blocks\.9\.q_proj\.weight: is missing/);

    const llada = join(dir, 'llada-cut');
    cpSync(sources.llada, llada, { recursive: true });
    const shard = join(llada, 'model-00002-of-00002.safetensors');
    truncateSync(shard, statSync(shard).size - 100);
    await assert.rejects(
      buildBundle({ templateDir: join(dir, 'tpl-fp16'), ...sources, llada, out }),
      /model-00002-of-00002\.safetensors, tensor [\w.]+: ends at byte \d+ but the file has \d+ \(truncated download\?\)/,
    );
    assert.ok(!existsSync(out), 'nothing installed');
  });
});
