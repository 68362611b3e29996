import { z } from 'zod';
import { ApiErrorSchema } from '../../src-common/api/errors';
import { AnswerSchema, AskRequestSchema, ProviderPreferenceSchema, StepEventSchema } from '../../src-common/api/inference';
import { BackendSchema } from '../../src-common/api/schemas';

/**
 * Messages between the main side and the engine process. The engine is a separate process (a utilityProcess in
 * Electron, a forked child elsewhere) so that synchronous `session.run` never blocks a UI thread and a native crash
 * takes down only the engine. Both directions are validated.
 */
export const engineOps = {
  hello: {
    params: z.object({}).strict(),
    result: z.object({ pid: z.number().int(), onnxruntime: z.string(), backends: z.array(BackendSchema) }),
  },
  /** Loads a bundle (verifying it), replacing the model loaded before: one model at a time. */
  load: {
    params: z.object({ modelDir: z.string().min(1), provider: ProviderPreferenceSchema.default('auto') }).strict(),
    result: z.object({
      id: z.string(),
      provider: z.string(),
      attempts: z.array(z.object({ provider: z.string(), ok: z.boolean(), reason: z.string().optional(), ms: z.number() })),
      loadMs: z.number(),
    }),
  },
  /** Answers a question, streaming one `step` event per forward pass. Questions are queued, one runs at a time. */
  ask: { params: AskRequestSchema, result: AnswerSchema },
  /** Cancels the ask call with this id (running: within one step; queued: before it starts). */
  cancel: { params: z.object({ callId: z.number().int() }).strict(), result: z.object({ cancelled: z.boolean() }) },
} as const;
export type EngineOp = keyof typeof engineOps;
export type EngineParams<O extends EngineOp> = z.input<(typeof engineOps)[O]['params']>;
/** Params once the engine has parsed them (defaults filled in): what its handlers get. */
export type EngineParsedParams<O extends EngineOp> = z.output<(typeof engineOps)[O]['params']>;
export type EngineResult<O extends EngineOp> = z.output<(typeof engineOps)[O]['result']>;

const opNames = Object.keys(engineOps) as [EngineOp, ...EngineOp[]];

export const EngineCallSchema = z.object({ type: z.literal('call'), id: z.number().int(), op: z.enum(opNames), params: z.unknown() }).strict();
export type EngineCall = z.infer<typeof EngineCallSchema>;

export const EngineReplySchema = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('reply'), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ type: z.literal('reply'), id: z.number().int(), ok: z.literal(false), error: ApiErrorSchema }),
]);
export type EngineReply = z.infer<typeof EngineReplySchema>;

/** Sent once by the engine when it is ready for calls. */
export const EngineReadySchema = z.object({ type: z.literal('ready'), pid: z.number().int() });

/** Progress of a call in flight (the denoising steps of an ask). */
export const EngineEventSchema = z.object({ type: z.literal('event'), id: z.number().int(), event: z.literal('step'), data: StepEventSchema });
export type EngineEvent = z.infer<typeof EngineEventSchema>;

export const EngineOutgoingSchema = z.union([EngineReplySchema, EngineReadySchema, EngineEventSchema]);
export type EngineOutgoing = z.infer<typeof EngineOutgoingSchema>;
