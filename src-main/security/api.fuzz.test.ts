import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as fc from 'fast-check';
import { WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, type MethodName, methodNames, methods } from '../../src-common/api/contract';
import { ApiError } from '../../src-common/api/errors';
import { decodeFrame, parseRequest, parseResponse } from '../../src-common/api/validate';
import { dispatch } from '../api/dispatch';
import type { AppServices, Handlers } from '../api/handlers';
import { createHeadlessApp } from '../host/headless-services';
import { type Host, startHost } from '../host/server';
import { connectRendererPort, type PortLike } from '../shell-logic/renderer-port';
import { tempDir } from '../test-support/temp-dir';
import { SIDE_EFFECT_FREE, VALID_PARAMS } from './api-samples';
import { fuzzParameters, mutatedJson, nastyValue } from './fuzz-support';

/**
 * The API message validator and the three doors it guards (dispatch, Electron's MessagePort, the headless host's
 * WebSocket): every message either parses into exactly the contract's params or is refused with a bad_request
 * ApiError; a handler never sees anything else; every message gets exactly one well-formed reply.
 */

/** Handlers that record what they were called with, and change nothing. */
function spyHandlers() {
  const calls: { method: string; params: unknown }[] = [];
  const handlers = new Proxy({} as Handlers, {
    get: (_target, method: string) => async (params: unknown) => {
      calls.push({ method, params });
      throw new ApiError('not_found', 'spy');
    },
  });
  return { handlers, calls };
}

const samples = Object.entries(VALID_PARAMS).map(([method, params]) => ({ type: 'request', id: 1, method, params }));

/** Raw messages: anything at all, envelopes with random parts, and valid requests with a few edits. */
const rawMessage = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.record(
    {
      type: fc.oneof(fc.constant('request'), nastyValue()),
      id: fc.oneof(fc.nat(), nastyValue()),
      method: fc.oneof(fc.constantFrom(...methodNames), fc.string({ maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'fs.readFile')),
      params: fc.oneof(fc.constant({}), nastyValue(), fc.object({ maxDepth: 2 })),
    },
    { requiredKeys: [] },
  ),
  fc.constantFrom(...samples).chain((sample) => mutatedJson(sample as never)),
);

/** What the validator says about a message: the request it parses to, or the ApiError it throws (anything else fails). */
function verdict(raw: unknown): { request: ReturnType<typeof parseRequest> } | { error: ApiError } {
  try {
    return { request: parseRequest(raw) };
  } catch (error) {
    assert.ok(error instanceof ApiError, `parseRequest threw ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    assert.equal(error.code, 'bad_request');
    assert.match(error.message, /^Invalid (request|params of [\w.]+)/);
    return { error };
  }
}

describe('fuzz: API message validation', () => {
  it('the sample requests are valid', () => {
    for (const sample of samples) assert.ok('request' in verdict(sample), sample.method);
  });

  it('parseRequest: parses to params the method schema accepts, or throws bad_request', () => {
    fc.assert(
      fc.property(rawMessage, (raw) => {
        const result = verdict(raw);
        if ('request' in result) {
          const { method, params } = result.request;
          assert.ok(methodNames.includes(method));
          assert.equal(methods[method].params.safeParse(params).success, true);
        }
      }),
      fuzzParameters(500),
    );
  });

  it('decodeFrame: any text is JSON or bad_request; oversized text is refused unread', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 })), (text) => {
        try {
          decodeFrame(text, MAX_MESSAGE_BYTES);
        } catch (error) {
          assert.ok(error instanceof ApiError && error.code === 'bad_request', String(error));
        }
      }),
      fuzzParameters(500),
    );
    assert.throws(() => decodeFrame(`"${'x'.repeat(MAX_MESSAGE_BYTES)}"`, MAX_MESSAGE_BYTES), /too large/);
  });

  it('dispatch: a handler runs only with validated params; every message gets one well-formed reply', async () => {
    await fc.assert(
      fc.asyncProperty(rawMessage, async (raw) => {
        const { handlers, calls } = spyHandlers();
        const reply = await dispatch(handlers, raw);
        parseResponse(reply);
        const result = verdict(raw);
        if ('error' in result) {
          assert.equal(calls.length, 0, 'no handler ran');
          assert.equal(reply.ok, false);
          assert.equal(!reply.ok && reply.error.code, 'bad_request');
        } else {
          assert.deepEqual(calls, [{ method: result.request.method, params: result.request.params }]);
          assert.equal(reply.id, result.request.id);
        }
      }),
      fuzzParameters(500),
    );
  });

  it("Electron's MessagePort: any value, JSON or not, gets exactly one reply and reaches a handler only validated", async () => {
    const { handlers, calls } = spyHandlers();
    const sent: unknown[] = [];
    let deliver: (data: unknown) => void = () => undefined;
    const port: PortLike = {
      postMessage: (message) => sent.push(message),
      onMessage: (listener) => {
        deliver = listener;
      },
      onClose: () => undefined,
      start: () => undefined,
      close: () => undefined,
    };
    connectRendererPort(port, handlers, { onAny: () => () => undefined });
    const anyValue = fc.oneof(rawMessage, fc.anything({ maxDepth: 2, withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true }));
    await fc.assert(
      fc.asyncProperty(anyValue, async (raw) => {
        sent.length = 0;
        calls.length = 0;
        deliver(raw);
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(sent.length, 1, 'one reply');
        const reply = parseResponse(sent[0]);
        if (calls.length > 0) {
          const result = verdict(raw);
          assert.ok('request' in result);
          assert.deepEqual(calls, [{ method: result.request.method, params: result.request.params }]);
        } else assert.equal(reply.ok, false);
      }),
      fuzzParameters(400),
    );
  });
});

describe("fuzz: the headless host's WebSocket", () => {
  let host: Host;
  let services: AppServices;
  let ws: WebSocket;
  const replies: unknown[] = [];
  let waiting: (() => void) | null = null;

  before(async () => {
    const staticDir = tempDir();
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    services = createHeadlessApp(join(tempDir(), 'home'));
    host = await startHost({ services, staticDir });
    ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.on('message', (data) => {
      replies.push(JSON.parse(data.toString()));
      waiting?.();
    });
  });
  after(async () => {
    ws.terminate();
    services.engine.dispose();
    await host.dispose();
  });

  const roundTrip = (frame: string | Buffer) =>
    new Promise<unknown>((resolve, reject) => {
      replies.length = 0;
      const timer = setTimeout(() => reject(new Error(`no reply to ${String(frame).slice(0, 200)}`)), 5000);
      waiting = () => {
        clearTimeout(timer);
        waiting = null;
        resolve(replies[0]);
      };
      ws.send(frame);
    });

  /** Frames that may reach the host: any text, any JSON, binary, and requests (only for methods without side effects). */
  const safe = new Set<string>(SIDE_EFFECT_FREE);
  const frame = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    rawMessage
      .filter((raw) => {
        const method = (raw as { method?: unknown } | null)?.method;
        return typeof method !== 'string' || !methodNames.includes(method as MethodName) || safe.has(method);
      })
      .map((raw) => JSON.stringify(raw) ?? 'undefined'),
  );

  it('answers every frame once with a well-formed reply, and keeps the connection', async () => {
    await fc.assert(
      fc.asyncProperty(frame, async (f) => {
        const reply = parseResponse(await roundTrip(f));
        if (Buffer.isBuffer(f)) assert.ok(!reply.ok && /Binary frames/.test(reply.error.message));
        if (!reply.ok) assert.ok(reply.error.details === undefined, 'no details (paths) reach the page');
      }),
      fuzzParameters(300),
    );
    assert.equal(ws.readyState, WebSocket.OPEN);
    const info = parseResponse(await roundTrip(JSON.stringify({ type: 'request', id: 9, method: 'app.info', params: {} })));
    assert.ok(info.ok);
  });

  it('a frame over the size limit closes that connection (1009), and the host goes on serving', async () => {
    const big = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`);
    await new Promise((resolve) => big.once('open', resolve));
    const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)));
    big.send(`"${'x'.repeat(MAX_MESSAGE_BYTES + 10)}"`);
    assert.equal(await closed, 1009);
    assert.ok(parseResponse(await roundTrip(JSON.stringify({ type: 'request', id: 10, method: 'settings.get', params: {} }))).ok);
  });

  it('upgrades only with the right Host, Origin and token', async () => {
    const good = { host: `127.0.0.1:${host.port}`, origin: `http://127.0.0.1:${host.port}` };
    // (an empty Host is not sent at all: ws then sends the real one)
    const header = fc.oneof(
      fc.constantFrom(good.host, `localhost:${host.port}`, `evil.example:${host.port}`, `127.0.0.1:${host.port + 1}`),
      fc.string({ minLength: 1, maxLength: 30 }),
    );
    const origin = fc.option(
      fc.oneof(fc.constantFrom(good.origin, 'http://evil.example', 'null', `http://127.0.0.1:${host.port + 1}`), fc.string({ maxLength: 30 })),
    );
    const token = fc.option(fc.oneof(fc.constant(host.token), fc.string({ maxLength: 40 })));
    await fc.assert(
      fc.asyncProperty(header, origin, token, async (h, o, t) => {
        // HTTP trims the whitespace around header values
        const allowed = [good.host, `localhost:${host.port}`, `[::1]:${host.port}`];
        const allowedHost = allowed.includes(h.trim());
        const allowedOrigin = o === null || allowed.includes(o.trim().replace(/^https?:\/\//, ''));
        const expected = allowedHost && allowedOrigin && t === host.token;
        const opened = await new Promise<boolean>((resolve) => {
          const headers: Record<string, string> = { host: h };
          if (o !== null) headers.origin = o;
          const probe = new WebSocket(`ws://127.0.0.1:${host.port}/api${t === null ? '' : `?token=${encodeURIComponent(t)}`}`, { headers });
          probe.once('open', () => {
            probe.terminate();
            resolve(true);
          });
          probe.once('unexpected-response', () => resolve(false));
          probe.once('error', () => resolve(false));
        });
        assert.equal(opened, expected, `host ${JSON.stringify(h)} origin ${JSON.stringify(o)} token ${t === host.token ? 'right' : JSON.stringify(t)}`);
      }),
      fuzzParameters(60),
    );
  });
});
