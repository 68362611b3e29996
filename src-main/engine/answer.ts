import type { z } from 'zod';
import { ApiError } from '../../src-common/api/errors';
import type { Answer, AskRequestSchema, DecodingSettings, StepEventView } from '../../src-common/api/inference';
import { DEFAULT_CACHE } from '../../src-common/diffusion/cache';
import { DenoiseCancelled, type DenoiseParams, denoise } from '../../src-common/diffusion/denoise';
import { resample } from '../../src-common/dsp/resample';
import { decodeRegion, downmix } from '../audio/decode';
import { regionKey } from './audio-cache';
import type { LoadedModel } from './loaded-model';

type AskParams = z.output<typeof AskRequestSchema>;

/** The manifest's decoding defaults with the question's own settings on top. */
export function resolveDecoding(model: LoadedModel, settings: DecodingSettings): Required<DecodingSettings> {
  const d = model.manifest.decoding;
  return {
    sampler: settings.sampler ?? d.sampler,
    steps: settings.steps ?? d.steps,
    genLength: settings.genLength ?? d.gen_length,
    // A custom gen length keeps the manifest's block length when it still divides it, else decodes in one block.
    blockLength: settings.blockLength ?? (settings.genLength === undefined || settings.genLength % d.block_length === 0 ? d.block_length : settings.genLength),
    temperature: settings.temperature ?? d.temperature,
    cfgScale: settings.cfgScale ?? d.cfg_scale,
    seed: settings.seed ?? 0,
    factor: settings.factor ?? d.factor,
    threshold: settings.threshold ?? d.threshold,
    cache: settings.cache ?? d.cache ?? DEFAULT_CACHE,
  };
}

/** Yields to the event loop, so a cancel message sent during a (synchronous) forward pass is seen before the next. */
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One question about one region: decode → mono → 16 kHz → log-mel → audio graph → prompt → masked diffusion, with a
 * step event per forward pass. Timings are measured here, in the engine process, around each stage.
 */
export async function answerQuestion(
  model: LoadedModel,
  request: AskParams,
  onStep: (event: StepEventView) => void,
  signal: { readonly aborted: boolean },
): Promise<Answer> {
  const started = performance.now();
  const { manifest } = model;
  const decoding = resolveDecoding(model, request.decoding);

  // The audio stage (decode → log-mel → audio graph) is kept per region: a second question about it skips it.
  const start = request.start ?? 0;
  const key = regionKey(request.audioPath, start, request.end, request.ablation);
  let decodeMs = 0;
  let featuresMs = 0;
  let audioGraphMs = 0;
  let audio = model.audioCache.get(key);
  const audioReused = audio !== undefined;
  if (!audio) {
    let t = performance.now();
    const decoded = await decodeRegion(request.audioPath, { start, end: request.end });
    const mono = resample(downmix(decoded), decoded.sampleRate, manifest.audio.sample_rate);
    if (request.ablation === 'silence') mono.fill(0);
    decodeMs = performance.now() - t;
    if (mono.length === 0) throw new ApiError('bad_audio', 'The region holds no audio samples');

    t = performance.now();
    const { features, melLength } = model.mel.extract(mono);
    featuresMs = performance.now() - t;

    t = performance.now();
    audio = { ...(await model.encodeAudio(features, melLength)), regionSeconds: mono.length / manifest.audio.sample_rate };
    audioGraphMs = performance.now() - t;
    model.audioCache.set(key, audio);
  }
  const { regionSeconds } = audio;
  const heardSeconds = Math.min(regionSeconds, manifest.audio.chunk_s);

  const prompt = model.prompt.build(request.question, request.history);
  const params: DenoiseParams = {
    ...decoding,
    maskId: manifest.special_tokens.mask,
    eosId: manifest.special_tokens.eos,
    ...(request.prefill ? { prefill: request.prefill } : {}),
  };
  const llm = model.llmForward(prompt.ids, audio, prompt.audioOffset, decoding.cache);
  const stepsMs: number[] = [];
  const stepsRunMs: number[] = [];
  let stepStarted = performance.now();

  let result: Awaited<ReturnType<typeof denoise>>;
  try {
    result = await denoise(
      params,
      async (input) => {
        await yieldToEvents();
        if (signal.aborted) throw new DenoiseCancelled();
        stepStarted = performance.now();
        return llm.forward(input);
      },
      (event) => {
        const committed = event.committed.map((c) => ({
          ...c,
          text: model.prompt.piece(c.token),
          alternatives: c.alternatives.map((a) => ({ ...a, text: model.prompt.piece(a.token) })),
        }));
        const ms = performance.now() - stepStarted;
        stepsMs.push(ms);
        stepsRunMs.push(llm.lastRunMs);
        onStep({ ...event, committed, ms, runMs: llm.lastRunMs });
      },
      signal,
    );
  } catch (error) {
    if (error instanceof DenoiseCancelled) throw new ApiError('cancelled', 'The question was cancelled');
    if (error instanceof RangeError) throw new ApiError('bad_request', error.message);
    throw error;
  }

  return {
    answer: model.prompt.decodeAnswer(result.tokens),
    tokens: Array.from(result.tokens),
    genLength: decoding.genLength,
    forwardPasses: result.forwardPasses,
    provider: model.provider,
    providerAttempts: model.attempts,
    model: { id: manifest.id, name: manifest.name, version: manifest.version, manifestSha256: model.bundle.manifestSha256 },
    decoding,
    cache: { ...llm.report },
    question: request.question,
    prompt: prompt.text,
    region: { start, end: start + regionSeconds },
    truncated: regionSeconds > manifest.audio.chunk_s,
    heardSeconds,
    audioReused,
    timings: { decodeMs, featuresMs, audioGraphMs, stepsMs, stepsRunMs, totalMs: performance.now() - started },
  };
}
