import type { DiffaBridge } from '../../src-common/api/bridge';
import type { Link } from './link';

/** The Electron preload's `window.diffa`: one channel for the window's whole life, so it never reconnects. */
export function bridgeLink(bridge: DiffaBridge): Link {
  return {
    kind: 'electron',
    start(hooks) {
      hooks.opened({
        send: (message) => bridge.send(message),
        onMessage: (listener) => void bridge.onMessage(listener),
        onClose: () => {},
      });
      hooks.state({ status: 'open' });
    },
    retryNow() {},
    // The bridge's port lives as long as the window; the page stops listening by dropping its client.
    stop() {},
  };
}
