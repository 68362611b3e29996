import { z } from 'zod';
import {
  AudioDescriptionSchema,
  AudioFactsSchema,
  DescribeParamsSchema,
  FactsParamsSchema,
  PeaksParamsSchema,
  PeaksProgressSchema,
  PeaksResultSchema,
  SamplesParamsSchema,
  SamplesResultSchema,
} from '../audio/schemas';
import {
  AskTierParamsSchema,
  AskTierResultSchema,
  BatchOutputResultSchema,
  BatchProgressEventSchema,
  BatchStartParamsSchema,
  BatchStartResultSchema,
  ExportParamsSchema,
  ExportResultSchema,
  ImportParamsSchema,
  ImportResultSchema,
} from '../interchange/api-schemas';
import { ApiErrorSchema } from './errors';
import { DecodingSettingsSchema, StepEventSchema } from './inference';
import { ExchangeSchema, LibraryDocSchema, RegionSchema } from './library';
import { ModelDetailsSchema } from './model-details';
import { CatalogListingSchema, HardwareInfoSchema, ModelIdSchema, PullProgressSchema, PullStartedSchema, VerifyReportSchema } from './models';
import { AppInfoSchema, AudioFileRefSchema, EngineStatusSchema, ModelSummarySchema, RecentFileSchema, SettingsPatchSchema, SettingsSchema } from './schemas';

/**
 * The one API contract. Every request the renderer (or the CLI, or a test) may make, its reply, and every event the
 * main side may push. The Electron preload, the headless host's WebSocket and the typed client all validate against
 * these schemas, so a message that does not fit is refused at the boundary it tried to cross.
 */
const NoParams = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });
const FileId = z.object({ id: z.string().min(1).max(64) }).strict();

export const methods = {
  'app.info': { params: NoParams, result: AppInfoSchema },
  'settings.get': { params: NoParams, result: SettingsSchema },
  'settings.update': { params: SettingsPatchSchema, result: SettingsSchema },
  'files.list': { params: NoParams, result: z.array(AudioFileRefSchema) },
  'files.recent': { params: NoParams, result: z.array(RecentFileSchema) },
  /** Re-opens a recent file by its index in the recent list: the renderer never sends paths. */
  'files.openRecent': { params: z.object({ index: z.number().int().nonnegative() }).strict(), result: AudioFileRefSchema },
  /** Shows the platform's open dialog (Electron only; the headless host uploads instead). */
  'files.openDialog': { params: NoParams, result: z.array(AudioFileRefSchema) },
  'files.close': { params: FileId, result: Ok },
  'models.list': { params: NoParams, result: z.array(ModelSummarySchema) },
  'engine.status': { params: NoParams, result: EngineStatusSchema },
  /** Regions and chats saved for an open file (restored from earlier sessions). */
  'library.get': { params: FileId, result: LibraryDocSchema },
  'regions.save': { params: z.object({ fileId: z.string().min(1).max(64), region: RegionSchema }).strict(), result: LibraryDocSchema },
  'regions.delete': { params: z.object({ fileId: z.string().min(1).max(64), regionId: z.string().min(1).max(64) }).strict(), result: LibraryDocSchema },
  /** Starts a question about a region (null: the whole file); steps then arrive as `chat.step`, the end as `chat.updated`. */
  'chat.ask': {
    params: z
      .object({
        fileId: z.string().min(1).max(64),
        regionId: z.string().min(1).max(64).nullable(),
        question: z.string().trim().min(1).max(2000),
        decoding: DecodingSettingsSchema.default({}),
        modelId: z.string().min(1).max(200).optional(),
        /** Ask the model even though the question is outside its training (the answer is marked). */
        anyway: z.boolean().default(false),
        /** Send no earlier questions and answers, even to a model trained on conversations. */
        fresh: z.boolean().default(false),
        /** "New conversation": only earlier answers asked at or after this time go with the question. */
        historySince: z.string().max(40).optional(),
        /** Where the heard part of a region longer than the model hears begins (seconds in the file); default its start. */
        heardStart: z.number().nonnegative().nullable().optional(),
      })
      .strict(),
    result: ExchangeSchema,
  },
  /** Re-runs the question, keeping the answer's tokens whose confidence is ≥ belowConfidence and denoising the rest. */
  'chat.redenoise': {
    params: z
      .object({ fileId: z.string().min(1).max(64), exchangeId: z.string().min(1).max(64), belowConfidence: z.number().gt(0).lte(1).default(0.5) })
      .strict(),
    result: ExchangeSchema,
  },
  'chat.cancel': { params: z.object({ exchangeId: z.string().min(1).max(64) }).strict(), result: z.object({ cancelled: z.boolean() }) },
  /** Catalog entries, installed models and unfinished downloads, each with its memory fit on this machine. */
  'models.catalog': { params: NoParams, result: z.array(CatalogListingSchema) },
  /** Starts (or resumes) a download: a catalog id, `org/name` or a hub URL. Progress arrives as `models.progress`. */
  'models.pull': {
    params: z.object({ source: z.string().min(1).max(500), revision: z.string().min(1).max(200).optional() }).strict(),
    result: PullStartedSchema,
  },
  'models.pause': { params: z.object({ id: ModelIdSchema }).strict(), result: Ok },
  'models.resume': { params: z.object({ id: ModelIdSchema }).strict(), result: PullStartedSchema },
  /** Stops a download and deletes its partial files. */
  'models.cancel': { params: z.object({ id: ModelIdSchema }).strict(), result: Ok },
  /** Shows the platform's dialog to pick a bundle folder or `.tar` pack (the page never sends paths). */
  'models.import': { params: NoParams, result: z.array(ModelSummarySchema) },
  'models.remove': { params: z.object({ id: ModelIdSchema }).strict(), result: Ok },
  'models.verify': { params: z.object({ id: ModelIdSchema, repair: z.boolean().default(false) }).strict(), result: VerifyReportSchema },
  'hardware.info': { params: NoParams, result: HardwareInfoSchema },
  /** A file's regions and answers as TextGrid, EAF, Audacity labels, SRT, WebVTT, CSV or JSON text (the page saves it). */
  'interchange.export': { params: ExportParamsSchema, result: ExportResultSchema },
  /** Regions from a TextGrid, EAF or Audacity label file's text; tiers become region groups. */
  'interchange.import': { params: ImportParamsSchema, result: ImportResultSchema },
  /** Asks one question about every region of a group (an imported tier); answers arrive as `chat.step`/`chat.updated`. */
  'interchange.askTier': { params: AskTierParamsSchema, result: AskTierResultSchema },
  /** Starts a batch over open files; progress arrives as `batch.progress`. */
  'batch.start': { params: BatchStartParamsSchema, result: BatchStartResultSchema },
  /** The output files of a batch this app ran (not one still running), to download in a browser. */
  'batch.output': { params: z.object({ batchId: z.string().min(1).max(64) }).strict(), result: BatchOutputResultSchema },
  'batch.cancel': { params: z.object({ batchId: z.string().min(1).max(64) }).strict(), result: z.object({ cancelled: z.boolean() }) },
  /** Duration, sample rate, channels, bit depth, codec of an open file (compressed formats may wait for the peaks pass). */
  'audio.describe': { params: DescribeParamsSchema, result: AudioDescriptionSchema },
  /** Min/max peaks of a time window at a level chosen from `width`; computed once per file (progress: audio.peaksProgress). */
  'audio.peaks': { params: PeaksParamsSchema, result: PeaksResultSchema },
  /** Native-rate samples of a window of at most 30 s, base64 Float32 per channel: the spectrogram's input. */
  'audio.samples': { params: SamplesParamsSchema, result: SamplesResultSchema },
  /** Sample/true peak, RMS, integrated loudness, clipped runs and DC offset of the file or a region. */
  'audio.facts': { params: FactsParamsSchema, result: AudioFactsSchema },
  /** An installed model's decoding defaults, suggested questions and trained tasks (from its manifest). */
  'models.details': { params: z.object({ id: z.string().min(1).max(200) }).strict(), result: ModelDetailsSchema },
} as const;

export const events = {
  'files.changed': z.array(AudioFileRefSchema),
  'settings.changed': SettingsSchema,
  'engine.status': EngineStatusSchema,
  /** The shell asks the page to do something a menu item or shortcut stands for. */
  'app.command': z.object({ command: z.enum(['open-file', 'toggle-theme', 'about']) }),
  'chat.step': z.object({ fileId: z.string(), exchangeId: z.string(), step: StepEventSchema }),
  /**
   * An exchange ended (or changed). Its trace is not sent again — the page has it from `chat.step` — so `exchange.trace`
   * is empty and `traceLength` says how many steps the saved trace holds (a page that missed some reloads the library).
   */
  'chat.updated': z.object({ fileId: z.string(), exchange: ExchangeSchema, traceLength: z.number().int().nonnegative() }),
  /** A download's progress, a few times a second while it runs, and once when it ends (installed/paused/failed/cancelled). */
  'models.progress': PullProgressSchema,
  /** A batch's progress after every answer, and once when it ends. */
  'batch.progress': BatchProgressEventSchema,
  /** The peaks pass over a file: a few dozen times while it runs, then once with done (and error, if it failed). */
  'audio.peaksProgress': PeaksProgressSchema,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
/** Params as a handler receives them: validated, defaults filled in. */
export type ParsedParamsOf<M extends MethodName> = z.output<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.output<Methods[M]['result']>;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventData<E extends EventName> = z.output<Events[E]>;

export const methodNames = Object.keys(methods) as MethodName[];
export const eventNames = Object.keys(events) as EventName[];

// ---- wire envelopes -------------------------------------------------------------------------------------------------

const MethodNameSchema = z.enum(methodNames as [MethodName, ...MethodName[]]);
const EventNameSchema = z.enum(eventNames as [EventName, ...EventName[]]);

export const RequestMessageSchema = z
  .object({
    type: z.literal('request'),
    id: z.number().int().nonnegative(),
    method: MethodNameSchema,
    params: z.unknown(),
  })
  .strict();
export type RequestMessage = z.infer<typeof RequestMessageSchema>;

export const ResponseMessageSchema = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('response'), id: z.number().int(), ok: z.literal(true), result: z.unknown() }).strict(),
  z.object({ type: z.literal('response'), id: z.number().int(), ok: z.literal(false), error: ApiErrorSchema }).strict(),
]);
export type ResponseMessage = z.infer<typeof ResponseMessageSchema>;

export const EventMessageSchema = z.object({ type: z.literal('event'), event: EventNameSchema, data: z.unknown() }).strict();
export type EventMessage = z.infer<typeof EventMessageSchema>;

/** Largest message accepted from the page, in bytes of JSON: anything bigger is refused before parsing. */
export const MAX_MESSAGE_BYTES = 1 << 20;
