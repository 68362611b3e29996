import type { EventData, EventMessage, EventName, MethodName, ParamsOf, ResponseMessage, ResultOf } from './contract';
import { ApiError } from './errors';

/** A message channel to the main side: the Electron preload bridge or the headless host's WebSocket. */
export interface Transport {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called when the channel is gone for good; pending requests fail with this reason. */
  onClose(listener: (reason: string) => void): void;
}

type Listener<E extends EventName> = (data: EventData<E>) => void;

/**
 * The typed API client: the only way the renderer talks to the rest of the app. It checks nothing against the
 * contract: the page trusts the main side, which validated every reply and event as it left (`dispatch` projects each
 * result through its schema, the transports check each event once). The page is the side that is not trusted: the
 * main side validates each request it sends. The client only routes by the envelope's `type`, `id` and `event`.
 */
export class ApiClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: ApiError) => void }>();
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private closedReason: string | null = null;

  constructor(private readonly transport: Transport) {
    transport.onMessage((raw) => this.receive(raw));
    transport.onClose((reason) => this.close(reason));
  }

  request<M extends MethodName>(method: M, ...args: Record<string, never> extends ParamsOf<M> ? [ParamsOf<M>?] : [ParamsOf<M>]): Promise<ResultOf<M>> {
    if (this.closedReason) return Promise.reject(new ApiError('internal', `Connection closed: ${this.closedReason}`));
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.transport.send({ type: 'request', id, method, params: args[0] ?? {} });
    });
  }

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<EventName>);
    return () => set?.delete(listener as Listener<EventName>);
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'object' || raw === null) return;
    const message = raw as EventMessage | ResponseMessage;
    if (message.type === 'event') {
      for (const listener of this.listeners.get(message.event) ?? []) listener(message.data as EventData<EventName>);
      return;
    }
    if (message.type !== 'response') return;
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(ApiError.from(message.error));
  }

  private close(reason: string): void {
    this.closedReason = reason;
    for (const waiter of this.pending.values()) waiter.reject(new ApiError('internal', `Connection closed: ${reason}`));
    this.pending.clear();
  }
}
