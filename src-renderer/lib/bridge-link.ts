import type { DiffaBridge } from '../../src-common/api/bridge';
import type { Link } from './link';

/** The Electron preload's `window.diffa`: one channel for the window's whole life, so it never reconnects. */
export function bridgeLink(bridge: DiffaBridge): Link {
  const unsubscribes: (() => void)[] = [];
  return {
    kind: 'electron',
    start(hooks) {
      hooks.opened({
        send: (message) => bridge.send(message),
        onMessage: (listener) => void unsubscribes.push(bridge.onMessage(listener)),
        onClose: () => {},
      });
      hooks.state({ status: 'open' });
    },
    retryNow() {},
    // The port lives as long as the window: stopping only stops listening to it.
    stop() {
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
    },
  };
}
