import { createRequire } from 'node:module';
import { ApiError } from '../../src-common/api/errors';
import { PROVIDER_NAMES } from '../../src-common/decoding/providers';
import { prepareDecoders } from '../audio/codec/decoder-pool';
import { answerQuestion } from './answer';
import { LoadedModel } from './loaded-model';
import { type EngineCall, EngineCallSchema, type EngineOp, type EngineOutgoing, type EngineParsedParams, type EngineResult, engineOps } from './protocol';
import { knownUnavailable, type ProviderName } from './providers';

/** How the engine talks to its caller: a process's message port, or (for one CLI question) a call in the same thread. */
export interface EnginePort {
  send(message: EngineOutgoing): void;
  onMessage(listener: (raw: unknown) => void): void;
}

export interface EngineHost {
  /** Releases the loaded model's sessions (the in-process engine's `kill`). */
  release(): Promise<void>;
}

const require = createRequire(import.meta.url);
const ortInfo = () => require('onnxruntime-node') as typeof import('onnxruntime-node');

/**
 * The engine: one model at a time, questions answered one after another, each cancellable, every call's params
 * parsed once against the protocol. `verifyCache` is the file of verified model hashes (the app's cache folder).
 * Announces itself with `ready` once listening.
 */
export interface EngineHostOptions {
  /**
   * Compile the audio decoders once a model is loaded, so that the first MP3 or Ogg question does not wait for them
   * (~50-70 ms each). For an engine that lives on (the app's, the host's); not for one question and exit.
   */
  prepareDecoders?: boolean;
}

export function serveEngine(port: EnginePort, verifyCache: string, options: EngineHostOptions = {}): EngineHost {
  let model: LoadedModel | null = null;
  let loading: Promise<LoadedModel> | null = null;

  /** One model at a time: loading another releases the current one first. */
  async function ensureModel(modelDir: string, provider: ProviderName | 'auto'): Promise<LoadedModel> {
    if (model && model.bundle.dir === modelDir && (provider === 'auto' || model.provider === provider)) return model;
    if (loading) await loading.catch(() => undefined);
    if (model && model.bundle.dir === modelDir && (provider === 'auto' || model.provider === provider)) return model;
    const previous = model;
    model = null;
    await previous?.release();
    loading = LoadedModel.load(modelDir, { provider, verifyCache });
    try {
      model = await loading;
      return model;
    } finally {
      loading = null;
    }
  }

  // Questions run one after another; each knows whether it was cancelled.
  const cancelled = new Set<number>();
  let queue: Promise<unknown> = Promise.resolve();

  /** Each handler gets its params parsed once, by `handle`, against the protocol. */
  type Handler<O extends EngineOp> = (params: EngineParsedParams<O>, callId: number) => Promise<EngineResult<O>>;
  const handlers: { [O in EngineOp]: Handler<O> } = {
    hello: async () => {
      const runtime = ortInfo();
      // A backend onnxruntime supports but this machine cannot run (WebGPU without a Vulkan driver) says why.
      const backends = (runtime.listSupportedBackends?.() ?? []).map((b) => {
        const reason = (PROVIDER_NAMES as readonly string[]).includes(b.name) ? knownUnavailable(b.name as ProviderName) : null;
        return { name: b.name, bundled: b.bundled, ...(reason ? { unusable: reason } : {}) };
      });
      return { pid: process.pid, onnxruntime: runtime.env.versions.node ?? 'unknown', backends };
    },
    load: async (params) => {
      const started = performance.now();
      const loaded = await ensureModel(params.modelDir, params.provider);
      // After the reply: a question sent right away still goes first in the queue of the event loop.
      if (options.prepareDecoders) setImmediate(() => void prepareDecoders().catch(() => undefined));
      return { id: loaded.manifest.id, provider: loaded.provider, attempts: loaded.attempts, loadMs: performance.now() - started };
    },
    ask: (request, callId) => {
      const run = queue.then(async () => {
        if (cancelled.has(callId)) throw new ApiError('cancelled', 'The question was cancelled before it started');
        const loaded = await ensureModel(request.modelDir, request.provider);
        const signal = {
          get aborted() {
            return cancelled.has(callId);
          },
        };
        return answerQuestion(loaded, request, (data) => port.send({ type: 'event', id: callId, event: 'step', data }), signal);
      });
      queue = run.catch(() => undefined).finally(() => cancelled.delete(callId));
      return run;
    },
    cancel: async ({ callId }) => {
      cancelled.add(callId);
      return { cancelled: true };
    },
  };

  async function handle(raw: unknown): Promise<void> {
    let call: EngineCall;
    try {
      call = EngineCallSchema.parse(raw);
    } catch {
      return; // not a call of ours: the main side validates what it sends, so this is noise to ignore
    }
    try {
      const params = engineOps[call.op].params.parse(call.params ?? {});
      const handler = handlers[call.op] as (params: unknown, callId: number) => Promise<unknown>;
      const result = await handler(params, call.id);
      port.send({ type: 'reply', id: call.id, ok: true, result });
    } catch (error) {
      port.send({ type: 'reply', id: call.id, ok: false, error: ApiError.wrap(error, 'engine_error').toJSON() });
    }
  }

  port.onMessage((raw) => void handle(raw));
  port.send({ type: 'ready', pid: process.pid });
  return {
    async release() {
      await loading?.catch(() => undefined);
      const current = model;
      model = null;
      await current?.release();
    },
  };
}
