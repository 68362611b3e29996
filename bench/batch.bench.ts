/**
 * A batch of short clips on the bundled DIFFA-Tiny, timed against the engine's own per-answer times: the batch's wall
 * time (model load included) must stay within 1.2 × the sum of Answer.timings.totalMs, i.e. everything around the
 * answers (queueing, IPC, state file, per-file outputs) costs at most 20 %.
 *
 *   npm run bench:batch                      # 100 three-second clips, one question, TextGrid per file
 *   BENCH_CLIPS=20 BENCH_FORMAT=csv npm run bench:batch
 *   BENCH_IN_FLIGHT=1 npm run bench:batch  # one question at a time: what keeping the engine's queue full buys
 *
 * Clips are made with espeak-ng (speech) and sox (tones, chirps, noise, beeps, silence), resampled to 16 kHz mono and
 * cut or padded to exactly three seconds.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundledModelsDir } from '../src-main/core/resources';
import { EngineClient } from '../src-main/engine/engine-client';
import { engineEnv, forkEngine } from '../src-main/engine/fork-engine';
import { listInputs } from '../src-main/interchange/batch-inputs';
import { type BatchFormat, planBatch } from '../src-main/interchange/batch-plan';
import { runBatch } from '../src-main/interchange/batch-run';

const run = promisify(execFile);
const clips = Number(process.env.BENCH_CLIPS ?? 100);
const format = (process.env.BENCH_FORMAT ?? 'textgrid') as BatchFormat;
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'diffa-bench-batch-'));
const input = join(dir, 'clips');
mkdirSync(input);

const SENTENCES = [
  'the quick brown fox jumps',
  'hello and welcome to the show',
  'please open the window',
  'seven eight nine ten',
  'where is the train station',
];
const SYNTH = [['sine', '440'], ['sine', '300-3000'], ['whitenoise'], ['pinknoise'], ['square', '880']];

/** One three-second 16 kHz mono clip: speech every other clip, a synthesised sound otherwise. */
async function makeClip(i: number): Promise<void> {
  const out = join(input, `clip-${String(i).padStart(3, '0')}.wav`);
  const fit = ['-r', '16000', '-c', '1', '-b', '16', out, 'pad', '0', '3', 'trim', '0', '3'];
  if (i % 2 === 0) {
    const raw = join(dir, `raw-${i}.wav`);
    await run('espeak-ng', ['-s', String(140 + (i % 5) * 20), '-w', raw, SENTENCES[(i / 2) % SENTENCES.length] as string]);
    await run('sox', ['-V1', raw, ...fit]);
    rmSync(raw);
  } else {
    await run('sox', ['-V1', '-n', ...fit.slice(0, 7), 'synth', '3', ...(SYNTH[((i - 1) / 2) % SYNTH.length] as string[]), 'vol', '0.5']);
  }
}

async function main(): Promise<void> {
  const t = performance.now();
  for (let i = 0; i < clips; i += 2) await Promise.all([makeClip(i), ...(i + 1 < clips ? [makeClip(i + 1)] : [])]);
  console.log(`made ${clips} clips in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const engine = new EngineClient(forkEngine(engineEnv(join(dir, 'cache'))));
  try {
    const t0 = performance.now();
    await engine.start();
    const t1 = performance.now();
    const plan = await planBatch({
      inputs: await listInputs([input]),
      questions: ['What kind of sound is this?'],
      format,
      out: join(dir, format === 'csv' || format === 'jsonl' ? `answers.${format}` : 'out'),
      modelDir: join(bundledModelsDir(), 'diffa-tiny'),
      decoding: {},
      provider: 'cpu',
    });
    const summary = await runBatch(plan, engine, { inFlight });
    const t2 = performance.now();
    if (summary.answered !== clips) throw new Error(`only ${summary.answered} of ${clips} answered: ${JSON.stringify(summary.failures)}`);
    const wall = t2 - t1;
    const ratio = wall / summary.engineMs;
    const row = {
      clips,
      format,
      'in flight': inFlight,
      'engine Σ totalMs (s)': (summary.engineMs / 1000).toFixed(1),
      'batch wall incl. model load (s)': (wall / 1000).toFixed(1),
      'engine process start (s)': ((t1 - t0) / 1000).toFixed(1),
      'per answer (ms)': (summary.engineMs / clips).toFixed(0),
      'overhead per answer (ms)': ((wall - summary.engineMs) / clips).toFixed(0),
      ratio: ratio.toFixed(3),
    };
    console.table([row]);
    console.log(`ratio ${ratio.toFixed(3)} (target ≤ 1.2): ${ratio <= 1.2 ? 'met' : 'NOT met'}`);
    process.exitCode = ratio <= 1.2 ? 0 : 1;
  } finally {
    engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
