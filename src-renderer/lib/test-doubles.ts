import type { EventData, EventName, MethodName, ParamsOf, ResultOf } from '../../src-common/api/contract';
import type { PageApi } from './api-session';
import type { KeyValueStorage, MediaWatch, Timers } from './env';

/**
 * Stand-ins for what the page's stores are given, for the stores' unit tests: an API session whose "main side" is a
 * table of answers the test writes, events and reconnects played by the test, and the browser's pieces in memory.
 */

type Answer<M extends MethodName> = (params: ParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>>;

export class FakeApi implements PageApi {
  /** Every request made, in order, with its params. */
  readonly calls: { method: MethodName; params: unknown }[] = [];
  private readonly answers = new Map<MethodName, Answer<MethodName>>();
  private readonly listeners = new Map<EventName, Set<(data: never) => void>>();
  private readonly connected = new Set<() => void>();
  private isConnected = false;

  /** How the main side answers `method` from now on (a throw becomes the request's error). */
  answer<M extends MethodName>(method: M, answer: Answer<M>): this {
    this.answers.set(method, answer as unknown as Answer<MethodName>);
    return this;
  }

  request = (async (method: MethodName, params?: unknown) => {
    this.calls.push({ method, params });
    const answer = this.answers.get(method);
    if (!answer) throw new Error(`no answer for ${method}`);
    return structuredClone(await answer(params as never));
  }) as PageApi['request'];

  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (data: never) => void);
    return () => set?.delete(listener as (data: never) => void);
  }

  onConnected(listener: () => void): () => void {
    this.connected.add(listener);
    if (this.isConnected) listener();
    return () => this.connected.delete(listener);
  }

  /** The main side publishes an event. */
  emit<E extends EventName>(event: E, data: EventData<E>): void {
    for (const listener of this.listeners.get(event) ?? []) listener(structuredClone(data) as never);
  }

  /** A channel opens (the first time or after a reconnect). */
  connect(): void {
    this.isConnected = true;
    for (const listener of this.connected) listener();
  }

  /** Subscriptions still held: zero once every store that subscribed was disposed. */
  get subscriptions(): number {
    let count = this.connected.size;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  methods(): MethodName[] {
    return this.calls.map((call) => call.method);
  }
}

/** Lets pending promise callbacks (a store's `await api.request(...)`) run. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class FixedMediaWatch implements MediaWatch {
  private readonly listeners = new Set<(matches: boolean) => void>();
  constructor(public matches = false) {}
  on(listener: (matches: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(matches: boolean): void {
    this.matches = matches;
    for (const listener of this.listeners) listener(matches);
  }
  get listening(): number {
    return this.listeners.size;
  }
}

export class MemoryStorage implements KeyValueStorage {
  readonly values = new Map<string, string>();
  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }
  set(key: string, value: string): void {
    this.values.set(key, value);
  }
}

/** Timers the test runs by hand: `fire()` runs every one due by then. */
export class ManualTimers implements Timers {
  private now = 0;
  private next = 1;
  readonly pending = new Map<number, { at: number; run: () => void }>();
  setTimeout(run: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, run });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, timer] of [...this.pending]) {
      if (timer.at > this.now) continue;
      this.pending.delete(id);
      timer.run();
    }
  }
}

/** Errors and notes a store showed, as text. */
export class ToastLog {
  readonly errors: string[] = [];
  readonly infos: string[] = [];
  error(error: unknown, context?: string): number {
    const message = error instanceof Error ? error.message : String(error);
    this.errors.push(context ? `${context}: ${message}` : message);
    return this.errors.length;
  }
  show(kind: 'error' | 'info', message: string): number {
    (kind === 'error' ? this.errors : this.infos).push(message);
    return this.errors.length + this.infos.length;
  }
}
