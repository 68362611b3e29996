import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DiffaBridge } from '../../src-common/api/bridge';
import { Api } from './api-session';
import { bridgeLink } from './bridge-link';

/** The preload's bridge as the page sees it: what the page sends is answered with `{}`, and listeners are counted. */
function fakeBridge() {
  const listeners = new Set<(message: unknown) => void>();
  const bridge: DiffaBridge = {
    shell: 'electron',
    send: (message) => {
      const { id } = message as { id: number };
      setTimeout(() => {
        for (const listener of listeners) listener({ type: 'response', id, ok: true, result: {} });
      }, 0);
    },
    onMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    openDropped: async () => undefined,
  };
  return { bridge, listeners };
}

describe('bridgeLink (Electron)', () => {
  it('is open from the start, carries requests, and stops listening to the bridge when the session is disposed', async () => {
    const { bridge, listeners } = fakeBridge();
    const api = new Api(bridgeLink(bridge));
    const states: string[] = [];
    api.onState((state) => states.push(state.status));
    api.start();
    assert.deepEqual(states, ['open']);
    assert.equal(api.shell, 'electron');
    assert.deepEqual(await api.request('app.info'), {});
    assert.equal(listeners.size, 1);
    api.dispose();
    assert.equal(listeners.size, 0);
  });
});
