import type { z } from 'zod';
import { ApiError } from '../../src-common/api/errors';
import type { Answer, AskRequestSchema, DecodingSettings, StepEventView } from '../../src-common/api/inference';
import { type FullDecoding, resolveDecoding } from '../../src-common/decoding/defaults';
import { DenoiseCancelled, type DenoiseParams, denoise } from '../../src-common/diffusion/denoise';
import { resample } from '../../src-common/dsp/resample';
import { confidenceOf, DEFAULT_UNSURE_BELOW } from '../../src-common/routing/confidence';
import { decodeRegion, downmix } from '../audio/decode';
import { apiDecodingDefaults, capabilitiesOf } from '../models/bundle-manifest';
import { regionKey } from './audio-cache';
import type { LoadedModel } from './loaded-model';

type AskParams = z.output<typeof AskRequestSchema>;

/** The manifest's decoding defaults with the question's own settings on top (the rules: src-common/decoding). */
export function modelDecoding(model: LoadedModel, settings: DecodingSettings): FullDecoding {
  return resolveDecoding(apiDecodingDefaults(model.manifest.decoding), settings);
}

/**
 * Decodes only the part of the region the model hears (at most `chunkSeconds`, from `heardStart` or the region's
 * start): a question about the whole of a long file costs what a question about its first seconds costs. The
 * region's end comes from the request or the file's header; a file whose header does not say its length is decoded
 * a little past the heard part, which tells whether the region is longer than what was heard.
 */
async function decodeHeardPart(request: AskParams, chunkSeconds: number) {
  const regionStart = request.start ?? 0;
  const knownEnd = request.end;
  const longest = knownEnd === null ? Number.POSITIVE_INFINITY : knownEnd - chunkSeconds;
  const start = request.heardStart === null ? regionStart : Math.max(regionStart, Math.min(request.heardStart, longest));
  const probe = knownEnd === null ? 0.5 : 0;
  const end = Math.min(knownEnd ?? Number.POSITIVE_INFINITY, start + chunkSeconds + probe);
  const decoded = await decodeRegion(request.audioPath, { start, end });
  const rate = decoded.sampleRate;
  const fileEnd = decoded.fileFrames != null ? decoded.fileFrames / rate : null;
  const keep = Math.round(chunkSeconds * rate);
  const decodedMore = (decoded.channels[0]?.length ?? 0) > keep;
  if (decodedMore) decoded.channels = decoded.channels.map((channel) => channel.subarray(0, keep));
  const heardEnd = start + (decoded.channels[0]?.length ?? 0) / rate;
  const regionEnd = knownEnd ?? fileEnd ?? heardEnd;
  return {
    decoded,
    start,
    region: { start: regionStart, end: regionEnd },
    truncated: regionEnd - regionStart > chunkSeconds + 1 / rate || (fileEnd === null && decodedMore),
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
  const decoding = modelDecoding(model, request.decoding);

  // The audio stage (decode → log-mel → audio graph) is kept per region and heard window: a second question about
  // the same part of the same file skips it.
  const key = regionKey(request.audioPath, request.start ?? 0, request.end, request.heardStart, request.ablation);
  let decodeMs = 0;
  let featuresMs = 0;
  let audioGraphMs = 0;
  let audio = key === null ? undefined : model.audioCache.get(key);
  const audioReused = audio !== undefined;
  if (!audio) {
    let t = performance.now();
    const heard = await decodeHeardPart(request, manifest.audio.chunk_s);
    const mono = resample(downmix(heard.decoded), heard.decoded.sampleRate, manifest.audio.sample_rate);
    if (request.ablation === 'silence') mono.fill(0);
    decodeMs = performance.now() - t;
    if (mono.length === 0) throw new ApiError('bad_audio', 'The region holds no audio samples');

    t = performance.now();
    const { features, melLength } = model.mel.extract(mono);
    featuresMs = performance.now() - t;

    t = performance.now();
    const encoded = await model.encodeAudio(features, melLength);
    audioGraphMs = performance.now() - t;
    const heardSeconds = mono.length / manifest.audio.sample_rate;
    audio = { ...encoded, heard: { start: heard.start, end: heard.start + heardSeconds }, region: heard.region, truncated: heard.truncated };
    if (key !== null) model.audioCache.set(key, audio);
  }
  const { heard } = audio;
  const heardSeconds = heard.end - heard.start;

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
  const trace: StepEventView[] = [];
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
        const step = { ...event, committed, ms, runMs: llm.lastRunMs };
        trace.push(step);
        onStep(step);
      },
      signal,
    );
  } catch (error) {
    if (error instanceof DenoiseCancelled) throw new ApiError('cancelled', 'The question was cancelled');
    if (error instanceof RangeError) throw new ApiError('bad_request', error.message);
    throw error;
  } finally {
    llm.dispose();
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
    region: audio.region,
    truncated: audio.truncated,
    heardSeconds,
    heard,
    audioReused,
    confidence: confidenceOf(trace, capabilitiesOf(manifest).unsure_below ?? DEFAULT_UNSURE_BELOW),
    timings: { decodeMs, featuresMs, audioGraphMs, stepsMs, stepsRunMs, totalMs: performance.now() - started },
  };
}
