import { z } from 'zod';
import { MEASURES } from '../routing/question-kinds';
import { AnswerSchema, DecodingSettingsSchema, StepEventSchema } from './inference';

/** What the app keeps per audio file: regions, and the questions asked about them with answers and traces. */

export const LIBRARY_SCHEMA_VERSION = 1;

export const RegionSchema = z.object({
  id: z.string().min(1).max(64),
  start: z.number().nonnegative(),
  end: z.number().positive(),
  label: z.string().max(200).default(''),
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/)
    .default('#6d5dfc'),
  /** Tier or group the region belongs to (imported annotation tiers become groups). */
  group: z.string().max(200).nullable().default(null),
  /**
   * The region's number ("Region 3"), handed out once and never reused: deleting Region 2 leaves Region 3 as it was,
   * and the list, the Ask menu and earlier answers all name it by this number. Absent only in libraries saved before
   * numbers existed (numbered in order on their next save).
   */
  number: z.number().int().positive().optional(),
  /** Optional frequency range of the selection (Audacity's spectral selection), in Hz. */
  lowHz: z.number().nonnegative().optional(),
  highHz: z.number().nonnegative().optional(),
});
export type Region = z.infer<typeof RegionSchema>;

/** How a question was answered (src-common/routing/router.ts). */
export const RouteNameSchema = z.enum(['trained', 'measured', 'outside']);

/** An answer from the app's own measurement of the region: never the model's. */
export const MeasuredAnswerSchema = z.object({
  measure: z.enum(MEASURES),
  text: z.string(),
  standard: z.string(),
  facts: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
});
export type MeasuredAnswerView = z.infer<typeof MeasuredAnswerSchema>;

export const ExchangeStatusSchema = z.enum(['pending', 'done', 'cancelled', 'failed', 'interrupted']);

/** One question and its answer. `regionId` null means the whole file; follow-ups share their region's thread. */
export const ExchangeSchema = z.object({
  id: z.string().min(1).max(64),
  regionId: z.string().nullable(),
  /** The span asked about, kept even if the region is later moved or deleted. */
  span: z.object({ start: z.number().nonnegative(), end: z.number().nullable() }),
  question: z.string(),
  askedAt: z.string(),
  modelId: z.string(),
  decoding: DecodingSettingsSchema,
  status: ExchangeStatusSchema,
  answer: AnswerSchema.nullable(),
  /** Every denoising step, for replay. */
  trace: z.array(StepEventSchema),
  error: z.string().nullable(),
  /** Set when this answer re-denoised the low-confidence span of another one. */
  redenoiseOf: z.string().nullable().default(null),
  /**
   * trained: the model answered a question it was trained for; measured: `measured` holds the answer; outside: the
   * model was not trained for it — no answer unless the user asked anyway (`askedAnyway`), and then it is marked.
   */
  route: RouteNameSchema.default('trained'),
  /** The trained task the question was recognised as (null: an open question, or not routed to the model). */
  task: z.string().nullable().default(null),
  measured: MeasuredAnswerSchema.nullable().default(null),
  askedAnyway: z.boolean().default(false),
  /** What the model can answer instead, offered with a question outside its training. */
  suggestions: z.array(z.string()).default([]),
  /** Earlier questions and answers of the thread that were sent with this one (0: asked fresh). */
  historyTurns: z.number().int().nonnegative().default(0),
});
export type Exchange = z.infer<typeof ExchangeSchema>;

export const LibraryDocSchema = z.object({
  schema: z.literal(LIBRARY_SCHEMA_VERSION),
  /** Identifies the audio content (size + head + tail hash), so moving or re-uploading a file finds its library. */
  fingerprint: z.string(),
  fileName: z.string(),
  regions: z.array(RegionSchema),
  /** The highest region number handed out so far (deleted regions' numbers are not handed out again). */
  regionNumbers: z.number().int().nonnegative().default(0),
  exchanges: z.array(ExchangeSchema),
  updatedAt: z.string(),
});
export type LibraryDoc = z.infer<typeof LibraryDocSchema>;
