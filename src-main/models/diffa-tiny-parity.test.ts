import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { readParityCase } from './testing/parity-case';

/**
 * DIFFA-Tiny parity: the bundled ONNX graphs, run by onnxruntime-node on the inputs stored by
 * tools/export_bundle.py, must reproduce the stored PyTorch outputs (max abs diff ≤ tolerance, integer outputs
 * exactly), and the tokenizer and chat template must give the ids the Python training used. No torch needed.
 */
const bundle = join(import.meta.dirname, '..', '..', 'models', 'diffa-tiny');
const parity = join(bundle, 'parity');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

const index = readJson(join(parity, 'index.json')) as { tolerance: number; cases: string[] };
const sessions = new Map<string, Promise<ort.InferenceSession>>();
const session = (graph: string) => {
  if (!sessions.has(graph)) sessions.set(graph, ort.InferenceSession.create(join(bundle, `${graph}.onnx`)));
  return sessions.get(graph) as Promise<ort.InferenceSession>;
};

describe('DIFFA-Tiny ONNX parity with PyTorch', () => {
  for (const file of index.cases) {
    const c = readParityCase(parity, file);
    it(`${c.name} (${c.graph}.onnx)`, async () => {
      const out = await (await session(c.graph)).run(c.feeds);
      for (const [name, e] of Object.entries(c.outputs)) {
        const got = out[name];
        assert.ok(got, `missing output ${name}`);
        assert.deepEqual(got.dims, e.shape, `${name} shape`);
        const want = c.expected[name];
        if (e.dtype === 'int64') {
          assert.deepEqual(Array.from(got.data as BigInt64Array), Array.from(want as BigInt64Array), `${name} values`);
        } else {
          const g = got.data as Float32Array;
          let max = 0;
          for (let i = 0; i < g.length; i++) max = Math.max(max, Math.abs((g[i] ?? 0) - ((want as Float32Array)[i] ?? 0)));
          assert.ok(max <= index.tolerance, `${name}: max abs diff ${max} > ${index.tolerance}`);
        }
      }
    });
  }
});

describe('DIFFA-Tiny tokenizer and prompt agree with the Python side', () => {
  const manifest = readJson(join(bundle, 'manifest.json'));
  const tokenizer = new Tokenizer(readJson(join(bundle, 'tokenizer.json')), readJson(join(bundle, 'tokenizer_config.json')));
  const cases = readJson(join(parity, 'tokenizer-cases.json')) as {
    texts: { text: string; ids: number[]; decoded: string }[];
    prompts: { question: string; text: string; ids: number[]; audio_offset: number }[];
  };

  it('encodes and decodes like tools/diffa/tokenizer.py', () => {
    for (const t of cases.texts) {
      assert.deepEqual(tokenizer.encode(t.text, { add_special_tokens: false }).ids, t.ids, t.text);
      assert.equal(tokenizer.decode(t.ids, { skip_special_tokens: true }), t.decoded, t.text);
    }
  });

  it('renders the chat template and audio offset like tools/diffa/prompt.py', () => {
    const template = new Template(manifest.chat_template);
    const ins = manifest.audio_insertion;
    for (const p of cases.prompts) {
      const text = template.render({
        messages: [
          { role: 'system', content: manifest.system_prompt },
          { role: 'user', content: ins.user_template.replace('{question}', p.question) },
        ],
        bos_token: manifest.bos_token,
        add_generation_prompt: true,
      });
      assert.equal(text, p.text);
      assert.deepEqual(tokenizer.encode(text, { add_special_tokens: false }).ids, p.ids);
      const prefix = text.slice(0, text.indexOf(ins.after_text) + ins.after_text.length);
      assert.equal(tokenizer.encode(prefix, { add_special_tokens: false }).ids.length + ins.offset_adjust, p.audio_offset);
    }
  });
});
