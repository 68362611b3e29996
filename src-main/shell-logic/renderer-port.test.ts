import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_MESSAGE_BYTES } from '../../src-common/api/contract';
import type { AudioFileRef, EngineStatus, Settings } from '../../src-common/api/schemas';
import { createHandlers } from '../api/handlers';
import { createTestApp } from '../test-support/test-app';
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
  const app = createTestApp({ shell: 'electron' });
  return { app, settings: app.settings, files: app.files, events: app.events, handlers: createHandlers(app) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('connectRendererPort', () => {
  it('answers requests on the port it was given', async () => {
    const { events, handlers } = setup();
    const fake = fakePort();
    connectRendererPort(fake.port, handlers, events);
    assert.ok(fake.started);
    fake.deliver({ type: 'request', id: 7, method: 'app.info', params: {} });
    await settle();
    const reply = fake.sent[0] as { id: number; ok: boolean; result: { shell: string; version: string } };
    assert.equal(reply.id, 7);
    assert.equal(reply.ok, true);
    assert.equal(reply.result.shell, 'electron');
  });

  it('answers malformed, unknown and oversized requests with a bad_request error', async () => {
    const { events, handlers } = setup();
    const fake = fakePort();
    connectRendererPort(fake.port, handlers, events);
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

  it('forwards every event the app publishes (settings and engine status among them), and stops when the port closes', async () => {
    const { app, settings, files, events, handlers } = setup();
    const fake = fakePort();
    const connection = connectRendererPort(fake.port, handlers, events);
    settings.update({ theme: 'dark' });
    const status: EngineStatus = { state: 'ready', pid: 1, restarts: 0, onnxruntime: '1.30.0', backends: [], lastError: null };
    events.emit('engine.status', status);
    events.emit('app.command', { command: 'toggle-theme' });
    const sent = fake.sent as { type: string; event: string; data: unknown }[];
    assert.deepEqual(
      sent.map((e) => [e.type, e.event]),
      [
        ['event', 'settings.changed'],
        ['event', 'engine.status'],
        ['event', 'app.command'],
      ],
    );
    assert.equal((sent[0]?.data as Settings | undefined)?.theme, 'dark');
    fake.remoteClosed();
    assert.ok(connection.closed);
    settings.update({ theme: 'light' });
    events.emit('app.command', { command: 'about' });
    assert.equal(fake.sent.length, 3, 'nothing is forwarded after the port closed');
    const refs: AudioFileRef[] = files.list();
    assert.deepEqual(refs, []);
    connection.close();
    assert.ok(fake.closed);
    await app.dispose();
  });
});
