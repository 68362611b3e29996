import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiClient, type Transport } from './client';
import { ApiError } from './errors';
import { parseEvent, parseRequest } from './validate';

describe('contract validation', () => {
  it('accepts a well-formed request and types its params', () => {
    const request = parseRequest({ type: 'request', id: 1, method: 'settings.update', params: { theme: 'dark' } });
    assert.deepEqual(request.params, { theme: 'dark' });
  });

  it('refuses unknown methods, bad params and extra fields with bad_request', () => {
    const cases = [
      { type: 'request', id: 1, method: 'fs.readFile', params: {} },
      { type: 'request', id: 1, method: 'settings.update', params: { theme: 'purple' } },
      { type: 'request', id: 1, method: 'settings.update', params: { recentFiles: ['/etc/passwd'] } },
      { type: 'request', id: 1, method: 'files.close', params: {} },
      { type: 'request', id: 1, method: 'app.info', params: {}, extra: true },
      { type: 'request', id: 'one', method: 'app.info', params: {} },
      null,
      'app.info',
    ];
    for (const raw of cases) {
      assert.throws(
        () => parseRequest(raw),
        (error: unknown) => error instanceof ApiError && error.code === 'bad_request',
        JSON.stringify(raw),
      );
    }
  });

  it('names where a message is wrong', () => {
    assert.throws(() => parseRequest({ type: 'request', id: 1, method: 'settings.update', params: { theme: 3 } }), /params of settings\.update at theme/);
  });

  it('validates event data', () => {
    assert.throws(() => parseEvent({ type: 'event', event: 'settings.changed', data: { theme: 'dark' } }), /data of settings\.changed/);
    assert.throws(() => parseEvent({ type: 'event', event: 'nope', data: {} }), ApiError);
  });
});

/** A transport wired to a fake main side that answers from a table. */
function loopback(
  answer: (message: { id: number; method: string; params: unknown }) => unknown,
): Transport & { push(message: unknown): void; close(reason: string): void } {
  let deliver: (message: unknown) => void = () => undefined;
  let closed: (reason: string) => void = () => undefined;
  return {
    send(message) {
      const request = message as { id: number; method: string; params: unknown };
      queueMicrotask(() => {
        const reply = answer(request);
        if (reply !== undefined) deliver(reply);
      });
    },
    onMessage: (listener) => {
      deliver = listener;
    },
    onClose: (listener) => {
      closed = listener;
    },
    push: (message) => deliver(message),
    close: (reason) => closed(reason),
  };
}

describe('ApiClient', () => {
  const settings = {
    theme: 'dark',
    provider: 'auto',
    reducedMotion: false,
    decodingPreset: 'faithful',
    heardPart: 'start',
    stepPace: 'readable',
    recentFiles: [],
  };

  it('resolves typed results and routes events', async () => {
    const transport = loopback(({ id }) => ({ type: 'response', id, ok: true, result: settings }));
    const client = new ApiClient(transport);
    assert.deepEqual(await client.request('settings.get'), settings);
    const seen: unknown[] = [];
    client.on('settings.changed', (data) => seen.push(data.theme));
    transport.push({ type: 'event', event: 'settings.changed', data: { ...settings, theme: 'light' } });
    assert.deepEqual(seen, ['light']);
  });

  it('rebuilds typed errors', async () => {
    const transport = loopback(({ id }) => ({ type: 'response', id, ok: false, error: { code: 'not_found', message: 'gone' } }));
    const client = new ApiClient(transport);
    await assert.rejects(client.request('files.close', { id: 'x' }), (error: unknown) => error instanceof ApiError && error.code === 'not_found');
  });

  it('passes replies and events on as the main side sent them (it validated them), and ignores what it cannot route', async () => {
    const transport = loopback(({ id }) => ({ type: 'response', id, ok: true, result: { theme: 'dark' } }));
    const client = new ApiClient(transport);
    // The page trusts the main side: a result is not checked again here (dispatch projected it as it left).
    assert.deepEqual(await client.request('settings.get'), { theme: 'dark' });
    const seen: unknown[] = [];
    client.on('settings.changed', (data) => seen.push(data));
    for (const noise of [null, 'text', 42, { type: 'response', id: 999, ok: true, result: 1 }, { type: 'other' }]) transport.push(noise);
    assert.deepEqual(seen, []);
  });

  it('fails pending requests when the connection closes', async () => {
    const transport = loopback(() => undefined);
    const client = new ApiClient(transport);
    const pending = client.request('app.info');
    transport.close('host stopped');
    await assert.rejects(pending, /host stopped/);
    await assert.rejects(client.request('app.info'), /host stopped/);
  });
});
