import { z } from 'zod';
import { ApiErrorSchema } from './errors';
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
} as const;

export const events = {
  'files.changed': z.array(AudioFileRefSchema),
  'settings.changed': SettingsSchema,
  'engine.status': EngineStatusSchema,
  /** The shell asks the page to do something a menu item or shortcut stands for. */
  'app.command': z.object({ command: z.enum(['open-file', 'toggle-theme', 'about']) }),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
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
