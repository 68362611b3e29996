import { type EventData, type EventName, MAX_MESSAGE_BYTES, type ResponseMessage } from '../../src-common/api/contract';
import { ApiError } from '../../src-common/api/errors';
import type { AudioFileRef, EngineStatus, Settings } from '../../src-common/api/schemas';
import { makeEvent } from '../../src-common/api/validate';
import { dispatch } from '../api/dispatch';
import type { Handlers } from '../api/handlers';

/** The main side's end of the MessagePort the preload talks through (Electron's MessagePortMain, or a test double). */
export interface PortLike {
  postMessage(message: unknown): void;
  onMessage(listener: (data: unknown) => void): void;
  onClose(listener: () => void): void;
  start(): void;
  close(): void;
}

/** Where the events pushed to the page come from. */
export interface EventSources {
  files: { onChange(listener: (files: AudioFileRef[]) => void): () => void };
  settings: { onChange(listener: (settings: Settings) => void): () => void };
  engine: { onStatus(listener: (status: EngineStatus) => void): () => void };
  /** Every other event the main side emits (chat steps, downloads, peaks, …); absent in tests that need none. */
  events?: { onAny(listener: (event: EventName, data: unknown) => void): () => void };
}

export interface RendererConnection {
  /** Pushes one event (validated against the contract) to the page. */
  push<E extends EventName>(event: E, data: EventData<E>): void;
  readonly closed: boolean;
  close(): void;
}

/** Size of a message as JSON, or null when it cannot be serialised (cycles, BigInt): such messages are refused. */
function jsonSize(data: unknown): number | null {
  try {
    return JSON.stringify(data)?.length ?? 0;
  } catch {
    return null;
  }
}

/**
 * Serves the API on one port: every message is a request, validated and dispatched to `handlers`, answered on the
 * same port; files.changed, settings.changed and engine.status events are pushed as they happen. The page gets a new
 * port on every load, and a closed port unsubscribes everything it held.
 */
export function connectRendererPort(port: PortLike, handlers: Handlers, sources: EventSources): RendererConnection {
  let closed = false;
  const post = (message: unknown) => {
    if (!closed) port.postMessage(message);
  };
  const push = <E extends EventName>(event: E, data: EventData<E>) => post(makeEvent(event, data));
  const unsubscribe = [
    sources.files.onChange((files) => push('files.changed', files)),
    sources.settings.onChange((settings) => push('settings.changed', settings)),
    sources.engine.onStatus((status) => push('engine.status', status)),
    // Already validated by AppEvents.emit, so forwarded as they are.
    sources.events?.onAny((event, data) => post({ type: 'event', event, data })) ?? (() => undefined),
  ];
  const shutDown = () => {
    if (closed) return;
    closed = true;
    for (const off of unsubscribe) off();
  };

  port.onMessage((data) => {
    const size = jsonSize(data);
    if (size === null || size > MAX_MESSAGE_BYTES) {
      const reason = size === null ? 'Message cannot be represented as JSON' : `Message too large (${size} bytes, limit ${MAX_MESSAGE_BYTES})`;
      const id = typeof data === 'object' && data !== null && Number.isSafeInteger((data as { id?: unknown }).id) ? (data as { id: number }).id : -1;
      const reply: ResponseMessage = { type: 'response', id, ok: false, error: new ApiError('bad_request', reason).toJSON() };
      post(reply);
      return;
    }
    void dispatch(handlers, data).then(post);
  });
  port.onClose(shutDown);
  port.start();

  return {
    push,
    get closed() {
      return closed;
    },
    close() {
      shutDown();
      port.close();
    },
  };
}
