import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Transport } from '../../src-common/api/client';
import { Api } from './api-session';
import type { Link, LinkHooks, LinkState } from './link';

/** A link whose channels the test opens and drops; each channel answers every request with `{}` after a tick. */
class ScriptedLink implements Link {
  readonly kind = 'websocket';
  stopped = 0;
  private hooks: LinkHooks | null = null;
  private closeCurrent: ((reason: string) => void) | null = null;
  start(hooks: LinkHooks): void {
    this.hooks = hooks;
    hooks.state({ status: 'connecting' });
  }
  retryNow(): void {}
  stop(): void {
    this.stopped += 1;
  }
  open(answer = true): void {
    const messages: ((message: unknown) => void)[] = [];
    const closes: ((reason: string) => void)[] = [];
    const transport: Transport = {
      send: (message) => {
        const { id } = message as { id: number };
        const reply = { type: 'response', id, ok: true, result: {} };
        if (answer)
          setTimeout(() => {
            for (const listener of messages) listener(reply);
          }, 0);
      },
      onMessage: (listener) => void messages.push(listener),
      onClose: (listener) => void closes.push(listener),
    };
    this.closeCurrent = (reason) => {
      for (const listener of closes) listener(reason);
    };
    this.hooks?.state({ status: 'open' });
    this.hooks?.opened(transport);
  }
  drop(reason: string): void {
    this.closeCurrent?.(reason);
    this.hooks?.state({ status: 'lost', reason, attempt: 1, retryAt: 0 });
  }
}

describe('Api (the page session)', () => {
  it('calls onConnected on every channel, fails requests in flight when one drops, and serves the next one', async () => {
    const link = new ScriptedLink();
    const api = new Api(link, 1000);
    const states: LinkState['status'][] = [];
    let connected = 0;
    api.onState((state) => states.push(state.status));
    api.onConnected(() => void connected++);
    api.start();
    const early = api.request('app.info');
    link.open(false);
    const lost = api.request('app.info');
    link.drop('the host is not reachable');
    await assert.rejects(early, /Connection closed: the host is not reachable/);
    await assert.rejects(lost, /Connection closed/);
    link.open();
    assert.deepEqual(await api.request('app.info'), {});
    assert.equal(connected, 2);
    assert.deepEqual(states, ['connecting', 'open', 'lost', 'open']);
  });

  it('once disposed: the link is stopped, a waiting request fails at once, and nothing is called again', async () => {
    const link = new ScriptedLink();
    const api = new Api(link, 60_000);
    let connected = 0;
    api.onConnected(() => void connected++);
    api.start();
    const waiting = api.request('app.info');
    api.dispose();
    await assert.rejects(waiting, /Not connected/);
    await assert.rejects(api.request('app.info'), /closed its connection/);
    assert.equal(link.stopped, 1);
    link.open();
    assert.equal(connected, 0, 'a channel that opens after dispose is not used');
    api.dispose();
    assert.equal(link.stopped, 1, 'dispose is idempotent');
  });
});
