import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Transport } from '../../src-common/api/client';
import { Api } from './api-session';
import type { Link, LinkHooks } from './link';
import { createPage } from './page';
import { FixedMediaWatch, ManualTimers, MemoryStorage, settle } from './test-doubles';

/** A link to a pretend main side that answers each request from a table, and records when it is stopped. */
class TableLink implements Link {
  readonly kind = 'websocket';
  stopped = false;
  readonly asked: string[] = [];
  private hooks: LinkHooks | null = null;
  constructor(private readonly table: Record<string, unknown>) {}
  start(hooks: LinkHooks): void {
    this.hooks = hooks;
  }
  retryNow(): void {}
  stop(): void {
    this.stopped = true;
  }
  open(): void {
    const listeners: ((message: unknown) => void)[] = [];
    const transport: Transport = {
      send: (message) => {
        const { id, method } = message as { id: number; method: string };
        this.asked.push(method);
        const reply =
          method in this.table
            ? { type: 'response', id, ok: true, result: this.table[method] }
            : { type: 'response', id, ok: false, error: { code: 'not_found', message: method } };
        queueMicrotask(() => {
          for (const listener of listeners) listener(reply);
        });
      },
      onMessage: (listener) => void listeners.push(listener),
      onClose: () => undefined,
    };
    this.hooks?.state({ status: 'open' });
    this.hooks?.opened(transport);
  }
}

const settings = { theme: 'dark', provider: 'auto', reducedMotion: false, decodingPreset: 'fast', heardPart: 'start', stepPace: 'readable', recentFiles: [] };
const file = { id: 'a', name: 'a.wav', size: 1, mime: 'audio/wav', mediaUrl: '/media/a' };
const engine = { state: 'ready', pid: 7, restarts: 0, onnxruntime: '1.30.0', backends: [], lastError: null };

function env() {
  return {
    storage: new MemoryStorage(),
    darkScheme: new FixedMediaWatch(false),
    reducedMotion: new FixedMediaWatch(false),
    timers: new ManualTimers(),
    now: () => 0,
    bridge: undefined,
    upload: () => Promise.reject(new Error('no uploads here')),
  };
}

describe('createPage (the renderer composition)', () => {
  it('builds every store on one session, and each loads its state when the channel opens', async () => {
    const link = new TableLink({ 'settings.get': settings, 'files.list': [file], 'files.recent': [], 'engine.status': engine, 'models.list': [] });
    const page = createPage(new Api(link), env());
    page.api.start();
    link.open();
    await settle();
    await settle();
    assert.equal(page.connection.state.status, 'open');
    assert.equal(page.settings.effectiveTheme, 'dark');
    assert.equal(page.files.selected?.name, 'a.wav');
    assert.equal(page.engine.status?.pid, 7);
    assert.equal(page.chat.preset, 'fast', 'the chat reads the same settings store');
    assert.deepEqual([...link.asked].sort(), ['engine.status', 'files.list', 'files.recent', 'models.list', 'settings.get']);
    await page.dispose();
  });

  it('disposes every store and then the session: media queries and timers let go, the link stops, requests fail', async () => {
    const link = new TableLink({});
    const browser = env();
    const page = createPage(new Api(link), browser);
    page.api.start();
    page.toasts.show('info', 'hello');
    assert.equal(browser.darkScheme.listening, 1);
    assert.equal(browser.reducedMotion.listening, 1);
    await page.dispose();
    assert.equal(browser.darkScheme.listening, 0);
    assert.equal(browser.reducedMotion.listening, 0);
    assert.equal(browser.timers.pending.size, 0);
    assert.equal(link.stopped, true);
    await assert.rejects(page.api.request('files.list'), /closed its connection/);
  });
});
