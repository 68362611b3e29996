/**
 * The inference engine against the PyTorch reference of the same weights and sampler, in one command:
 *   - per sampler: accuracy on an eval set, answers/s, median time per step, tokens per forward pass, and the share
 *     of each step spent outside onnxruntime (JavaScript: sampler, tensors, events);
 *   - the same answers from tools/bench_torch_reference.py (PyTorch, the reference decoders), for the ratio;
 *   - the latency of a 3 s question with the default sampler, as the CLI or the app's host sees it.
 *
 *   npm run bench:engine                                    # the committed 32-item eval sample
 *   BENCH_SET=DIR BENCH_SAMPLERS=factor,low-confidence npm run bench:engine
 *   npm run bench:engine -- --full-size --checkpoints DIR    # DIFFA-2's full size, int4: bench/engine-full-size.ts
 * A larger held-out set: /usr/bin/python3 tools/make_eval_set.py --out DIR (160 items, seed 1001).
 * Engine and reference run one after the other on the same machine with the same thread count (OMP_NUM_THREADS,
 * default 2); the reference runs before and after each sampler's engine rows and the ratio uses the mean of the two,
 * so that a load that drifts during the run weighs on both sides.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { StepEventView } from '../src-common/api/inference';
import type { CacheMode } from '../src-common/decoding/caches';
import type { SamplerName } from '../src-common/diffusion/denoise';
import { bundledModelsDir } from '../src-main/core/resources';
import { EngineClient } from '../src-main/engine/engine-client';
import { engineEnv, forkEngine } from '../src-main/engine/fork-engine';
import { readEvalSet, scoreAnswers } from '../src-main/eval/eval-set';
import { writeSineWav } from '../src-main/test-support/wav';
import { median } from './stats';

const threads = process.env.OMP_NUM_THREADS ?? '2';
const setDir = process.env.BENCH_SET ?? join(import.meta.dirname, '..', 'models', 'diffa-tiny', 'eval');
const samplers = (process.env.BENCH_SAMPLERS ?? 'low-confidence,factor,threshold,random').split(',') as SamplerName[];
const latencyRounds = Number(process.env.BENCH_ROUNDS ?? 15);
const modelDir = join(bundledModelsDir(), 'diffa-tiny');
const GEN = 8;
// Faithful LLaDA decoding commits one token per step (steps = gen length); the parallel samplers take what they need.
const decodingFor = (sampler: SamplerName, cache: CacheMode = 'none') => ({
  sampler,
  steps: GEN,
  genLength: GEN,
  blockLength: GEN,
  temperature: 0,
  seed: 0,
  cache,
});
// The reference recomputes the whole sequence every step (as LLaDA's and DIFFA-2's code do): the same-setting ratio is
// the engine's `none`; the engine's caches are rows of their own.
const caches = (process.env.BENCH_CACHES ?? 'none,prefix').split(',') as CacheMode[];

interface EngineRun {
  accuracy: number;
  answersPerS: number;
  stepMs: number;
  runMs: number;
  /** Share of a step's time outside onnxruntime: per step (median, 90th percentile), and over all steps summed. */
  jsShareMedian: number;
  jsShareP90: number;
  jsShare: number;
  windowTokensPerPass: number;
  sampledTokensPerPass: number;
  passesPerAnswer: number;
  /** Mean wall ms per answer of each stage, as the engine timed them, and what the bench saw beyond them. */
  stages: StageTimes;
  /** The engine process's CPU time (user + system, all its threads) per answer. */
  cpuMsPerAnswer: number;
}

interface StageTimes {
  decode: number;
  'log-mel': number;
  'audio graph': number;
  denoise: number;
  /** In the engine, outside the stages: the prompt, the answer's assembly. */
  other: number;
  /** Between the bench and the engine: the request and its step events and reply over the process channel. */
  ipc: number;
}

/** CPU time (user + system, in ms) a process has used so far, from /proc (Linux); null elsewhere. */
function processCpuMs(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ", in clock ticks (100 Hz).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Tokens the sampler itself chose in a step: an early stop's EOS fill (after the first EOS) is not counted. */
function sampledCount(events: StepEventView[], tokens: number[], eosId: number): number {
  const firstEos = tokens.indexOf(eosId);
  return events.reduce((n, e) => n + e.committed.filter((c) => !e.earlyStop || firstEos < 0 || c.position <= firstEos).length, 0);
}

async function runEngine(engine: EngineClient, sampler: SamplerName, cache: CacheMode, eosId: number): Promise<EngineRun> {
  const items = readEvalSet(setDir);
  const results: { task: string; expected: string; answer: string }[] = [];
  const stepMs: number[] = [];
  const runMs: number[] = [];
  let passes = 0;
  let sampled = 0;
  const stages: StageTimes = { decode: 0, 'log-mel': 0, 'audio graph': 0, denoise: 0, other: 0, ipc: 0 };
  const cpuBefore = processCpuMs(engine.status().pid);
  const started = performance.now();
  for (const item of items) {
    const events: StepEventView[] = [];
    const asked = performance.now();
    const answer = await engine.ask(
      { modelDir, audioPath: item.path, start: item.start, end: item.end, question: item.question, decoding: decodingFor(sampler, cache) },
      { onStep: (step) => events.push(step) },
    );
    const t = answer.timings;
    const denoiseMs = t.stepsMs.reduce((a, b) => a + b, 0);
    stages.decode += t.decodeMs;
    stages['log-mel'] += t.featuresMs;
    stages['audio graph'] += t.audioGraphMs;
    stages.denoise += denoiseMs;
    stages.other += t.totalMs - t.decodeMs - t.featuresMs - t.audioGraphMs - denoiseMs;
    stages.ipc += performance.now() - asked - t.totalMs;
    results.push({ task: item.task, expected: item.answer, answer: answer.answer });
    stepMs.push(...answer.timings.stepsMs);
    runMs.push(...answer.timings.stepsRunMs);
    passes += answer.forwardPasses;
    sampled += sampledCount(events, answer.tokens, eosId);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = processCpuMs(engine.status().pid);
  for (const key of Object.keys(stages) as (keyof StageTimes)[]) stages[key] /= items.length;
  const shares = stepMs.map((ms, i) => 1 - (runMs[i] ?? 0) / ms).sort((a, b) => a - b);
  const totalStep = stepMs.reduce((a, b) => a + b, 0);
  const totalRun = runMs.reduce((a, b) => a + b, 0);
  return {
    accuracy: scoreAnswers(results).overall,
    answersPerS: items.length / seconds,
    stepMs: median(stepMs),
    runMs: median(runMs),
    jsShareMedian: median(shares),
    jsShareP90: shares[Math.floor(0.9 * (shares.length - 1))] ?? 0,
    jsShare: 1 - totalRun / totalStep,
    windowTokensPerPass: (items.length * GEN) / passes,
    sampledTokensPerPass: sampled / passes,
    passesPerAnswer: passes / items.length,
    stages,
    cpuMsPerAnswer: cpuBefore === null || cpuAfter === null ? Number.NaN : (cpuAfter - cpuBefore) / items.length,
  };
}

interface TorchRun {
  accuracy: number;
  answers_per_s: number;
  median_step_ms: number;
  cpu_ms_per_answer: number;
  stages: Record<'decode' | 'log-mel' | 'audio graph' | 'prompt' | 'denoise', { wall_ms: number; cpu_ms: number }>;
  threads: number;
  blas: string;
  omp_wait_policy: string;
}

function runTorch(sampler: SamplerName): TorchRun {
  const d = decodingFor(sampler);
  const args = [
    'tools/bench_torch_reference.py',
    '--set',
    setDir,
    '--sampler',
    sampler,
    '--steps',
    `${d.steps}`,
    '--gen-length',
    `${GEN}`,
    '--block-length',
    `${GEN}`,
  ];
  const out = spawnSync('/usr/bin/python3', args, {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, OMP_NUM_THREADS: threads },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (out.status !== 0) throw new Error(`the PyTorch reference failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as TorchRun;
}

/** A 3 s clip asked about repeatedly: the first answer runs the audio stage, the others reuse its embeddings. */
async function latency3s(engine: EngineClient): Promise<{ firstAudioMs: number; reusedAudioMs: number; times: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'diffa-bench-'));
  try {
    const clip = writeSineWav(join(dir, 'tone-3s.wav'), 3, 440, 44100);
    const audioStage = (a: { timings: { decodeMs: number; featuresMs: number; audioGraphMs: number } }) =>
      a.timings.decodeMs + a.timings.featuresMs + a.timings.audioGraphMs;
    const first = await engine.ask({ modelDir, audioPath: clip, question: 'What kind of sound is this?', decoding: {} });
    const times: number[] = [];
    const reused: number[] = [];
    for (let i = 0; i < latencyRounds; i++) {
      const t = performance.now();
      const answer = await engine.ask({ modelDir, audioPath: clip, question: 'What kind of sound is this?', decoding: {} });
      times.push(performance.now() - t);
      reused.push(audioStage(answer));
    }
    return { firstAudioMs: audioStage(first), reusedAudioMs: median(reused), times };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An engine process of its own, model loaded and warmed: one answer about a clip that is not in the eval set, and
 * one about the first half second of a file of each format in the set. Each row starts cold of the audio cache (those
 * regions are not the ones the rows ask about, and a row asking the items an earlier row asked would skip their audio
 * stage) and warm of everything else: the decoders' WASM compiled, the code paths run once. The PyTorch reference
 * likewise answers one item before it starts its clock.
 */
async function freshEngine(cacheDir: string): Promise<EngineClient> {
  const engine = new EngineClient(forkEngine({ ...engineEnv(cacheDir), OMP_NUM_THREADS: threads }));
  await engine.start();
  await engine.load(modelDir);
  const clip = writeSineWav(join(cacheDir, 'warm-up.wav'), 2, 523, 44100);
  await engine.ask({ modelDir, audioPath: clip, question: 'What kind of sound is this?', decoding: {} });
  const oneOfEachFormat = new Map(readEvalSet(setDir).map((item) => [extname(item.path).toLowerCase(), item]));
  for (const item of oneOfEachFormat.values()) {
    await engine.ask({ modelDir, audioPath: item.path, start: 0, end: 0.5, question: item.question, decoding: {} });
  }
  return engine;
}

async function main() {
  const cacheDir = mkdtempSync(join(tmpdir(), 'diffa-bench-engine-'));
  try {
    const eosId = (JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as { special_tokens: { eos: number } }).special_tokens.eos;
    console.log(`eval set: ${setDir} (${readEvalSet(setDir).length} items), ${threads} threads, gen length ${GEN}\n`);
    console.log(
      '| sampler | engine cache | accuracy (engine / PyTorch) | answers/s engine | answers/s PyTorch: mean (before, after) | ratio | step ms engine (onnxruntime) | step ms PyTorch | JS share of a step: median / p90 / all steps | forward passes / answer | window tokens / pass | sampled tokens / pass |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    const blas = new Set<string>();
    const stageRows: string[] = [];
    for (const sampler of samplers) {
      // The reference runs before and after the engine's rows, and the ratio is taken against the mean of the two:
      // on a shared machine the load drifts during a run, and bracketing the engine spreads the drift over both sides.
      const before = runTorch(sampler);
      const rows: EngineRun[] = [];
      for (const cache of caches) {
        const engine = await freshEngine(cacheDir);
        try {
          rows.push(await runEngine(engine, sampler, cache, eosId));
        } finally {
          engine.dispose();
        }
      }
      const after = runTorch(sampler);
      const t = {
        ...before,
        answers_per_s: (before.answers_per_s + after.answers_per_s) / 2,
        median_step_ms: (before.median_step_ms + after.median_step_ms) / 2,
      };
      blas.add(`${t.blas} BLAS, ${t.threads} threads, OMP_WAIT_POLICY=${t.omp_wait_policy}`);
      const mean = (pick: (run: TorchRun) => number) => (pick(before) + pick(after)) / 2;
      const torchStage = (name: keyof TorchRun['stages']) => mean((run) => run.stages[name].wall_ms);
      const torchTotal = mean((run) => 1000 / run.answers_per_s);
      const torchNamed = (['decode', 'log-mel', 'audio graph', 'denoise'] as const).reduce((n, k) => n + torchStage(k), 0);
      stageRows.push(
        `| ${sampler} | PyTorch | ${torchStage('decode').toFixed(2)} | ${torchStage('log-mel').toFixed(2)} | ${torchStage('audio graph').toFixed(2)} | ` +
          `${torchStage('denoise').toFixed(2)} | ${(torchTotal - torchNamed).toFixed(2)} | – | ${torchTotal.toFixed(1)} | ${mean((run) => run.cpu_ms_per_answer).toFixed(1)} |`,
      );
      rows.forEach((e, i) => {
        const st = e.stages;
        stageRows.push(
          `| ${sampler} | engine, ${caches[i]} | ${st.decode.toFixed(2)} | ${st['log-mel'].toFixed(2)} | ${st['audio graph'].toFixed(2)} | ${st.denoise.toFixed(2)} | ` +
            `${st.other.toFixed(2)} | ${st.ipc.toFixed(2)} | ${(1000 / e.answersPerS).toFixed(1)} | ${e.cpuMsPerAnswer.toFixed(1)} |`,
        );
      });
      rows.forEach((e, i) => {
        console.log(
          `| ${sampler} | ${caches[i]} | ${(100 * e.accuracy).toFixed(1)} % / ${(100 * t.accuracy).toFixed(1)} % | ${e.answersPerS.toFixed(1)} | ` +
            `${t.answers_per_s.toFixed(2)} (${before.answers_per_s.toFixed(2)}, ${after.answers_per_s.toFixed(2)}) | ` +
            `${(e.answersPerS / t.answers_per_s).toFixed(1)}× | ${e.stepMs.toFixed(2)} (${e.runMs.toFixed(2)}) | ${t.median_step_ms.toFixed(1)} | ` +
            `${(100 * e.jsShareMedian).toFixed(1)} / ${(100 * e.jsShareP90).toFixed(1)} / ${(100 * e.jsShare).toFixed(1)} % | ${e.passesPerAnswer.toFixed(2)} | ${e.windowTokensPerPass.toFixed(2)} | ${e.sampledTokensPerPass.toFixed(2)} |`,
        );
      });
    }
    console.log(`\nPyTorch reference: ${[...blas].join('; ')}`);
    console.log(
      '\nWhere an answer goes, mean wall ms per answer (PyTorch: mean of its two runs; its "other" is the rest of the answer: prompt, loop): ' +
        'decode = file to 16 kHz mono (engine: decode, downmix, resample); denoise = all forward passes with the sampler; ' +
        "IPC = the bench's wait beyond the engine's own total (request, step events, reply); CPU = the answering process, all threads.\n",
    );
    console.log('| sampler | side | decode | log-mel | audio graph | denoise | other | IPC | total ms / answer | CPU ms / answer |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const row of stageRows) console.log(row);
    const engine = await freshEngine(cacheDir);
    try {
      const { firstAudioMs, times, reusedAudioMs } = await latency3s(engine);
      console.log(
        `\n3 s question, default decoding: first question's audio stage ${firstAudioMs.toFixed(1)} ms; ${times.length} more questions about the same ` +
          `region (audio reused): audio stage ${reusedAudioMs.toFixed(2)} ms, whole answer median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`,
      );
    } finally {
      engine.dispose();
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--full-size')) await import('./engine-full-size');
else await main();
