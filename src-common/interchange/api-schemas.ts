import { z } from 'zod';
import { DecodingSettingsSchema } from '../api/inference';
import { ExchangeSchema, LibraryDocSchema } from '../api/library';
import { ExportFormatSchema, ImportFormatSchema } from './formats';

/** Params, results and events of the interchange and batch API methods (listed in the contract). */

const FileIdSchema = z.string().min(1).max(64);
const QuestionSchema = z.string().trim().min(1).max(2000);

export const ExportParamsSchema = z
  .object({
    fileId: FileIdSchema,
    format: ExportFormatSchema,
    /** Answers that are only an end marker: left out, or exported as "[no answer]" (never as an answer). */
    emptyAnswers: z.enum(['skip', 'mark']).optional(),
  })
  .strict();
/** The page saves or downloads the text itself: the main side never receives a path from it. */
export const ExportResultSchema = z.object({ fileName: z.string(), mimeType: z.string(), text: z.string() });

export const ImportParamsSchema = z
  .object({
    fileId: FileIdSchema,
    /** The annotation file's name (its extension picks the format when `format` is absent). */
    fileName: z.string().min(1).max(260),
    /** Its content, decoded by the page (TextGrids saved by Praat as UTF-16 are decoded there). */
    text: z.string().max(900_000),
    format: ImportFormatSchema.optional(),
    /** Only these tiers; all when absent. */
    tiers: z.array(z.string().max(200)).max(100).optional(),
    /** Also import tiers of answers ("Q: …") this app exported. */
    includeAnswerTiers: z.boolean().default(false),
    /** Replace the regions of the groups being imported instead of adding to them. */
    replace: z.boolean().default(false),
  })
  .strict();
export const ImportResultSchema = z.object({
  doc: LibraryDocSchema,
  imported: z.number().int().nonnegative(),
  tiers: z.array(z.object({ name: z.string(), kind: z.enum(['interval', 'point']), items: z.number().int() })),
});

/** "Ask this question for every interval of tier X": every region of one group, queued in the engine. */
export const AskTierParamsSchema = z
  .object({
    fileId: FileIdSchema,
    group: z.string().max(200).nullable(),
    question: QuestionSchema,
    decoding: DecodingSettingsSchema.default({}),
    modelId: z.string().min(1).max(200).optional(),
  })
  .strict();
export const AskTierResultSchema = z.object({ exchanges: z.array(ExchangeSchema) });

export const BatchFormatSchema = z.enum(['textgrid', 'eaf', 'audacity', 'srt', 'vtt', 'csv', 'jsonl']);

export const BatchStartParamsSchema = z
  .object({
    /** Open files (ids the page was given); the page never sends paths. */
    fileIds: z.array(FileIdSchema).min(1).max(10_000),
    questions: z.array(QuestionSchema).min(1).max(100),
    tier: z.string().min(1).max(200).optional(),
    format: BatchFormatSchema,
    modelId: z.string().min(1).max(200).optional(),
    decoding: DecodingSettingsSchema.default({}),
  })
  .strict();
export const BatchStartResultSchema = z.object({
  batchId: z.string(),
  /** Where the outputs go: `<home>/exports/batch-<time>/` (a file inside it for csv/jsonl). */
  outPath: z.string(),
  total: z.number().int().nonnegative(),
});

/** A finished batch's output files as text, for a page that cannot open the host's folder (the headless host). */
export const BatchOutputResultSchema = z.object({
  files: z.array(z.object({ fileName: z.string(), mimeType: z.string(), text: z.string() })),
});

export const BatchProgressEventSchema = z.object({
  batchId: z.string(),
  total: z.number().int().nonnegative(),
  answered: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  current: z.string().nullable(),
  elapsedMs: z.number().nonnegative(),
  etaMs: z.number().nonnegative().nullable(),
  state: z.enum(['running', 'finished', 'cancelled', 'failed']),
  failure: z.object({ file: z.string(), message: z.string() }).nullable(),
  outPath: z.string(),
});
export type BatchProgressEvent = z.infer<typeof BatchProgressEventSchema>;
