import type { Answer, StepEventView } from '../../src-common/api/inference';
import { isNoAnswer } from '../../src-common/routing/confidence';

/** The `--json` shape of an answer: snake_case keys, as the CLI documents them. */
export function answerJson(answer: Answer, steps?: StepEventView[]) {
  return {
    answer: answer.answer,
    // Only an end marker: shown as "No answer" in the app and never exported as an answer.
    no_answer: isNoAnswer(answer.answer),
    // The least confidence among the answer's word tokens, and whether that is below the model's calibrated threshold.
    confidence: answer.confidence?.least ?? null,
    unsure: answer.confidence?.unsure ?? null,
    unsure_below: answer.confidence?.unsureBelow ?? null,
    question: answer.question,
    region: answer.region,
    truncated: answer.truncated,
    heard_seconds: answer.heardSeconds,
    // The part of the region the model heard (seconds in the file); null in answers saved before it was recorded.
    heard: answer.heard ?? null,
    model: { id: answer.model.id, name: answer.model.name, version: answer.model.version, manifest_sha256: answer.model.manifestSha256 },
    provider: answer.provider,
    provider_attempts: answer.providerAttempts,
    forward_passes: answer.forwardPasses,
    tokens_per_forward: answer.forwardPasses > 0 ? answer.tokens.length / answer.forwardPasses : 0,
    decoding: {
      sampler: answer.decoding.sampler,
      steps: answer.decoding.steps,
      gen_length: answer.decoding.genLength,
      block_length: answer.decoding.blockLength,
      temperature: answer.decoding.temperature,
      cfg_scale: answer.decoding.cfgScale,
      factor: answer.decoding.factor,
      threshold: answer.decoding.threshold,
      seed: answer.decoding.seed,
      cache: answer.decoding.cache,
    },
    cache: answer.cache
      ? { requested: answer.cache.requested, used: answer.cache.used, note: answer.cache.note }
      : { requested: 'none', used: 'none', note: null },
    positions_computed: answer.cache?.positionsComputed ?? null,
    tokens: answer.tokens,
    timings: {
      decode_ms: answer.timings.decodeMs,
      features_ms: answer.timings.featuresMs,
      audio_graph_ms: answer.timings.audioGraphMs,
      steps_ms: answer.timings.stepsMs,
      steps_run_ms: answer.timings.stepsRunMs,
      total_ms: answer.timings.totalMs,
    },
    ...(steps ? { steps } : {}),
  };
}
