import { z } from 'zod';
import { CACHE_MODES, DEFAULT_CACHE } from '../../src-common/decoding/caches';
import type { DecodingDefaults as ApiDecodingDefaults } from '../../src-common/decoding/defaults';
import { SAMPLER_NAMES } from '../../src-common/decoding/samplers';
import { type Capabilities, CapabilitiesSchema, defaultCapabilities } from '../../src-common/routing/capabilities';

/**
 * manifest.json of a model bundle (docs/model-bundle.md). The same format serves DIFFA-Tiny and the converted
 * DIFFA-2; everything the app needs to run a bundle is here, so no model-specific code lives in the app.
 */
const TensorSpecSchema = z.object({
  dtype: z.enum(['float32', 'float16', 'int64', 'int32', 'bool']),
  shape: z.array(z.union([z.number().int(), z.string()])),
});

const GraphSchema = z.object({
  file: z.string(),
  inputs: z.record(z.string(), TensorSpecSchema),
  outputs: z.record(z.string(), TensorSpecSchema),
});

const FileEntrySchema = z.object({
  path: z
    .string()
    .min(1)
    .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), 'must be a relative path inside the bundle'),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
});

export const DecodingDefaultsSchema = z.object({
  sampler: z.enum(SAMPLER_NAMES),
  steps: z.number().int().positive(),
  gen_length: z.number().int().positive(),
  block_length: z.number().int().positive(),
  temperature: z.number().nonnegative().default(0),
  cfg_scale: z.number().nonnegative().default(0),
  factor: z.number().positive().default(1),
  threshold: z.number().gt(0).lte(1).default(0.9),
  /** The key/value cache the model's authors vouch for; absent, the app's default (src-common/decoding/caches.ts). */
  cache: z.enum(CACHE_MODES).optional(),
});
export type DecodingDefaults = z.infer<typeof DecodingDefaultsSchema>;

/** The manifest's decoding defaults in the API's names (what `resolveDecoding` and `models.details` take). */
export function apiDecodingDefaults(d: DecodingDefaults): ApiDecodingDefaults {
  return {
    sampler: d.sampler,
    steps: d.steps,
    genLength: d.gen_length,
    blockLength: d.block_length,
    temperature: d.temperature,
    cfgScale: d.cfg_scale,
    factor: d.factor,
    threshold: d.threshold,
    cache: d.cache ?? DEFAULT_CACHE,
  };
}

export const BundleManifestSchema = z.object({
  format: z.literal('diffa-bundle'),
  format_version: z.literal(1),
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dot, dash, underscore'),
  name: z.string(),
  version: z.string(),
  licence: z.string(),
  description: z.string().default(''),
  source_checkpoints: z.array(z.unknown()).default([]),
  architecture: z.record(z.string(), z.unknown()).default({}),
  audio: z.object({
    sample_rate: z.number().int().positive(),
    n_mels: z.number().int().positive(),
    n_fft: z.number().int().positive(),
    hop_length: z.number().int().positive(),
    chunk_s: z.number().positive(),
    chunk_frames: z.number().int().positive(),
  }),
  graphs: z.object({ audio: GraphSchema, llm: GraphSchema }),
  tokenizer: z.string(),
  special_tokens: z.object({
    bos: z.number().int().nonnegative(),
    eos: z.number().int().nonnegative(),
    mask: z.number().int().nonnegative(),
    eot: z.number().int().nonnegative(),
    start_header: z.number().int().nonnegative().optional(),
    end_header: z.number().int().nonnegative().optional(),
  }),
  chat_template: z.string(),
  system_prompt: z.string(),
  audio_insertion: z.object({
    after_text: z.string(),
    /** Added to the token count of the prompt up to and including after_text (DIFFA-2's BPE needs −1). */
    offset_adjust: z.number().int().default(0),
    /** The first user turn; `{question}` is replaced by the question. */
    user_template: z.string().default('This is the audio: <audio>. {question}'),
    rule: z.string().optional(),
  }),
  decoding: DecodingDefaultsSchema,
  tasks: z.array(z.object({ task: z.string(), question: z.string(), answers: z.array(z.string()).optional() })).default([]),
  suggested_questions: z.array(z.string()).default([]),
  /** What the model can answer (versioned; src-common/routing/capabilities.ts). Absent in older bundles. */
  capabilities: CapabilitiesSchema.optional(),
  files: z.array(FileEntrySchema).min(1),
});
export type BundleManifest = z.infer<typeof BundleManifestSchema>;

/** The manifest's capabilities, or what an older manifest without them implies (see defaultCapabilities). */
export function capabilitiesOf(manifest: BundleManifest): Capabilities {
  const capabilities = manifest.capabilities ?? defaultCapabilities(manifest.tasks, manifest.audio.chunk_s);
  const listed = new Set(manifest.tasks.map((t) => t.task));
  const unknown = capabilities.trained_tasks.filter((t) => !listed.has(t));
  if (unknown.length) throw new Error(`capabilities.trained_tasks names tasks the manifest does not list: ${unknown.join(', ')}`);
  return capabilities;
}
