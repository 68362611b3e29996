import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ApiClient, type Transport } from '../../src-common/api/client';
import { EventMessageSchema, events, methods, RequestMessageSchema, ResponseMessageSchema } from '../../src-common/api/contract';
import type { EngineStatus } from '../../src-common/api/schemas';
import { createHeadlessApp } from '../host/headless-services';
import { startHost } from '../host/server';
import { connectRendererPort, type PortLike } from '../shell-logic/renderer-port';
import { tempDir } from '../test-support/temp-dir';
import { createTestApp } from '../test-support/test-app';
import { createHandlers } from './handlers';

/**
 * One validation per boundary, counted: a request from the page to the main side and its reply, and the event it
 * causes, each cross the page boundary once and must be checked against the contract exactly once on the way — by
 * the main side, where trust changes. A second check creeping back (in the page's client, in a handler, in a second
 * transport step) makes a count here 2.
 */

type Parser = { safeParse: (...args: unknown[]) => unknown; parse: (...args: unknown[]) => unknown };
const restore: (() => void)[] = [];

/** Counts calls of a schema's parse functions (zod keeps them as the schema object's own properties). */
function count(schema: unknown): { calls: number } {
  const target = schema as Parser;
  const counter = { calls: 0 };
  for (const key of ['safeParse', 'parse'] as const) {
    const original = target[key];
    target[key] = (...args: unknown[]) => {
      counter.calls += 1;
      return original.apply(target, args);
    };
    restore.push(() => {
      target[key] = original;
    });
  }
  return counter;
}

afterEach(() => {
  for (const undo of restore.splice(0)) undo();
});

/** The page's client on Electron's transport adapter (the host's WebSocket adapter shares dispatch and eventForPage). */
function connect() {
  const app = createTestApp({ shell: 'electron' });
  let toPage: (message: unknown) => void = () => undefined;
  let toMain: (data: unknown) => void = () => undefined;
  const port: PortLike = {
    // Through structured clone, as a MessagePort would carry it.
    postMessage: (message) => queueMicrotask(() => toPage(structuredClone(message))),
    onMessage: (listener) => {
      toMain = listener;
    },
    onClose: () => undefined,
    start: () => undefined,
    close: () => undefined,
  };
  connectRendererPort(port, createHandlers(app), app.events);
  const transport: Transport = {
    send: (message) => queueMicrotask(() => toMain(structuredClone(message))),
    onMessage: (listener) => {
      toPage = listener;
    },
    onClose: () => undefined,
  };
  return { app, client: new ApiClient(transport) };
}

describe('the page boundary validates each message once', () => {
  it('a request and its reply: the params parsed once as they come in, the result once as it goes out', async () => {
    const { client } = connect();
    const params = count(methods['engine.status'].params);
    const result = count(methods['engine.status'].result);
    const requestEnvelope = count(RequestMessageSchema);
    const responseEnvelope = count(ResponseMessageSchema);

    const status = await client.request('engine.status');

    assert.equal(typeof status.state, 'string');
    assert.deepEqual(
      { params: params.calls, result: result.calls, requestEnvelope: requestEnvelope.calls, responseEnvelope: responseEnvelope.calls },
      { params: 1, result: 1, requestEnvelope: 1, responseEnvelope: 0 },
    );
  });

  it('an event: its data parsed once, by the transport as it forwards it, and not again by the page', async () => {
    const { app, client } = connect();
    const data = count(events['engine.status']);
    const eventEnvelope = count(EventMessageSchema);
    const seen = new Promise<string>((resolve) => client.on('engine.status', (status) => resolve(status.state)));

    app.events.emit('engine.status', { state: 'ready', pid: 1, restarts: 0, onnxruntime: null, backends: [], lastError: null });

    assert.equal(await seen, 'ready');
    assert.deepEqual({ data: data.calls, eventEnvelope: eventEnvelope.calls }, { data: 1, eventEnvelope: 0 });
  });

  it('the main side strips what the contract does not name from a reply and an event, and drops an event the contract refuses', async () => {
    const { app, client } = connect();
    const reported: string[] = [];
    const originalError = console.error;
    console.error = (message: string) => void reported.push(message);
    try {
      const seen: unknown[] = [];
      client.on('engine.status', (data) => seen.push(data));
      const status: EngineStatus = { state: 'ready', pid: 1, restarts: 0, onnxruntime: null, backends: [], lastError: null };
      app.events.emit('engine.status', { ...status, path: '/secret/engine' } as typeof status);
      app.events.emit('engine.status', { ...status, state: 'melting' } as unknown as typeof status);
      // A request after the events: its reply arrives after them on the same ordered channel.
      await client.request('app.info');
      assert.deepEqual(seen, [status], 'the extra field is gone and the refused event never reached the page');
      assert.match(reported.join('\n'), /Not sending engine\.status to the page: Invalid data of engine\.status at state/);
    } finally {
      console.error = originalError;
    }
  });
});

describe('the same on the headless host (WebSocket)', () => {
  it('a request, its reply and an event: one parse each, on the host', async () => {
    const services = createHeadlessApp(join(tempDir(), 'home'));
    const host = await startHost({ services, staticDir: tempDir() });
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`);
    try {
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const listeners: ((message: unknown) => void)[] = [];
      socket.on('message', (data) => {
        for (const listener of listeners) listener(JSON.parse(data.toString()));
      });
      const client = new ApiClient({
        send: (message) => socket.send(JSON.stringify(message)),
        onMessage: (listener) => void listeners.push(listener),
        onClose: () => undefined,
      });
      // engine.status's result and event share one schema: the reply is counted first, then the event.
      assert.equal(methods['engine.status'].result, events['engine.status']);
      const params = count(methods['engine.status'].params);
      const statusSchema = count(methods['engine.status'].result);
      const envelopes = [RequestMessageSchema, ResponseMessageSchema, EventMessageSchema].map(count);

      await client.request('engine.status');
      const reply = { params: params.calls, result: statusSchema.calls, envelopes: envelopes.map((e) => e.calls) };
      const seen = new Promise<string>((resolve) => client.on('engine.status', (status) => resolve(status.state)));
      services.events.emit('engine.status', { state: 'stopped', pid: null, restarts: 0, onnxruntime: null, backends: [], lastError: null });
      assert.equal(await seen, 'stopped');
      const event = { data: statusSchema.calls - reply.result, envelopes: envelopes.map((e, i) => e.calls - (reply.envelopes[i] ?? 0)) };

      assert.deepEqual(reply, { params: 1, result: 1, envelopes: [1, 0, 0] });
      assert.deepEqual(event, { data: 1, envelopes: [0, 0, 0] });
    } finally {
      socket.close();
      await host.dispose();
      await services.dispose();
    }
  });
});
