import { ApiError } from '../../src-common/api/errors';
import type { Answer, AskRequest, StepEventView } from '../../src-common/api/inference';
import type { EngineStatus } from '../../src-common/api/schemas';
import type { Disposable } from '../../src-common/lifecycle';
import { type EngineEvent, type EngineOp, EngineOutgoingSchema, type EngineParams, type EngineResult, engineOps } from './protocol';

/** A running engine process, however it was started (child_process.fork, Electron's utilityProcess.fork). */
export interface EngineChannel {
  readonly pid: number | null;
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}
export type EngineLauncher = () => EngineChannel;

interface Pending {
  op: EngineOp;
  resolve: (value: unknown) => void;
  reject: (error: ApiError) => void;
  onEvent?: (event: EngineEvent) => void;
}

interface CallHandle<T> {
  /** The id the engine knows this call by (to cancel it). */
  id: number;
  result: Promise<T>;
}

/** How a caller follows and stops one question: every denoising step, and one cancellation signal. */
export interface AskOptions {
  onStep?: (step: StepEventView) => void;
  /** Aborting cancels the question: a running one within one step, a queued one before it starts. */
  signal?: AbortSignal;
}

/** Engine calls other than the question itself (which goes through `ask`, the one inference call). */
type PlainOp = Exclude<EngineOp, 'ask' | 'cancel'>;

/** Restarts after a crash stop once this many happen within `CRASH_WINDOW_MS`: a crash loop must not spin forever. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;

/**
 * The main side's handle on the engine process: calls with ids, replies validated against the engine protocol, and
 * crash handling — calls in flight fail with `engine_crashed` and a fresh process is started.
 */
export class EngineClient implements Disposable {
  private channel: EngineChannel | null = null;
  private ready: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private crashes: number[] = [];
  private readonly statusListeners = new Set<(status: EngineStatus) => void>();
  private current: EngineStatus = { state: 'stopped', pid: null, restarts: 0, onnxruntime: null, backends: [], lastError: null };
  private stopping = false;

  constructor(private readonly launch: EngineLauncher) {}

  status(): EngineStatus {
    return this.current;
  }

  onStatus(listener: (status: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Starts the process (if needed) and resolves once it said hello. */
  async start(): Promise<EngineStatus> {
    await this.ensureStarted();
    return this.current;
  }

  async call<O extends PlainOp>(op: O, params: EngineParams<O>): Promise<EngineResult<O>> {
    await this.ensureStarted();
    return this.send(op, params).result;
  }

  /** Loads a model bundle ahead of the first question (it would load with the first question anyway). */
  load(modelDir: string, provider: EngineParams<'load'>['provider'] = 'auto'): Promise<EngineResult<'load'>> {
    return this.call('load', { modelDir, provider });
  }

  /**
   * The one inference call: chat, batch, ask-per-tier and the CLI's `ask` and `eval` all answer through it.
   * Questions queue in the engine and run one at a time; each step is passed to `onStep` as it is decoded.
   */
  async ask(request: AskRequest, { onStep, signal }: AskOptions = {}): Promise<Answer> {
    const cancelledBeforeStart = () => new ApiError('cancelled', 'The question was cancelled before it started');
    if (signal?.aborted) throw cancelledBeforeStart();
    await this.ensureStarted();
    if (signal?.aborted) throw cancelledBeforeStart();
    const call = this.send('ask', request, onStep ? (event) => onStep(event.data) : undefined);
    const cancel = () => void this.send('cancel', { callId: call.id }).result.catch(() => undefined);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      return await call.result;
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  /** Stops the process for good: calls in flight fail, and no restart follows. */
  dispose(): void {
    this.stopping = true;
    this.channel?.kill();
    this.channel = null;
    this.ready = null;
    this.setStatus({ state: 'stopped', pid: null });
  }

  private ensureStarted(): Promise<void> {
    if (this.stopping) return Promise.reject(new ApiError('engine_error', 'The engine has been stopped'));
    this.ready ??= this.spawn();
    return this.ready;
  }

  private spawn(): Promise<void> {
    this.setStatus({ state: 'starting', pid: null });
    const channel = this.launch();
    this.channel = channel;
    return new Promise<void>((resolve, reject) => {
      let isReady = false;
      channel.onMessage((raw) => {
        const parsed = EngineOutgoingSchema.safeParse(raw);
        if (!parsed.success) return;
        const message = parsed.data;
        if (message.type === 'ready') {
          isReady = true;
          this.send('hello', {})
            .result.then((hello) => {
              this.setStatus({ state: 'ready', pid: hello.pid, onnxruntime: hello.onnxruntime, backends: hello.backends, lastError: null });
              resolve();
            })
            .catch(reject);
          return;
        }
        const waiter = this.pending.get(message.id);
        if (!waiter) return;
        if (message.type === 'event') return waiter.onEvent?.(message);
        this.pending.delete(message.id);
        if (!message.ok) return waiter.reject(ApiError.from(message.error));
        const result = engineOps[waiter.op].result.safeParse(message.result);
        if (result.success) waiter.resolve(result.data);
        else waiter.reject(new ApiError('engine_error', `The engine's reply to ${waiter.op} does not match the protocol`));
      });
      channel.onExit((code, signal) => {
        if (this.channel !== channel) return;
        this.channel = null;
        this.ready = null;
        const reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
        for (const waiter of this.pending.values()) waiter.reject(new ApiError('engine_crashed', `The engine process ${reason} during ${waiter.op}`));
        this.pending.clear();
        if (this.stopping) return;
        if (!isReady) reject(new ApiError('engine_crashed', `The engine process ${reason} before it was ready`));
        this.recordCrash(`The engine process ${reason}`);
      });
    });
  }

  private recordCrash(reason: string): void {
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    this.setStatus({ state: 'crashed', pid: null, lastError: reason });
    if (this.crashes.length >= MAX_CRASHES) return; // stays crashed until the next call tries again
    this.current = { ...this.current, restarts: this.current.restarts + 1 };
    this.ensureStarted().catch(() => undefined);
  }

  private send<O extends EngineOp>(op: O, params: EngineParams<O>, onEvent?: (event: EngineEvent) => void): CallHandle<EngineResult<O>> {
    const channel = this.channel;
    const id = this.nextId++;
    if (!channel) return { id, result: Promise.reject(new ApiError('engine_crashed', 'The engine process is not running')) };
    const result = new Promise<EngineResult<O>>((resolve, reject) => {
      this.pending.set(id, { op, resolve: resolve as (v: unknown) => void, reject, onEvent });
      channel.postMessage({ type: 'call', id, op, params });
    });
    return { id, result };
  }

  private setStatus(patch: Partial<EngineStatus>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.statusListeners) listener(this.current);
  }
}
