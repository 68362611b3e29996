import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_MESSAGE_BYTES } from '../../src-common/api/contract';
import type { AudioFileRef, EngineStatus, Settings } from '../../src-common/api/schemas';
import { AppEvents } from '../api/app-events';
import { createHandlers } from '../api/handlers';
import { ChatService } from '../chat/chat-service';
import { createSettingsStore } from '../core/settings';
import { EngineClient } from '../engine/engine-client';
import { ChosenFiles } from '../files/chosen-files';
import { LibraryStore } from '../library/library-store';
import { connectRendererPort, type PortLike } from './renderer-port';

/** A port double: what the main side posts is collected; `deliver` plays a message from the page. */
function fakePort() {
  const sent: unknown[] = [];
  let onMessage: (data: unknown) => void = () => undefined;
  let onClose: () => void = () => undefined;
  let started = false;
  let closed = false;
  const port: PortLike = {
    postMessage: (message) => sent.push(message),
    onMessage: (listener) => {
      onMessage = listener;
    },
    onClose: (listener) => {
      onClose = listener;
    },
    start: () => {
      started = true;
    },
    close: () => {
      closed = true;
    },
  };
  return {
    port,
    sent,
    deliver: (data: unknown) => onMessage(data),
    remoteClosed: () => onClose(),
    get started() {
      return started;
    },
    get closed() {
      return closed;
    },
  };
}

function setup() {
  const values = new Map<string, unknown>();
  const settings = createSettingsStore({ get: (key) => values.get(key), set: (key, value) => values.set(key, value) });
  const files = new ChosenFiles((id) => `diffa-media://file/${id}`);
  const statusListeners = new Set<(status: EngineStatus) => void>();
  const engine = new EngineClient(() => {
    throw new Error('not started in this test');
  });
  const engineSource = {
    onStatus: (listener: (status: EngineStatus) => void) => {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
  };
  const base = {
    shell: 'electron' as const,
    version: '0.0.0-test',
    home: { root: '/tmp/h', models: '/tmp/h/models', library: '/tmp/h/library', cache: '/tmp/h/cache', uploads: '/tmp/h/uploads', settings: '/tmp/h/settings' },
    bundledModels: '/nonexistent',
    settings,
    files,
    engine,
    events: new AppEvents(),
  };
  const handlers = createHandlers({ ...base, chat: new ChatService({ ...base, store: new LibraryStore('/nonexistent/library') }) });
  return { settings, files, engineSource, statusListeners, handlers };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('connectRendererPort', () => {
  it('answers requests on the port it was given', async () => {
    const { settings, files, engineSource, handlers } = setup();
    const fake = fakePort();
    connectRendererPort(fake.port, handlers, { files, settings, engine: engineSource });
    assert.ok(fake.started);
    fake.deliver({ type: 'request', id: 7, method: 'app.info', params: {} });
    await settle();
    const reply = fake.sent[0] as { id: number; ok: boolean; result: { shell: string; version: string } };
    assert.equal(reply.id, 7);
    assert.equal(reply.ok, true);
    assert.equal(reply.result.shell, 'electron');
  });

  it('answers malformed, unknown and oversized requests with a bad_request error', async () => {
    const { settings, files, engineSource, handlers } = setup();
    const fake = fakePort();
    connectRendererPort(fake.port, handlers, { files, settings, engine: engineSource });
    fake.deliver({ type: 'request', id: 1, method: 'fs.readFile', params: { path: '/etc/passwd' } });
    fake.deliver('not an object');
    fake.deliver({ type: 'request', id: 3, method: 'app.info', params: { pad: 'x'.repeat(MAX_MESSAGE_BYTES) } });
    const cyclic: Record<string, unknown> = { type: 'request', id: 4 };
    cyclic.self = cyclic;
    fake.deliver(cyclic);
    await settle();
    const replies = fake.sent as { id: number; ok: boolean; error?: { code: string; message: string } }[];
    assert.equal(replies.length, 4);
    for (const reply of replies) {
      assert.equal(reply.ok, false);
      assert.equal(reply.error?.code, 'bad_request');
    }
    assert.deepEqual(replies.map((r) => r.id).sort(), [-1, 1, 3, 4]);
    assert.ok(replies.some((r) => /too large/.test(r.error?.message ?? '')));
  });

  it('pushes settings, files and engine events, and stops when the port closes', async () => {
    const { settings, files, engineSource, statusListeners, handlers } = setup();
    const fake = fakePort();
    const connection = connectRendererPort(fake.port, handlers, { files, settings, engine: engineSource });
    settings.update({ theme: 'dark' });
    const status: EngineStatus = { state: 'ready', pid: 1, restarts: 0, onnxruntime: '1.30.0', backends: [], lastError: null };
    for (const listener of statusListeners) listener(status);
    connection.push('app.command', { command: 'toggle-theme' });
    const events = fake.sent as { type: string; event: string; data: unknown }[];
    assert.deepEqual(
      events.map((e) => [e.type, e.event]),
      [
        ['event', 'settings.changed'],
        ['event', 'engine.status'],
        ['event', 'app.command'],
      ],
    );
    assert.equal((events[0]?.data as Settings | undefined)?.theme, 'dark');
    fake.remoteClosed();
    assert.ok(connection.closed);
    assert.equal(statusListeners.size, 0);
    settings.update({ theme: 'light' });
    connection.push('app.command', { command: 'about' });
    assert.equal(fake.sent.length, 3);
    const refs: AudioFileRef[] = files.list();
    assert.deepEqual(refs, []);
  });

  it('refuses to push an event that does not fit the contract', () => {
    const { settings, files, engineSource, handlers } = setup();
    const fake = fakePort();
    const connection = connectRendererPort(fake.port, handlers, { files, settings, engine: engineSource });
    assert.throws(() => connection.push('app.command', { command: 'rm-rf' } as never));
    connection.close();
    assert.ok(fake.closed);
  });
});
