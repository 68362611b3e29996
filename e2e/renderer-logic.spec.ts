import { expect, test } from '@playwright/test';
import type { Transport } from '../src-common/api/client';
import { ApiError } from '../src-common/api/errors';
import { Api } from '../src-renderer/lib/api-session';
import { backoffDelay } from '../src-renderer/lib/backoff';
import { formatBytes, formatDuration } from '../src-renderer/lib/format';
import type { Link, LinkHooks, LinkState } from '../src-renderer/lib/link';
import { uploadFile } from '../src-renderer/lib/upload';

/** The renderer's logic that needs no browser, run by the same runner in Node (no page, no host). */

test.describe('backoff', () => {
  test('doubles from 500 ms up to 10 s, within ±20% jitter', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((attempt) => backoffDelay(attempt, 500, 10_000, () => 0.5))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(backoffDelay(3, 500, 10_000, () => 0)).toBe(1600);
    expect(backoffDelay(3, 500, 10_000, () => 0.999_999)).toBe(2400);
  });
});

test.describe('format', () => {
  test('sizes and durations', () => {
    expect([0, 1, 999, 1000, 48_044, 999_499, 999_999, 12_200_000, 3.2e9].map(formatBytes)).toEqual([
      '0 bytes',
      '1 byte',
      '999 bytes',
      '1 KB',
      '48 KB',
      '999 KB',
      '1 MB',
      '12.2 MB',
      '3.2 GB',
    ]);
    expect([0, 1.5, 59.999, 61.25, 3725, Number.NaN, Number.POSITIVE_INFINITY].map(formatDuration)).toEqual([
      '0:00.00',
      '0:01.50',
      '1:00.00',
      '1:01.25',
      '1:02:05',
      '–',
      '–',
    ]);
  });
});

test.describe('uploadFile', () => {
  const file = new File([new Uint8Array([1, 2, 3])], 'notes & more.txt');
  const reply = (status: number, body: unknown) => async () =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

  test('posts the raw file to /upload with its name and returns the opened file', async () => {
    const ref = { id: 'abc', name: 'notes & more.txt', size: 3, mime: 'audio/wav', mediaUrl: '/media/abc' };
    let seen: { url: string; method?: string; size?: number } | null = null;
    const fetchImpl = (async (url: string, init?: RequestInit) => {
      seen = { url, method: init?.method, size: (init?.body as File | undefined)?.size };
      return reply(200, ref)();
    }) as typeof fetch;
    expect(await uploadFile(file, fetchImpl)).toEqual(ref);
    expect(seen).toEqual({ url: '/upload?name=notes%20%26%20more.txt', method: 'POST', size: 3 });
  });

  test("throws the host's error as it wrote it", async () => {
    const error = { error: { code: 'bad_audio', message: 'Cannot open notes.txt: not an audio format' } };
    const thrown = await uploadFile(file, reply(415, error) as typeof fetch).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ApiError);
    expect(thrown).toMatchObject({ code: 'bad_audio', message: 'Cannot open notes.txt: not an audio format' });
  });

  test('says what happened when the reply is not the contract', async () => {
    await expect(uploadFile(file, reply(502, '<html>Bad gateway</html>') as typeof fetch)).rejects.toThrow('the host answered HTTP 502');
    await expect(uploadFile(file, reply(200, { id: 1 }) as typeof fetch)).rejects.toThrow('does not fit the API contract');
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    await expect(uploadFile(file, offline)).rejects.toThrow('the host is not reachable');
  });
});

/** A Link the test drives: it opens and drops channels on command and answers requests like a host. */
class FakeLink implements Link {
  readonly kind = 'websocket';
  hooks: LinkHooks | null = null;
  retries = 0;
  private current: { receive: (message: unknown) => void; close: (reason: string) => void } | null = null;

  start(hooks: LinkHooks): void {
    this.hooks = hooks;
    hooks.state({ status: 'connecting' });
  }

  retryNow(): void {
    this.retries += 1;
  }

  stop(): void {
    this.drop('the page closed');
    this.hooks = null;
  }

  /** Opens a channel whose "host" answers each request with `answer(method)`. */
  open(answer: (method: string) => unknown = () => ({})): void {
    const messageListeners: ((message: unknown) => void)[] = [];
    const closeListeners: ((reason: string) => void)[] = [];
    const receive = (message: unknown) => {
      for (const listener of messageListeners) listener(message);
    };
    const transport: Transport = {
      send: (message) => {
        const { id, method } = message as { id: number; method: string };
        const result = answer(method);
        if (result !== undefined) queueMicrotask(() => receive({ type: 'response', id, ok: true, result }));
      },
      onMessage: (listener) => void messageListeners.push(listener),
      onClose: (listener) => void closeListeners.push(listener),
    };
    this.current = {
      receive,
      close: (reason) => {
        for (const listener of closeListeners) listener(reason);
      },
    };
    this.hooks?.state({ status: 'open' });
    this.hooks?.opened(transport);
  }

  event(event: string, data: unknown): void {
    this.current?.receive({ type: 'event', event, data });
  }

  drop(reason: string): void {
    this.current?.close(reason);
    this.current = null;
    this.hooks?.state({ status: 'lost', reason, attempt: 1, retryAt: Date.now() + 500 });
  }
}

test.describe('Api session', () => {
  const files = [{ id: 'a', name: 'a.wav', size: 1, mime: 'audio/wav', mediaUrl: '/media/a' }];

  test('a request made before the channel opens waits for it', async () => {
    const link = new FakeLink();
    const api = new Api(link);
    api.start();
    const pending = api.request('files.list');
    link.open((method) => (method === 'files.list' ? files : undefined));
    expect(await pending).toEqual(files);
  });

  test('a request fails clearly when no channel comes in time', async () => {
    const api = new Api(new FakeLink(), 50);
    api.start();
    await expect(api.request('files.list')).rejects.toThrow('Not connected to Diffa Studio');
  });

  test('event listeners and onConnected survive a reconnect; requests in flight fail when the channel drops', async () => {
    const link = new FakeLink();
    const api = new Api(link);
    const states: LinkState['status'][] = [];
    const seen: string[][] = [];
    let connected = 0;
    api.onState((state) => states.push(state.status));
    api.on('files.changed', (list) => seen.push(list.map((file) => file.id)));
    api.onConnected(() => {
      connected += 1;
    });
    api.start();
    link.open(() => undefined); // this "host" never answers
    link.event('files.changed', files);
    const lost = api.request('files.list');
    link.drop('the host is not reachable');
    await expect(lost).rejects.toThrow('Connection closed: the host is not reachable');

    link.open((method) => (method === 'files.list' ? [] : undefined));
    link.event('files.changed', []);
    expect(await api.request('files.list')).toEqual([]);
    expect(seen).toEqual([['a'], []]);
    expect(connected).toBe(2);
    expect(states).toEqual(['connecting', 'open', 'lost', 'open']);
  });

  test('a message is passed on as the main side sent it (it validated it), and one that cannot be routed is ignored', async () => {
    const link = new FakeLink();
    const api = new Api(link);
    const seen: unknown[] = [];
    api.on('files.changed', (list) => seen.push(list));
    api.start();
    link.open();
    link.event('files.changed', files);
    link.event('no.such.event', files);
    link.drop('gone');
    expect(seen).toEqual([files]);
  });
});
