import { type EventName, MAX_MESSAGE_BYTES, type ResponseMessage } from '../../src-common/api/contract';
import { ApiError } from '../../src-common/api/errors';
import type { Handlers } from '../api/app-services';
import { dispatch, eventForPage } from '../api/dispatch';

/** The main side's end of the MessagePort the preload talks through (Electron's MessagePortMain, or a test double). */
export interface PortLike {
  postMessage(message: unknown): void;
  onMessage(listener: (data: unknown) => void): void;
  onClose(listener: () => void): void;
  start(): void;
  close(): void;
}

/** The main side's one event path (AppEvents): everything it publishes goes to the page. */
export interface EventSource {
  onAny(listener: (event: EventName, data: unknown) => void): () => void;
}

export interface RendererConnection {
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
 * Electron's transport adapter. Serves the API on one port: every message is a request, validated and dispatched to
 * `handlers`, answered on the same port; every event of the app is forwarded as it is published, checked once
(`eventForPage`). The page gets a new
 * port on every load, and a closed port unsubscribes.
 */
export function connectRendererPort(port: PortLike, handlers: Handlers, events: EventSource): RendererConnection {
  let closed = false;
  const post = (message: unknown) => {
    if (!closed) port.postMessage(message);
  };
  const unsubscribe = events.onAny((event, data) => {
    const message = eventForPage(event, data);
    if (message) post(message);
  });
  const shutDown = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
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
    get closed() {
      return closed;
    },
    close() {
      shutDown();
      port.close();
    },
  };
}
