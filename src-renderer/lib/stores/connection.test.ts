import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Link, LinkHooks, LinkState } from '../link';
import { ConnectionStore } from './connection.svelte';

/** The session's state feed as the store sees it, and a link that counts retries. */
function session() {
  const listeners = new Set<(state: LinkState) => void>();
  let retries = 0;
  const link: Link = {
    kind: 'websocket',
    start: (_hooks: LinkHooks) => undefined,
    retryNow: () => void retries++,
    stop: () => undefined,
  };
  const api = {
    link,
    onState(listener: (state: LinkState) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const play = (state: LinkState) => {
    for (const listener of listeners) listener(state);
  };
  return { api, play, retries: () => retries, listening: () => listeners.size };
}

describe('ConnectionStore', () => {
  it('tells starting apart from lost, and keeps what it saw after a reconnect', () => {
    const { api, play } = session();
    const connection = new ConnectionStore(api);
    assert.deepEqual(connection.state, { status: 'connecting' });
    assert.equal(connection.everOpened, false);
    play({ status: 'lost', reason: 'the host is not reachable', attempt: 1, retryAt: 500 });
    assert.equal(connection.everOpened, false, 'never opened: still starting');
    play({ status: 'open' });
    play({ status: 'lost', reason: 'closed (code 1001)', attempt: 2, retryAt: 1500 });
    assert.equal(connection.state.status, 'lost');
    assert.equal(connection.everOpened, true);
    play({ status: 'open' });
    assert.equal(connection.state.status, 'open');
  });

  it('retries through the link, and stops listening when disposed', async () => {
    const { api, play, retries, listening } = session();
    const connection = new ConnectionStore(api);
    connection.retryNow();
    assert.equal(retries(), 1);
    await connection.dispose();
    assert.equal(listening(), 0);
    play({ status: 'open' });
    assert.equal(connection.state.status, 'connecting', 'a disposed store no longer follows the link');
  });
});
