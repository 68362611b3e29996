import type { Transport } from '../../src-common/api/client';
import { backoffDelay } from './backoff';
import type { Link, LinkHooks } from './link';

/** The API socket on the page's own host; the HttpOnly cookie set with the page authenticates it. */
export function apiSocketUrl(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`;
}

/**
 * The headless host's WebSocket, reopened with exponential backoff whenever it drops. Each open socket is a new
 * Transport: requests in flight when it dropped fail (their replies are gone with it) instead of hanging.
 */
export function webSocketLink(url: string): Link {
  let hooks: LinkHooks | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let current: WebSocket | null = null;

  const connect = () => {
    timer = null;
    if (!hooks) return;
    const socket = new WebSocket(url);
    current = socket;
    const messageListeners: ((message: unknown) => void)[] = [];
    const closeListeners: ((reason: string) => void)[] = [];
    const transport: Transport = {
      send: (message) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
      },
      onMessage: (listener) => void messageListeners.push(listener),
      onClose: (listener) => void closeListeners.push(listener),
    };
    socket.addEventListener('open', () => {
      attempt = 0;
      hooks?.state({ status: 'open' });
      hooks?.opened(transport);
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        console.error('Ignoring a frame from the host that is not JSON');
        return;
      }
      for (const listener of messageListeners) {
        try {
          listener(message);
        } catch (error) {
          console.error('Ignoring a message from the host that does not fit the API contract:', error);
        }
      }
    });
    socket.addEventListener('close', (event) => {
      const reason = event.reason || (event.code === 1006 ? 'the host is not reachable' : `closed (code ${event.code})`);
      for (const listener of closeListeners) listener(reason);
      if (!hooks) return;
      attempt += 1;
      const delay = backoffDelay(attempt);
      hooks?.state({ status: 'lost', reason, attempt, retryAt: Date.now() + delay });
      timer = setTimeout(connect, delay);
    });
  };

  return {
    kind: 'websocket',
    start(next) {
      hooks = next;
      hooks.state({ status: 'connecting' });
      connect();
    },
    retryNow() {
      if (timer === null) return;
      clearTimeout(timer);
      connect();
    },
    stop() {
      hooks = null;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      current?.close(1000, 'the page closed');
      current = null;
    },
  };
}
