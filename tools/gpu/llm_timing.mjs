// Times llm.onnx forward passes with onnxruntime-node (used by tools/gpu/llada8b_check.py):
//   node tools/gpu/llm_timing.mjs LLM_ONNX PROVIDER LENGTHS GEN RUNS D_MODEL MAX_ID
// L = prompt ids + 64 audio embeddings (DIFFA-2's acoustic tokens) + the generation window. Prints one JSON line.
import * as ort from 'onnxruntime-node';

const [path, provider, lengthList, genArg, runsArg, dArg, maxIdArg] = process.argv.slice(2);
const [gen, runs, d, maxId] = [genArg, runsArg, dArg, maxIdArg].map(Number);
const audio = 64;
const started = performance.now();
// no CPU fallback: a check that silently ran on the CPU would report nonsense
const session = await ort.InferenceSession.create(path, { executionProviders: [provider], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
const loadMs = performance.now() - started;

const lengths = [];
for (const L of lengthList.split(',').map(Number)) {
  const n = L - audio;
  const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i >= n - gen ? maxId : (i * 7919) % maxId));
  const embeds = Float32Array.from({ length: audio * d }, (_, i) => Math.sin(i) * 0.02);
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, [1, n]),
    audio_embeds: new ort.Tensor('float32', embeds, [1, audio, d]),
    audio_offset: new ort.Tensor('int64', BigInt64Array.from([5n]), [1]),
    gen_length: new ort.Tensor('int64', BigInt64Array.from([BigInt(gen)]), [1]),
    cfg_scale: new ort.Tensor('float32', Float32Array.from([0]), [1]),
    temperature: new ort.Tensor('float32', Float32Array.from([0]), [1]),
    uniform: new ort.Tensor('float32', new Float32Array(gen), [1, gen]),
  };
  await session.run(feeds); // warm-up: kernel selection, allocations
  const ms = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  lengths.push({ L, median_ms: Number(ms[Math.floor(ms.length / 2)].toFixed(2)), min_ms: Number(ms[0].toFixed(2)), runs });
}
await session.release();
console.log(JSON.stringify({ load_ms: Math.round(loadMs), provider, lengths }));
