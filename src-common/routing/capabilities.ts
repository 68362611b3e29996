import { z } from 'zod';

/**
 * What a model can answer, as the bundle manifest declares it (`capabilities`, docs/model-bundle.md). The question
 * router reads only this, so a new model changes what the app asks it by its manifest, not by code.
 */
export const CAPABILITIES_VERSION = 1;

export const CapabilitiesSchema = z
  .object({
    version: z.literal(CAPABILITIES_VERSION),
    /** Ids of the manifest's `tasks` the model was trained to answer (its closed question kinds). */
    trained_tasks: z.array(z.string().min(1)),
    /** Trained on conversations with earlier turns: only then does the app send earlier answers as history. */
    multi_turn: z.boolean(),
    /** Seconds of audio the model hears from a region (the rest is not given to it). */
    heard_seconds: z.number().positive(),
    /** Answers open questions (DIFFA-2, DIFFA): everything the app cannot measure goes to the model. */
    open_questions: z.boolean(),
    /** An answer whose least confident word token is below this is marked "unsure" (calibrated on an eval set). */
    unsure_below: z.number().gt(0).lt(1).optional(),
  })
  .strict();
export type Capabilities = z.infer<typeof CapabilitiesSchema>;

/** A trained question kind as the manifest lists it under `tasks`. */
export interface TaskSpec {
  task: string;
  question: string;
  answers?: string[];
}

/**
 * The capabilities of a manifest written before `capabilities` existed: its listed tasks are what it was trained on,
 * no multi-turn training is assumed (the safe side: no hidden history), and a model with no closed task list is
 * taken to answer open questions.
 */
export function defaultCapabilities(tasks: readonly TaskSpec[], chunkSeconds: number): Capabilities {
  return {
    version: CAPABILITIES_VERSION,
    trained_tasks: tasks.map((t) => t.task),
    multi_turn: false,
    heard_seconds: chunkSeconds,
    open_questions: tasks.length === 0,
  };
}
