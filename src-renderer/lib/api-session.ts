import type { DiffaBridge } from '../../src-common/api/bridge';
import { ApiClient } from '../../src-common/api/client';
import { type EventData, type EventName, eventNames, type MethodName, type ParamsOf, type ResultOf } from '../../src-common/api/contract';
import { ApiError } from '../../src-common/api/errors';
import { bridgeLink } from './bridge-link';
import type { Link, LinkState } from './link';
import { apiSocketUrl, webSocketLink } from './ws-link';

declare global {
  interface Window {
    /** Present only inside Electron, exposed by the preload through contextBridge. */
    diffa?: DiffaBridge;
  }
}

/** Params may be left out exactly when an empty object would do. */
type Args<M extends MethodName> = Record<string, never> extends ParamsOf<M> ? [ParamsOf<M>?] : [ParamsOf<M>];
type Listener<E extends EventName> = (data: EventData<E>) => void;

/** How long a request made while the channel is down waits for it to come back before failing. */
const WAIT_FOR_LINK_MS = 10_000;

/**
 * The page's handle on the app: a typed `ApiClient` over whichever transport this page has. The client is rebuilt
 * on every reconnect; listeners registered here survive that, and `onConnected` lets stores refetch their state.
 */
export class Api {
  private client: ApiClient | null = null;
  private waiters: (() => void)[] = [];
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private readonly connectedListeners = new Set<() => void>();
  private readonly stateListeners = new Set<(state: LinkState) => void>();
  private disposed = false;

  constructor(
    readonly link: Link,
    private readonly waitForLinkMs = WAIT_FOR_LINK_MS,
  ) {}

  get shell(): 'electron' | 'headless' {
    return this.link.kind === 'electron' ? 'electron' : 'headless';
  }

  start(): void {
    if (this.disposed) return;
    this.link.start({
      opened: (transport) => {
        if (this.disposed) return;
        const client = new ApiClient(transport);
        for (const event of eventNames) client.on(event, (data) => this.emit(event, data));
        transport.onClose(() => {
          if (this.client === client) this.client = null;
        });
        this.client = client;
        for (const wake of this.waiters.splice(0)) wake();
        for (const listener of this.connectedListeners) listener();
      },
      state: (state) => {
        for (const listener of this.stateListeners) listener(state);
      },
    });
  }

  async request<M extends MethodName>(method: M, ...args: Args<M>): Promise<ResultOf<M>> {
    if (this.disposed) throw new ApiError('internal', 'The page closed its connection to Diffa Studio');
    const client = this.client ?? (await this.waitForClient());
    return (client.request as (method: M, params?: ParamsOf<M>) => Promise<ResultOf<M>>).call(client, method, args[0]);
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

  /** Called every time a channel opens (the first time and after each reconnect). */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    if (this.client) listener();
    return () => this.connectedListeners.delete(listener);
  }

  onState(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Closes the channel for good: requests waiting for it fail, listeners are dropped, nothing reconnects. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.link.stop();
    this.client = null;
    for (const wake of this.waiters.splice(0)) wake();
    this.listeners.clear();
    this.connectedListeners.clear();
    this.stateListeners.clear();
  }

  private emit<E extends EventName>(event: E, data: EventData<E>): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(data);
      } catch (error) {
        console.error(`A listener of ${event} failed:`, error);
      }
    }
  }

  private waitForClient(): Promise<ApiClient> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(new ApiError('internal', 'Not connected to Diffa Studio: the request was not sent'));
      }, this.waitForLinkMs);
      const wake = () => {
        clearTimeout(timer);
        if (this.client) resolve(this.client);
        else reject(new ApiError('internal', 'Not connected to Diffa Studio'));
      };
      this.waiters.push(wake);
    });
  }
}

/** Electron's bridge when the preload exposed one, else the WebSocket of the host that served this page. */
export function chooseLink(win: Window): Link {
  return win.diffa ? bridgeLink(win.diffa) : webSocketLink(apiSocketUrl(win.location));
}

/** What a store needs of the session: requests, events, and a call on every (re)connect. */
export type PageApi = Pick<Api, 'on' | 'onConnected' | 'request'>;
