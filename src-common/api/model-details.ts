import { z } from 'zod';
import { CapabilitiesSchema } from '../routing/capabilities';
import { CacheModeSchema, SamplerNameSchema } from './inference';

/** What the chat needs to know about a model before asking it: its decoding defaults and the questions it was taught. */
export const ModelDetailsSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  licence: z.string(),
  description: z.string(),
  /** The manifest's decoding defaults, in the API's names (the seed is not the manifest's: 0 unless a question sets it). */
  decoding: z.object({
    sampler: SamplerNameSchema,
    steps: z.number().int().positive(),
    genLength: z.number().int().positive(),
    blockLength: z.number().int().positive(),
    temperature: z.number().nonnegative(),
    cfgScale: z.number().nonnegative(),
    factor: z.number().positive(),
    threshold: z.number().gt(0).lte(1),
    cache: CacheModeSchema,
  }),
  suggestedQuestions: z.array(z.string()),
  /** The tasks the model was trained on, with the answers it was taught (when the set is closed). */
  tasks: z.array(z.object({ task: z.string(), question: z.string(), answers: z.array(z.string()).optional() })),
  /** Seconds of audio the model hears at most; longer regions are cut. */
  chunkSeconds: z.number().positive(),
  /** What the model can answer: the question router's input (src-common/routing). */
  capabilities: CapabilitiesSchema,
});
export type ModelDetails = z.infer<typeof ModelDetailsSchema>;
