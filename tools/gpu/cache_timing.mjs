// Times a key/value-cache llm.onnx (tools/diffa/graphs_kv.py) on one execution provider: a full forward pass (what
// `--cache none` runs every step, and what refreshes a cache once per block) against a cached step of the prefix
// cache (the block and the rest of the window) and of the dual cache (the block alone).
//   node tools/gpu/cache_timing.mjs LLM_ONNX PROVIDER PROMPT AUDIO GEN BLOCK RUNS
// e.g. node tools/gpu/cache_timing.mjs models/diffa-tiny/llm.onnx cpu 30 91 32 8 20
// PROMPT text ids + AUDIO embeddings + GEN window; the cached steps are timed for the second block. Prints one JSON
// line. The provider is never allowed to fall back to the CPU: a check that silently ran there would report nonsense.
import * as ort from 'onnxruntime-node';

const [path, provider, ...numbers] = process.argv.slice(2);
const [prompt, audio, gen, block, runs] = numbers.map(Number);
if (!path || !provider || !(runs > 0)) {
  console.error('usage: node tools/gpu/cache_timing.mjs LLM_ONNX PROVIDER PROMPT AUDIO GEN BLOCK RUNS');
  process.exit(2);
}
const started = performance.now();
const session = await ort.InferenceSession.create(path, { executionProviders: [provider], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
const loadMs = performance.now() - started;
const pastNames = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
if (pastNames.length === 0) throw new Error(`${path} has no key/value cache inputs`);
const meta = session.inputMetadata.find((m) => m.name === pastNames[0]);
const [, heads, , headDim] = meta.shape;
const d = Number(session.inputMetadata.find((m) => m.name === 'audio_embeds')?.shape[2] ?? 0);
const int = (v) => new ort.Tensor('int64', BigInt64Array.from([BigInt(v)]), [1]);
const float = (v) => new ort.Tensor('float32', Float32Array.from([v]), [1]);
const ids = (n, from) =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: n }, (_, i) => BigInt(((from + i) * 7919) % 50)),
    [1, n],
  );
const cache = (length, fill) => {
  const feeds = {};
  for (const name of pastNames) feeds[name] = new ort.Tensor('float32', new Float32Array(heads * length * headDim).fill(fill), [1, heads, length, headDim]);
  return feeds;
};
const pass = (count, from, audioCount, pastLength) => ({
  input_ids: ids(count, from),
  audio_embeds: new ort.Tensor('float32', new Float32Array(audioCount * d).fill(0.01), [1, audioCount, d]),
  audio_offset: int(audioCount > 0 ? 5 : 0),
  gen_length: int(Math.min(gen, count)),
  cfg_scale: float(0),
  temperature: float(0),
  uniform: new ort.Tensor('float32', new Float32Array(Math.min(gen, count)), [1, Math.min(gen, count)]),
  position_start: int(audioCount > 0 ? 0 : from),
  ...cache(pastLength, audioCount > 0 ? 0 : 0.01),
});
const sequence = prompt + audio + gen;
const blockStart = prompt + audio + block; // the second block
const cases = {
  full: { feeds: pass(prompt + gen, 0, audio, 0), fetches: ['tokens'], positions: sequence },
  prefix: { feeds: pass(gen - block, blockStart, 0, blockStart), fetches: ['tokens'], positions: gen - block },
  dual: { feeds: pass(block, blockStart, 0, sequence - block), fetches: ['tokens'], positions: block },
};
const result = { load_ms: Math.round(loadMs), provider, sequence, block };
for (const [name, c] of Object.entries(cases)) {
  await session.run(c.feeds, c.fetches); // warm-up: kernel selection, allocations
  const ms = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await session.run(c.feeds, c.fetches);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  result[name] = { positions: c.positions, median_ms: Number(ms[Math.floor(ms.length / 2)].toFixed(3)), min_ms: Number(ms[0].toFixed(3)) };
}
result.prefix_over_full = Number((result.prefix.median_ms / result.full.median_ms).toFixed(3));
result.dual_over_full = Number((result.dual.median_ms / result.full.median_ms).toFixed(3));
await session.release();
console.log(JSON.stringify(result));
