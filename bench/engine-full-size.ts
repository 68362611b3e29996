/**
 * The engine at DIFFA-2's full size (random weights with the released checkpoints' names and shapes, int4): what the
 * key/value cache and the audio cache save where they matter.
 *
 *   npm run bench:engine -- --full-size --checkpoints DIR [--bundle DIR] [--none-steps N] [--seconds S]
 *
 * --checkpoints (or DIFFA_FULL_CHECKPOINTS): a folder with llada/, whisper/ and diffa2/pytorch_model.bin at the
 *   released sizes. Make one (random, ~17 GB, a few minutes): /usr/bin/python3 tools/make_full_size_checkpoints.py --out DIR
 * --bundle (or DIFFA_FULL_BUNDLE; default <tmp>/diffa2-full-int4-kv): the int4 bundle, built there with the app's
 *   builder (`diffa models build`'s code, template models/templates/diffa2-int4/) unless it is already there (~7 GB).
 *
 * In one process, model loaded once (the cache setting does not touch loading or the audio graph):
 *   1. a 32-token answer with `--cache prefix` about a fresh region (its audio stage runs);
 *   2. a second question about the same region with `--cache dual` (its audio stage is reused);
 *   3. `--cache none`: every step is a full pass over the same sequence, so the 32-step answer costs 32 of them;
 *      --none-steps N (default 8) runs N of those steps (the answer's 32 tokens, N steps) and scales the sum by 32 / N.
 *      --none-steps 32 runs the whole answer.
 * Decoding: LLaDA's low-confidence sampler, 32 tokens, blocks of 8, one token a step (32 steps): 4 full passes and 28
 * cached steps with a cache. Peak RSS is the process's (model, sessions, caches).
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Answer, AskRequestSchema } from '../src-common/api/inference';
import type { CacheMode } from '../src-common/decoding/caches';
import { bundledModelsDir } from '../src-main/core/resources';
import { answerQuestion } from '../src-main/engine/answer';
import { LoadedModel } from '../src-main/engine/loaded-model';
import { buildBundle } from '../src-main/models/build/build-bundle';
import { loadBundle, verifyBundle } from '../src-main/models/bundle';
import { writeSineWav } from '../src-main/test-support/wav';
import { median } from './stats';

const GEN = 32;
const BLOCK = 8;
const HOW_TO_MAKE = '/usr/bin/python3 tools/make_full_size_checkpoints.py --out DIR';

const { values } = parseArgs({
  options: {
    'full-size': { type: 'boolean' },
    checkpoints: { type: 'string' },
    bundle: { type: 'string' },
    'none-steps': { type: 'string' },
    seconds: { type: 'string' },
  },
  strict: true,
});
const checkpoints = values.checkpoints ?? process.env.DIFFA_FULL_CHECKPOINTS;
const bundleDir = values.bundle ?? process.env.DIFFA_FULL_BUNDLE ?? join(tmpdir(), 'diffa2-full-int4-kv');
const noneSteps = Number(values['none-steps'] ?? 8);
const clipSeconds = Number(values.seconds ?? 15);
if (!Number.isInteger(noneSteps) || noneSteps < 1 || GEN % noneSteps !== 0 || noneSteps % (GEN / BLOCK) !== 0) {
  throw new Error(`--none-steps must divide ${GEN} and be a multiple of ${GEN / BLOCK} (the blocks)`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const millis = (ms: number) => `${ms.toFixed(0)} ms`;
const gib = (kib: number) => `${(kib / 1024 / 1024).toFixed(2)} GiB`;
const peakRssKiB = () => process.resourceUsage().maxRSS;

async function ensureBundle(): Promise<void> {
  if (existsSync(join(bundleDir, 'manifest.json'))) {
    const manifest = JSON.parse(readFileSync(join(bundleDir, 'manifest.json'), 'utf8'));
    if (!manifest.graphs?.llm?.inputs?.position_start) {
      throw new Error(`${bundleDir} holds a bundle without the key/value cache: remove it (or name another --bundle) to build one`);
    }
    console.log(`bundle: ${bundleDir} (reused)`);
    return;
  }
  if (!checkpoints || !existsSync(join(checkpoints, 'llada'))) {
    throw new Error(`full-size checkpoints are needed (--checkpoints DIR or DIFFA_FULL_CHECKPOINTS). Make them with: ${HOW_TO_MAKE}`);
  }
  const templateDir = join(bundledModelsDir(), 'templates', 'diffa2-int4');
  const started = performance.now();
  let last = 0;
  await buildBundle({
    templateDir,
    llada: join(checkpoints, 'llada'),
    whisper: join(checkpoints, 'whisper'),
    checkpoint: join(checkpoints, 'diffa2', 'pytorch_model.bin'),
    out: bundleDir,
    onProgress: (p) => {
      if (p.phase === 'writing' && performance.now() - last < 30_000) return;
      last = performance.now();
      console.log(`  build: ${p.phase} ${p.graph ?? ''} ${(p.bytesDone / 2 ** 30).toFixed(2)} / ${(p.bytesTotal / 2 ** 30).toFixed(2)} GiB`);
    },
  });
  console.log(`bundle: built ${bundleDir} with the app's builder in ${seconds(performance.now() - started)}`);
}

interface Row {
  cache: CacheMode;
  answer: Answer;
  /** run ms of each block's first step (a full pass) and of the other steps */
  firstSteps: number[];
  otherSteps: number[];
}

function splitSteps(answer: Answer, stepsPerBlock: number) {
  const runs = answer.timings.stepsRunMs;
  return {
    firstSteps: runs.filter((_, i) => i % stepsPerBlock === 0),
    otherSteps: runs.filter((_, i) => i % stepsPerBlock !== 0),
  };
}

const audioStage = (a: Answer) => a.timings.decodeMs + a.timings.featuresMs + a.timings.audioGraphMs;

async function main() {
  console.log(`full-size engine bench, OMP_NUM_THREADS=${process.env.OMP_NUM_THREADS ?? '(unset)'}`);
  await ensureBundle();
  const verifyCache = join(tmpdir(), 'diffa-full-size-verified.json');
  let t = performance.now();
  await verifyBundle(loadBundle(bundleDir), verifyCache);
  console.log(`hash check of the bundle's files (once per file version, then cached): ${seconds(performance.now() - t)}`);

  t = performance.now();
  const model = await LoadedModel.load(bundleDir, { provider: 'cpu', verifyCache });
  const loadMs = performance.now() - t;
  const rssAfterLoad = peakRssKiB();
  console.log(`load (sessions created): ${seconds(loadMs)}; cache support: ${JSON.stringify(model.cacheSupport)}`);
  try {
    const audioPath = writeSineWav(join(tmpdir(), `diffa-full-size-${process.pid}.wav`), clipSeconds, 440, 16000);
    const ask = async (question: string, cache: CacheMode, steps: number) => {
      const request = AskRequestSchema.parse({
        modelDir: bundleDir,
        audioPath,
        question,
        provider: 'cpu',
        decoding: { sampler: 'low-confidence', genLength: GEN, blockLength: BLOCK, steps, temperature: 0, cfgScale: 0, cache },
      });
      const started = performance.now();
      let step = 0;
      const answer = await answerQuestion(
        model,
        request,
        (e) => {
          step++;
          if (step === 1 || step % 8 === 0) console.log(`  ${cache}: step ${step}, ${seconds(e.runMs ?? 0)} in onnxruntime`);
        },
        { aborted: false },
      );
      console.log(`  ${cache}: ${answer.forwardPasses} passes in ${seconds(performance.now() - started)}`);
      return answer;
    };
    const rows: Row[] = [];
    const stepsPerBlock = GEN / (GEN / BLOCK);
    for (const [cache, question] of [
      ['prefix', 'What sound events can you hear?'],
      ['dual', 'What instrument is playing?'],
    ] as const) {
      const answer = await ask(question, cache, GEN);
      if (answer.cache?.used !== cache) throw new Error(`asked for ${cache}, ran ${answer.cache?.used}: ${answer.cache?.note}`);
      rows.push({ cache, answer, ...splitSteps(answer, stepsPerBlock) });
    }
    const none = await ask('What is the speaker saying?', 'none', noneSteps);
    rows.push({ cache: 'none', answer: none, firstSteps: none.timings.stepsRunMs, otherSteps: [] });

    const [prefix] = rows;
    const fullStep = median(rows.flatMap((r) => r.firstSteps));
    const noneTotal = (none.timings.stepsMs.reduce((a, b) => a + b, 0) * GEN) / noneSteps;
    const sequence = (none.cache?.positionsComputed ?? 0) / none.forwardPasses;
    console.log(
      `\nclip ${clipSeconds} s → ${prefix?.answer.heardSeconds.toFixed(1)} s heard; sequence ${sequence} positions (prompt + audio + ${GEN}); ` +
        `low-confidence, ${GEN} tokens, blocks of ${BLOCK}, ${GEN} steps\n`,
    );
    console.log('| cache | block first step (full pass) | cached step | cached / full | 32-token answer, steps | vs none | positions computed | audio stage |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const steps = r.answer.timings.stepsMs.reduce((a, b) => a + b, 0);
      const total = r.cache === 'none' ? noneTotal : steps;
      const positions = r.cache === 'none' ? ((r.answer.cache?.positionsComputed ?? 0) * GEN) / noneSteps : r.answer.cache?.positionsComputed;
      const cached = r.otherSteps.length ? median(r.otherSteps) : Number.NaN;
      console.log(
        `| ${r.cache} | ${millis(median(r.firstSteps))} | ${r.otherSteps.length ? millis(cached) : '—'} | ` +
          `${r.otherSteps.length ? `1/${(fullStep / cached).toFixed(1)}` : '—'} | ${seconds(total)}${r.cache === 'none' && noneSteps < GEN ? ` (${noneSteps} of ${GEN} steps run, ×${GEN / noneSteps})` : ''} | ` +
          `${(noneTotal / total).toFixed(2)}× | ${positions} | ${seconds(audioStage(r.answer))}${r.answer.audioReused ? ' (reused)' : ''} |`,
      );
    }
    const first = rows[0]?.answer;
    const second = rows[1]?.answer;
    if (first && second) {
      console.log(
        `\naudio stage: first question ${seconds(audioStage(first))} (decode ${first.timings.decodeMs.toFixed(0)} ms, log-mel ${first.timings.featuresMs.toFixed(0)} ms, ` +
          `audio graph ${seconds(first.timings.audioGraphMs)}); second question about the same region ${audioStage(second).toFixed(2)} ms ` +
          (second.audioReused ? '(decode, log-mel and audio graph not run: reused)' : '(NOT reused)'),
      );
    }
    console.log(`load ${seconds(loadMs)}; peak RSS after load ${gib(rssAfterLoad)}, at the end ${gib(peakRssKiB())}`);
  } finally {
    await model.release();
  }
}

await main();
