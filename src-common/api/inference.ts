import { z } from 'zod';
import { CACHE_MODES } from '../decoding/caches';
import { PROVIDER_PREFERENCES } from '../decoding/providers';
import { SAMPLER_NAMES } from '../decoding/samplers';

/** Questions, decoding settings, step events and answers: shared by the engine, the API, the CLI and the renderer. */

export const SamplerNameSchema = z.enum(SAMPLER_NAMES);
/** Fast-dLLM's key/value caches (src-common/diffusion/cache.ts). */
export const CacheModeSchema = z.enum(CACHE_MODES);
export const ProviderPreferenceSchema = z.enum(PROVIDER_PREFERENCES);

/**
 * Per-question decoding settings; anything left out comes from the model's manifest. A setting added here needs its
 * entry in `src-common/decoding/options.ts` (the CLI flag and the form's input) and a manifest default.
 */
export const DecodingSettingsSchema = z
  .object({
    sampler: SamplerNameSchema,
    steps: z.number().int().positive().max(4096),
    genLength: z.number().int().positive().max(4096),
    blockLength: z.number().int().positive().max(4096),
    temperature: z.number().nonnegative().max(10),
    cfgScale: z.number().nonnegative().max(20),
    seed: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 32 - 1),
    factor: z.number().positive().max(100),
    threshold: z.number().gt(0).lte(1),
    cache: CacheModeSchema,
  })
  .partial()
  .strict();
export type DecodingSettings = z.infer<typeof DecodingSettingsSchema>;

export const TurnSchema = z.object({ question: z.string(), answer: z.string() });

/**
 * One question for the engine. Strict, so a misspelt field is refused; new request options go here (with a default,
 * so older callers stay valid) and flow through `EngineClient.ask` unchanged.
 */
export const AskRequestSchema = z
  .object({
    modelDir: z.string().min(1),
    audioPath: z.string().min(1),
    start: z.number().nonnegative().nullable().default(null),
    end: z.number().positive().nullable().default(null),
    /**
     * Where the part the model hears begins (seconds in the file) when the region is longer than the model hears; the
     * engine decodes only that part. Null: the region's start. Kept inside the region.
     */
    heardStart: z.number().nonnegative().nullable().default(null),
    question: z.string().trim().min(1).max(2000),
    history: z.array(TurnSchema).max(32).default([]),
    decoding: DecodingSettingsSchema.default({}),
    provider: ProviderPreferenceSchema.default('auto'),
    /** Re-denoise: the window of an earlier answer with the tokens to redo set to the mask id (same gen length). */
    prefill: z.array(z.number().int().nonnegative()).max(4096).nullable().default(null),
    /** 'silence' replaces the region's samples with zeros of the same length: does the model listen at all? */
    ablation: z.enum(['none', 'silence']).default('none'),
  })
  .strict();
export type AskRequest = z.input<typeof AskRequestSchema>;

export const AlternativeSchema = z.object({ token: z.number().int(), text: z.string(), prob: z.number() });
export const CommittedTokenSchema = z.object({
  position: z.number().int().nonnegative(),
  token: z.number().int(),
  text: z.string(),
  confidence: z.number(),
  alternatives: z.array(AlternativeSchema),
});
export type CommittedTokenView = z.infer<typeof CommittedTokenSchema>;

/** One denoising step, small enough to stream: what was committed where, with its confidence and alternatives. */
export const StepEventSchema = z.object({
  step: z.number().int().positive(),
  block: z.number().int().nonnegative(),
  committed: z.array(CommittedTokenSchema),
  masked: z.number().int().nonnegative(),
  earlyStop: z.boolean(),
  /** Wall time of the whole step (inputs, forward pass, sampler, this event). */
  ms: z.number().nonnegative(),
  /** Of which onnxruntime's session.run: the rest is JavaScript overhead. */
  runMs: z.number().nonnegative(),
});
export type StepEventView = z.infer<typeof StepEventSchema>;

export const AnswerSchema = z.object({
  answer: z.string(),
  tokens: z.array(z.number().int()),
  genLength: z.number().int().positive(),
  forwardPasses: z.number().int().nonnegative(),
  provider: z.string(),
  providerAttempts: z.array(z.object({ provider: z.string(), ok: z.boolean(), reason: z.string().optional(), ms: z.number() })),
  model: z.object({ id: z.string(), name: z.string(), version: z.string(), manifestSha256: z.string() }),
  // Answers stored before the cache existed ran without one.
  decoding: DecodingSettingsSchema.required().extend({ cache: CacheModeSchema.default('none') }),
  /** The cache that ran (and why it is not the one asked for) and the sequence positions the LLM computed. */
  cache: z
    .object({
      requested: CacheModeSchema,
      used: CacheModeSchema,
      note: z.string().nullable(),
      positionsComputed: z.number().int().nonnegative(),
    })
    .optional(),
  question: z.string(),
  prompt: z.string(),
  region: z.object({ start: z.number(), end: z.number() }),
  /** Set when the region is longer than the model hears: only `heardSeconds` of it (the `heard` span) were used. */
  truncated: z.boolean(),
  heardSeconds: z.number(),
  /** The span the model heard, seconds in the file (absent in answers saved before it was recorded: the region's start). */
  heard: z.object({ start: z.number(), end: z.number() }).optional(),
  /** The region's audio embeddings came from the engine's cache (an earlier question about the same region). */
  audioReused: z.boolean().optional(),
  /**
   * Whether the model was sure (src-common/routing/confidence.ts): the least confidence among the answer's word
   * tokens (null: no words, only an end marker) against the model's calibrated threshold at the time it answered.
   * Absent in answers saved before it was recorded.
   */
  confidence: z.object({ least: z.number().nullable(), unsureBelow: z.number(), unsure: z.boolean() }).optional(),
  timings: z.object({
    decodeMs: z.number(),
    featuresMs: z.number(),
    audioGraphMs: z.number(),
    stepsMs: z.array(z.number()),
    stepsRunMs: z.array(z.number()),
    totalMs: z.number(),
  }),
});
export type Answer = z.infer<typeof AnswerSchema>;
